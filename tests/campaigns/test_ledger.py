import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, OperationalError, transaction

from campaigns import services, tasks
from campaigns.models import Action, Campaign, OfflineReport, Tally
from campaigns.services import tallies as tallies_module
from tests import factories
from tests.factories import committed

pytestmark = pytest.mark.django_db


def ledger_sum(campaign):
    totals = {}
    for a in Action.objects.filter(campaign=campaign):
        totals[(a.country, a.kind)] = totals.get((a.country, a.kind), 0) + a.quantity
    return totals


def tallies(campaign):
    return {(t.country, t.kind): t.quantity for t in Tally.objects.filter(campaign=campaign)}


def test_a_source_yields_one_action_per_kind_by_constraint(campaign):
    report = factories.make_report(campaign, quantity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            kind="letter",
            campaign=campaign,
            country="PL",
            quantity=5,
            source_type=ContentType.objects.get_for_model(report),
            source_id=report.pk,
        )
    assert Action.objects.count() == 1


def test_recording_the_same_source_twice_replaces_the_figures(campaign):
    report = factories.make_report(campaign, quantity=5)
    with committed():
        services.action_record(
            source=report, kind="letter", campaign=campaign, country="PL", quantity=7
        )
    with committed():
        services.action_record(
            source=report, kind="letter", campaign=campaign, country="PL", quantity=7
        )
    assert Action.objects.get().quantity == 7
    campaign.refresh_from_db()
    assert campaign.actions_total == 7


def test_withdrawing_takes_the_action_out_of_the_totals(campaign):
    keep = factories.make_report(campaign, country="DE", quantity=3)
    gone = factories.make_report(campaign, country="PL", quantity=5)
    with committed():
        services.action_withdraw(source=gone)
    campaign.refresh_from_db()
    assert campaign.actions_total == 3
    assert campaign.countries_total == 1
    assert tallies(campaign) == {("DE", "letter"): 3}
    assert keep.pk


def test_tallies_follow_the_ledger_after_each_commit(campaign):
    factories.make_report(campaign, country="PL", kind="letter", quantity=10)
    factories.make_report(campaign, country="PL", kind="signature", quantity=4)
    factories.make_report(campaign, country="JP", kind="letter", quantity=1)
    campaign.refresh_from_db()
    assert tallies(campaign) == ledger_sum(campaign)
    assert campaign.actions_total == 15
    assert campaign.countries_total == 2
    assert campaign.tally_dirty_at is None


def test_a_delivered_twice_recompute_does_nothing_the_second_time(campaign):
    factories.make_report(campaign, quantity=2)
    Campaign.objects.filter(pk=campaign.pk).update(
        tally_dirty_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert tasks.tallies_refresh(campaign.pk) is True
    assert tasks.tallies_refresh(campaign.pk) is False
    assert tallies(campaign) == ledger_sum(campaign)


def test_recompute_twice_gives_the_same_rows(campaign):
    factories.make_report(campaign, quantity=2)
    services.campaign_tallies_recompute(campaign_id=campaign.pk)
    first = tallies(campaign)
    changed = services.campaign_tallies_recompute(campaign_id=campaign.pk)
    assert changed is False
    assert tallies(campaign) == first


def test_reconcile_repairs_and_reports_drift(campaign):
    campaign.starts_on = dt.date.today()
    campaign.save()
    factories.make_report(campaign, quantity=2)
    Tally.objects.filter(campaign=campaign).update(quantity=999)
    assert services.tallies_reconcile() == [campaign.pk]
    assert tallies(campaign) == ledger_sum(campaign)
    assert services.tallies_reconcile() == []


def test_reconcile_picks_up_a_recompute_lost_with_the_broker(campaign, monkeypatch):
    # The broker refuses the task: the submission stays, the marker stays set.
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.tallies_refresh, "apply_async", broker_down)
    factories.make_report(campaign, quantity=6)
    campaign.refresh_from_db()
    assert campaign.actions_total == 0
    assert campaign.tally_dirty_at is not None
    Campaign.objects.filter(pk=campaign.pk).update(
        tally_dirty_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    monkeypatch.undo()
    services.tallies_reconcile()
    campaign.refresh_from_db()
    assert campaign.actions_total == 6
    assert campaign.tally_dirty_at is None


def test_a_refresh_that_fails_half_way_leaves_its_marker(campaign, monkeypatch):
    factories.make_report(campaign, quantity=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        tally_dirty_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), actions_total=0
    )

    def crash(campaign_id):
        raise OperationalError("server closed the connection unexpectedly")

    # After the claim, inside its transaction: the claim goes back with it.
    monkeypatch.setattr(tallies_module, "_totals_from_rows", crash)
    with pytest.raises(OperationalError):
        tasks.tallies_refresh(campaign.pk)
    campaign.refresh_from_db()
    assert campaign.tally_dirty_at is not None
    assert campaign.actions_total == 0

    monkeypatch.undo()
    assert tasks.tallies_refresh(campaign.pk) is True
    campaign.refresh_from_db()
    assert (campaign.actions_total, campaign.tally_dirty_at) == (1, None)
    assert tasks.tallies_refresh(campaign.pk) is False  # a second delivery


