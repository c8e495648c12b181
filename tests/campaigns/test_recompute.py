"""The full recompute brings tally rows to the ledger by difference (issue 16).

Rows already right keep their id and are not written; wrong ones are updated
in place, missing ones added, vanished ones removed. A recompute that finds
everything right writes nothing and publishes no map.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from campaigns import services
from campaigns.models import (
    Action,
    Campaign,
    DailyTally,
    GlobalDailyTally,
    GlobalTally,
    OfflineReport,
    PrisonerTally,
    Tally,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def maps_queued(monkeypatch):
    queued = []
    monkeypatch.setattr(services.tallies, "_map_render_enqueue", queued.append)
    return queued


def ledger_by_key(campaign):
    totals = {}
    for a in Action.objects.filter(campaign=campaign):
        totals[(a.country, a.kind)] = totals.get((a.country, a.kind), 0) + a.quantity
    return totals


def ledger_by_day(campaign):
    totals = {}
    for a in Action.objects.filter(campaign=campaign):
        day = a.occurred_at.astimezone(dt.UTC).date()
        totals[day] = totals.get(day, 0) + a.quantity
    return totals


def rows(model, *fields, **scope):
    """{key: (id, quantity)} of a tally table."""
    return {
        tuple(values[:-2]): tuple(values[-2:])
        for values in model.objects.filter(**scope).values_list(*fields, "id", "quantity")
    }


@pytest.fixture
def reported(campaign):
    factories.make_report(campaign, country="PL", kind="letter", quantity=3)
    factories.make_report(campaign, country="DE", kind="letter", quantity=2)
    factories.make_report(campaign, country="LT", kind="postcard", quantity=5)
    factories.make_report(
        campaign, country="PL", kind="postcard", quantity=4, reported_on=dt.date(2013, 1, 11)
    )
    assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is False
    return campaign


def test_a_recompute_repairs_missing_extra_and_wrong_rows_in_place(reported, maps_queued):
    campaign = reported
    before = rows(Tally, "country", "kind", campaign=campaign)
    Tally.objects.filter(campaign=campaign, country="DE").delete()  # missing
    Tally.objects.create(campaign=campaign, country="JP", kind="letter", quantity=7)  # extra
    Tally.objects.filter(campaign=campaign, country="PL", kind="letter").update(quantity=99)
    DailyTally.objects.filter(campaign=campaign).update(quantity=1)  # wrong days
    DailyTally.objects.create(campaign=campaign, day=dt.date(2001, 1, 1), quantity=3)  # extra day

    with factories.committed():
        assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is True

    after = rows(Tally, "country", "kind", campaign=campaign)
    assert {key: q for key, (_, q) in after.items()} == ledger_by_key(campaign)
    days = {day: q for (day,), (_, q) in rows(DailyTally, "day", campaign=campaign).items()}
    assert days == ledger_by_day(campaign)
    # The wrong row was updated in place, the right ones not replaced.
    for key in [("PL", "letter"), ("LT", "postcard"), ("PL", "postcard")]:
        assert after[key][0] == before[key][0]
    assert maps_queued == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.actions_total == 14
    assert campaign.countries_total == 3


def test_a_recompute_that_finds_all_right_writes_and_publishes_nothing(
    reported, maps_queued, django_assert_num_queries
):
    campaign = reported
    campaign.refresh_from_db()
    tally_rows = rows(Tally, "country", "kind", campaign=campaign)
    day_rows = rows(DailyTally, "day", campaign=campaign)

    # The key (PostgreSQL), the campaign row, then per table one statement
    # comparing the sums with the rows; no write. (Plus the savepoint and
    # its release.)
    with (
        django_assert_num_queries(5 + (connection.vendor == "postgresql")),
        factories.committed(),
    ):
        assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is False

    assert rows(Tally, "country", "kind", campaign=campaign) == tally_rows
    assert rows(DailyTally, "day", campaign=campaign) == day_rows
    unchanged = Campaign.objects.get(pk=campaign.pk)
    assert unchanged.tallied_at == campaign.tallied_at
    assert unchanged.tally_recomputes == campaign.tally_recomputes
    assert maps_queued == []


def test_totals_left_behind_by_a_lost_refresh_are_written_and_the_map_redrawn(
    reported, maps_queued
):
    campaign = reported
    Campaign.objects.filter(pk=campaign.pk).update(actions_total=1, countries_total=1)

    # The rows were right: no drift to report, but the campaign row is brought up.
    with factories.committed():
        assert services.campaign_tallies_recompute(campaign_id=campaign.pk) is False

    campaign.refresh_from_db()
    assert (campaign.actions_total, campaign.countries_total) == (14, 3)
    assert maps_queued == [campaign.pk]


def test_a_change_is_drawn_on_the_map(reported):
    # Drawn for real (eager tasks here): the repaired figures are on the map.
    campaign = reported
    Tally.objects.filter(campaign=campaign, country="PL", kind="letter").update(quantity=50)
    with factories.committed():
        services.campaign_tallies_recompute(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.map_version == int(campaign.tallied_at.timestamp() * 1000)
    assert campaign.actions_total == 14


def test_the_reconcile_queues_a_map_never_drawn(campaign, maps_queued):
    campaign.starts_on = dt.date.today()
    campaign.save()
    factories.make_report(campaign, quantity=2)
    Campaign.objects.filter(pk=campaign.pk).update(map_version=0)
    maps_queued.clear()

    assert services.tallies_reconcile() == []

    assert maps_queued == [campaign.pk]


def test_the_global_recompute_repairs_drift_in_place_and_leaves_right_rows_alone(
    reported, prisoner, django_assert_num_queries
):
    factories.make_report(None, country="FR", kind="letter", quantity=6)
    # A prisoner's act, written to the ledger alone: the recompute adds its rows.
    Action.objects.create(
        kind="letter",
        prisoner=prisoner,
        country="FR",
        quantity=1,
        source_type=ContentType.objects.get_for_model(OfflineReport),
        source_id=10**9,
    )
    assert services.global_tallies_recompute() is True
    assert PrisonerTally.objects.get(prisoner=prisoner, kind="letter").quantity == 1
    global_rows = rows(GlobalTally, "country", "kind")
    prisoner_rows = rows(PrisonerTally, "prisoner_id", "kind")
    day_rows = rows(GlobalDailyTally, "day")

    # Savepoint, the key (PostgreSQL only), one statement per table, release.
    with django_assert_num_queries(5 + (connection.vendor == "postgresql")):
        assert services.global_tallies_recompute() is False
    assert rows(GlobalTally, "country", "kind") == global_rows
    assert rows(PrisonerTally, "prisoner_id", "kind") == prisoner_rows
    assert rows(GlobalDailyTally, "day") == day_rows

    GlobalTally.objects.filter(country="FR").update(quantity=1)
    GlobalTally.objects.filter(country="DE").delete()
    PrisonerTally.objects.all().delete()
    GlobalDailyTally.objects.create(day=dt.date(2001, 1, 1), quantity=3)

    assert services.global_tallies_recompute() is True

    repaired = rows(GlobalTally, "country", "kind")
    assert repaired[("FR", "letter")] == (global_rows[("FR", "letter")][0], 7)
    assert {k: q for k, (_, q) in repaired.items()} == {k: q for k, (_, q) in global_rows.items()}
    assert {k: q for k, (_, q) in rows(PrisonerTally, "prisoner_id", "kind").items()} == {
        k: q for k, (_, q) in prisoner_rows.items()
    }
    assert rows(GlobalDailyTally, "day") == day_rows
    assert services.global_tallies_recompute() is False
