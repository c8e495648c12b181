"""Real parallel transactions on PostgreSQL: writers in and outside campaigns, and
recomputes, at once. Tallies end equal to a recount and nobody deadlocks."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection, transaction

from campaigns import services
from campaigns.models import Action, GlobalTally, OfflineReport, Signature, Tally
from tests import factories


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for parallel transactions")


def _run_in_threads(jobs):
    errors = []

    def run(job):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a transaction hung"
    return errors


def test_parallel_writers_and_recomputes_end_equal_to_a_recount(postgresql, monkeypatch):
    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaigns = [factories.make_campaign(), factories.make_campaign()]
    reports = [
        OfflineReport.objects.create(
            campaign=None,
            kind="letter",
            quantity=1,
            country="PL",
            organisation="x",
            reported_on=dt.date(2013, 1, 1),
        )
        for _ in range(24)
    ]

    def writer(i):
        def job():
            for round_ in range(4):
                # In campaign 0, in campaign 1 or in none; moved on each round,
                # all on the same global row (PL, letter).
                campaign = [campaigns[0], campaigns[1], None][(i + round_) % 3]
                services.action_record(
                    source=reports[i],
                    kind="letter",
                    campaign=campaign,
                    country="PL",
                    quantity=i + round_ + 1,
                )
            if i % 4 == 0:
                services.action_withdraw(source=reports[i])

        return job

    def recomputer():
        for _ in range(3):
            services.global_tallies_recompute()
            for campaign in campaigns:
                services.campaign_tallies_recompute(campaign_id=campaign.pk)

    errors = _run_in_threads([writer(i) for i in range(24)] + [recomputer, recomputer])
    assert errors == []

    recount = Counter()
    for action in Action.objects.all():
        recount[(action.campaign_id, action.kind)] += action.quantity
    assert sum(GlobalTally.objects.values_list("quantity", flat=True)) == sum(recount.values())
    for campaign in campaigns:
        tallied = sum(Tally.objects.filter(campaign=campaign).values_list("quantity", flat=True))
        assert tallied == recount[(campaign.pk, "letter")]
    # And the reconcile finds nothing to repair.
    assert services.global_tallies_recompute() is False


def test_a_confirmation_during_a_recompute_waits_instead_of_deadlocking(postgresql, monkeypatch):
    # make faults saw it: the confirmation locked the campaign row (a
    # select_related under select_for_update) and then waited for the tally
    # key, while the recompute held that key and waited to write the
    # campaign's totals. PostgreSQL broke the cycle with an error (a 500).
    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaign = factories.make_campaign()
    signature = Signature.objects.create(
        campaign=campaign, display_name="Ona", country="LT", email="ona@example.org", token="t1"
    )
    key_held = threading.Event()

    def recompute():
        with transaction.atomic():
            with connection.cursor() as cursor:
                # What campaign_tallies_recompute takes first, held a little
                # longer so the confirmation arrives in the middle.
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [services.tallies._TALLY_LOCK, campaign.pk],
                )
            key_held.set()
            threading.Event().wait(0.8)
            services.campaign_tallies_recompute(campaign_id=campaign.pk)

    def confirm():
        key_held.wait(10)
        services.signature_confirm(token=signature.token)

    errors = _run_in_threads([recompute, confirm])
    assert errors == []
    assert Tally.objects.get(campaign=campaign, country="LT", kind="signature").quantity == 1


def test_bulk_approvals_and_signature_confirmations_at_once_end_equal_to_a_recount(
    postgresql, monkeypatch
):
    # Issue 11: 15 of 21 bulk approvals of 100 letters and 4 confirmations
    # answered 500 (deadlock) when they ran at the same moment.
    from letters import services as letters
    from tests.letters.test_bulk import letters as make_letters

    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaign = factories.make_campaign()
    prisoner = factories.make_prisoner()
    moderator = factories.make_user(is_staff=True)
    batches = [make_letters(prisoner, 40, campaign=campaign) for _ in range(6)]
    signatures = [
        Signature.objects.create(
            campaign=campaign,
            display_name=f"Signer {i}",
            country=["LT", "PL", "DE"][i % 3],
            email=f"s{i}@example.org",
            token=f"concurrent-{i}",
        )
        for i in range(18)
    ]

    def approve(batch):
        # Two approvals of the same letters race too: each letter counts once.
        return lambda: letters.letters_approve(ids=[x.pk for x in batch], moderator=moderator)

    def confirm(chunk):
        def job():
            for signature in chunk:
                services.signature_confirm(token=signature.token)

        return job

    jobs = [approve(b) for b in batches] + [approve(batches[0])]
    jobs += [confirm(signatures[i::6]) for i in range(6)]
    jobs.append(lambda: services.campaign_tallies_recompute(campaign_id=campaign.pk))
    errors = _run_in_threads(jobs)
    assert errors == []

    assert Action.objects.filter(kind="signature").count() == 18
    assert Action.objects.filter(kind__in=["letter", "postcard"]).count() == 240
    recount = Counter()
    for action in Action.objects.filter(campaign=campaign):
        recount[(action.country, action.kind)] += action.quantity
    tallied = Counter(
        {(t.country, t.kind): t.quantity for t in Tally.objects.filter(campaign=campaign)}
    )
    assert tallied == +recount
    assert sum(GlobalTally.objects.values_list("quantity", flat=True)) == 258
    assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is False
    assert services.global_tallies_recompute() is False


def test_recomputes_repairing_drift_while_writers_apply_differences_end_equal_to_the_ledger(
    postgresql, monkeypatch
):
    # Issue 16: the recompute updates rows in place by difference. Writers
    # recording, moving and withdrawing actions at the same moment must not
    # be lost, and the drift must be gone when all have committed.
    from campaigns.models import DailyTally

    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaign = factories.make_campaign()
    reports = [
        OfflineReport.objects.create(
            campaign=None,
            kind="letter",
            quantity=1,
            country="PL",
            organisation="x",
            reported_on=dt.date(2013, 1, 1),
        )
        for _ in range(16)
    ]
    countries = ["PL", "DE", "LT", "FR"]
    for i, report in enumerate(reports[:8]):
        services.action_record(
            source=report, kind="letter", campaign=campaign, country=countries[i % 4], quantity=2
        )
    # Drift of every sort: a wrong row, an extra one, a missing one, days gone.
    Tally.objects.filter(campaign=campaign, country="PL").update(quantity=999)
    Tally.objects.create(campaign=campaign, country="JP", kind="other", quantity=5)
    Tally.objects.filter(campaign=campaign, country="DE").delete()
    DailyTally.objects.filter(campaign=campaign).delete()

    def writer(i):
        def job():
            for round_ in range(3):
                # Recorded, then moved to another country (a correction).
                services.action_record(
                    source=reports[i],
                    kind="letter",
                    campaign=campaign,
                    country=countries[(i + round_) % 4],
                    quantity=1 + (i + round_) % 3,
                )
            if i % 5 == 0:
                services.action_withdraw(source=reports[i])

        return job

    def recomputer():
        for _ in range(4):
            services.campaign_tallies_recompute(campaign_id=campaign.pk)

    errors = _run_in_threads([writer(i) for i in range(16)] + [recomputer, recomputer])
    assert errors == []

    recount, by_day = Counter(), Counter()
    for action in Action.objects.filter(campaign=campaign):
        recount[(action.country, action.kind)] += action.quantity
        by_day[action.occurred_at.astimezone(dt.UTC).date()] += action.quantity
    tallied = Counter(
        {(t.country, t.kind): t.quantity for t in Tally.objects.filter(campaign=campaign)}
    )
    assert tallied == +recount
    days = Counter({d.day: d.quantity for d in DailyTally.objects.filter(campaign=campaign)})
    assert days == +by_day
    assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is False
