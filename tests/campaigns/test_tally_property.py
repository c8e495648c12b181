"""Whatever happens to the ledger, in whatever order, tallies end equal to a recount."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import services, tasks
from campaigns.models import Action, Campaign, DailyTally, OfflineReport, Tally
from tests import factories
from tests.factories import committed

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2012, 12, 7, 23, 30, tzinfo=dt.UTC)

record = st.tuples(
    st.just("record"),
    st.integers(0, 5),  # which source
    st.integers(0, 1),  # which campaign
    st.sampled_from(["letter", "signature", "event"]),
    st.sampled_from(["PL", "DE", "", "JP"]),
    st.integers(0, 40),  # 0 withdraws
    st.integers(0, 3),  # day offset
)
withdraw = st.tuples(st.just("withdraw"), st.integers(0, 5))
recompute = st.tuples(st.just("recompute"), st.integers(0, 1))
duplicate = st.tuples(st.just("duplicate_task"), st.integers(0, 1))


def recount(campaign) -> tuple[Counter, Counter]:
    by_key, by_day = Counter(), Counter()
    for a in Action.objects.filter(campaign=campaign):
        by_key[(a.country, a.kind)] += a.quantity
        by_day[a.occurred_at.date()] += a.quantity
    return +by_key, +by_day


def tallied(campaign) -> tuple[Counter, Counter]:
    by_key = Counter(
        {(t.country, t.kind): t.quantity for t in Tally.objects.filter(campaign=campaign)}
    )
    by_day = Counter({d.day: d.quantity for d in DailyTally.objects.filter(campaign=campaign)})
    return by_key, by_day


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.one_of(record, withdraw, recompute, duplicate), max_size=25))
def test_it_ends_equal_to_a_recount_after_any_interleaving(monkeypatch, steps):
    # The map drawing queued after each change has its own tests; here it
    # would only make every example slow.
    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaigns = [factories.make_campaign(), factories.make_campaign()]
    sources = [
        OfflineReport.objects.create(
            campaign=campaigns[0],
            kind="letter",
            quantity=1,
            country="PL",
            organisation="x",
            reported_on=dt.date(2013, 1, 1),
        )
        for _ in range(6)
    ]
    for step in steps:
        with committed():
            if step[0] == "record":
                _, s, c, kind, country, qty, day = step
                services.action_record(
                    source=sources[s],
                    kind=kind,
                    campaign=campaigns[c],
                    country=country,
                    quantity=qty,
                    occurred_at=DAY0 + dt.timedelta(days=day),
                )
            elif step[0] == "withdraw":
                services.action_withdraw(source=sources[step[1]])
            elif step[0] == "recompute":
                services.campaign_tallies_recompute(campaign_id=campaigns[step[1]].pk)
            else:  # a task delivered again after it already ran
                tasks.tallies_refresh(campaigns[step[1]].pk)
        for campaign in campaigns:
            assert tallied(campaign) == recount(campaign), step
            c = Campaign.objects.get(pk=campaign.pk)
            assert c.tally_dirty_at is None
            by_key, _ = recount(campaign)
            assert c.actions_total == sum(by_key.values())
            assert c.countries_total == len({country for country, _ in by_key if country})