def test_a_reconcile_that_fails_half_way_leaves_an_ended_campaign_marked(campaign, monkeypatch):
    # An ended campaign is reconciled only while marked: had the reconcile
    # taken the marker before a recompute that then failed (the database
    # restarting under it), its totals would have stayed wrong for good.
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
    )
    factories.make_report(campaign, quantity=4)
    Campaign.objects.filter(pk=campaign.pk).update(
        tally_dirty_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), actions_total=0
    )

    def crash(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(tallies_module, "_rows_sync", crash)
    with pytest.raises(OperationalError):
        services.tallies_reconcile()
    campaign.refresh_from_db()
    assert campaign.tally_dirty_at is not None
    assert campaign.actions_total == 0

    monkeypatch.undo()
    services.tallies_reconcile()
    campaign.refresh_from_db()
    assert (campaign.actions_total, campaign.tally_dirty_at) == (4, None)


def test_many_actions_in_one_transaction_refresh_each_campaign_once(campaign, monkeypatch):
    other = factories.make_campaign(title="Another campaign")
    refreshed = []
    monkeypatch.setattr(tallies_module, "_tallies_mark_dirty", refreshed.append)

    def report(c, country, quantity):
        return services.offline_report_save(
            report=OfflineReport(
                campaign=c,
                country=country,
                kind="letter",
                quantity=quantity,
                organisation="Amnesty International",
                reported_on=dt.date(2013, 1, 10),
            )
        )

    with committed():
        with transaction.atomic():
            for n, country in enumerate(["PL", "DE", "LT", "IT"], start=1):
                report(campaign, country, n)
            report(other, "PL", 5)
        # A savepoint rolled back takes its callback along: the next
        # transaction's refresh is registered again, not skipped.
        with pytest.raises(RuntimeError), transaction.atomic():
            report(other, "DE", 7)
            raise RuntimeError("the editor's form failed")
    assert sorted(refreshed) == sorted([campaign.pk, other.pk])

    refreshed.clear()
    with committed():
        report(other, "LT", 2)
    assert refreshed == [other.pk]


def test_correcting_an_offline_report_replaces_never_adds(campaign):
    report = factories.make_report(campaign, country="IT", kind="signature", quantity=100)
    report.quantity = 120
    with committed():
        services.offline_report_save(report=report)
    report.kind = "letter"
    with committed():
        services.offline_report_save(report=report)
    assert list(Action.objects.values_list("kind", "quantity")) == [("letter", 120)]
    campaign.refresh_from_db()
    assert campaign.actions_total == 120


def test_deleting_an_offline_report_withdraws_its_action(campaign):
    report = factories.make_report(campaign, quantity=9)
    with committed():
        services.offline_report_delete(report=report)
    assert not OfflineReport.objects.exists()
    campaign.refresh_from_db()
    assert campaign.actions_total == 0


def test_a_zero_quantity_withdraws(campaign):
    report = factories.make_report(campaign, quantity=9)
    assert (
        services.action_record(
            source=report, kind="letter", campaign=campaign, country="PL", quantity=0
        )
        is None
    )
    assert not Action.objects.exists()


def test_unknown_kinds_and_negative_quantities_are_refused(campaign):
    report = factories.make_report(campaign, quantity=1)
    with pytest.raises(services.LedgerError):
        services.action_record(source=report, kind="hug", campaign=campaign, country="PL")
    with pytest.raises(services.LedgerError):
        services.action_record(
            source=report, kind="letter", campaign=campaign, country="PL", quantity=-1
        )


def test_moving_an_action_to_another_campaign_recounts_both(campaign):
    other = factories.make_campaign()
    report = factories.make_report(campaign, quantity=4)
    with committed():
        services.action_record(
            source=report, kind="letter", campaign=other, country="PL", quantity=4
        )
    campaign.refresh_from_db()
    other.refresh_from_db()
    assert (campaign.actions_total, other.actions_total) == (0, 4)


def test_tally_rows_are_exact_at_commit_even_when_the_refresh_is_lost(campaign, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.tallies_refresh, "apply_async", broker_down)
    factories.make_report(campaign, country="PL", quantity=6)
    factories.make_report(campaign, country="PL", quantity=4)
    # The per-country rows the table and the map read are right at once;
    # only the totals wait for the refresh (or the reconcile).
    assert tallies(campaign) == {("PL", "letter"): 10} == ledger_sum(campaign)
    campaign.refresh_from_db()
    assert campaign.actions_total == 0


def test_withdrawing_everything_leaves_no_empty_rows(campaign):
    report = factories.make_report(campaign, country="PL", quantity=3)
    with committed():
        services.action_withdraw(source=report)
    assert not Tally.objects.filter(campaign=campaign).exists()
    assert not campaign.daily_tallies.exists()


def test_a_withdrawal_from_a_drifted_row_is_left_to_the_reconcile(campaign, caplog):
    campaign.starts_on = dt.date.today()
    campaign.save()
    report = factories.make_report(campaign, country="PL", quantity=3)
    keep = factories.make_report(campaign, country="DE", quantity=2)
    Tally.objects.filter(campaign=campaign, country="PL").update(quantity=1)  # drift
    with committed():
        services.action_withdraw(source=report)
    assert "short by more than 3" in caplog.text
    services.tallies_reconcile()
    assert tallies(campaign) == ledger_sum(campaign) == {("DE", "letter"): 2}
    assert keep.pk


def test_running_campaigns_are_published_and_going_on_today(db):
    today = dt.date(2024, 5, 20)
    running = factories.make_campaign(starts_on=dt.date(2024, 5, 19), ends_on=today)
    open_ended = factories.make_campaign(starts_on=dt.date(2012, 12, 7))
    factories.make_campaign(starts_on=dt.date(2024, 5, 19), is_published=False)
    factories.make_campaign(starts_on=dt.date(2024, 5, 21))  # not yet
    ended = factories.make_campaign(starts_on=dt.date(2024, 5, 1), ends_on=dt.date(2024, 5, 15))
    assert set(Campaign.objects.running(today=today)) == {running, open_ended}
    # The reconcile's set: published or not, and ended up to a week ago.
    assert ended in Campaign.objects.active(today=today, ended_within=dt.timedelta(days=7))
    assert ended not in Campaign.objects.active(today=today)
