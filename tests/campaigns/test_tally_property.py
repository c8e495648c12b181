"""Whatever happens to the ledger, in whatever order, tallies end equal to a recount.

Campaign tallies and the global ones (country and kind, day, prisoner), with
actions in a campaign, moved between campaigns, or in none, and events that
are published, rejected, reported on, or have their report hidden, and letters
approved and rejected in bulk.
"""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import services, tasks
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
from events import services as event_services
from events.models import Event, EventReport
from letters import services as letter_services
from tests import factories
from tests.events.conftest import make_event
from tests.factories import committed
from tests.letters.test_bulk import letters as make_letters

pytestmark = pytest.mark.django_db

DAY0 = dt.datetime(2012, 12, 7, 23, 30, tzinfo=dt.UTC)

record = st.tuples(
    st.just("record"),
    st.integers(0, 5),  # which source
    st.sampled_from([0, 1, None]),  # which campaign; None: outside any
    st.sampled_from(["letter", "postcard", "signature", "event"]),
    st.sampled_from(["PL", "DE", "", "JP"]),
    st.integers(0, 40),  # 0 withdraws
    st.integers(0, 3),  # day offset
    st.sampled_from([None, 0, 1]),  # which prisoner
)
withdraw = st.tuples(st.just("withdraw"), st.integers(0, 5))
recompute = st.tuples(st.just("recompute"), st.integers(0, 1))
recompute_global = st.tuples(st.just("recompute_global"))
duplicate = st.tuples(st.just("duplicate_task"), st.integers(0, 1))
event_publish = st.tuples(st.just("event_publish"), st.integers(0, 2))
event_reject = st.tuples(st.just("event_reject"), st.integers(0, 2))
event_report = st.tuples(
    st.just("event_report"), st.integers(0, 2), st.integers(0, 30), st.integers(0, 30)
)
event_hide_report = st.tuples(st.just("event_hide_report"), st.integers(0, 2))
# Bulk decisions on a subset of six letters (a bit mask): approve, or reject
# (which takes approved ones out again).
letters_approve = st.tuples(st.just("letters_approve"), st.integers(1, 63))
letters_reject = st.tuples(st.just("letters_reject"), st.integers(1, 63))
steps_strategy = st.lists(
    st.one_of(
        record,
        withdraw,
        recompute,
        recompute_global,
        duplicate,
        event_publish,
        event_reject,
        event_report,
        event_hide_report,
        letters_approve,
        letters_reject,
    ),
    max_size=25,
)


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


def recount_global() -> tuple[Counter, Counter, Counter]:
    by_key, by_day, by_prisoner = Counter(), Counter(), Counter()
    for a in Action.objects.all():
        by_key[(a.country, a.kind)] += a.quantity
        by_day[a.occurred_at.date()] += a.quantity
        if a.prisoner_id:
            by_prisoner[(a.prisoner_id, a.kind)] += a.quantity
    return +by_key, +by_day, +by_prisoner


def tallied_global() -> tuple[Counter, Counter, Counter]:
    return (
        Counter({(t.country, t.kind): t.quantity for t in GlobalTally.objects.all()}),
        Counter({d.day: d.quantity for d in GlobalDailyTally.objects.all()}),
        Counter({(t.prisoner_id, t.kind): t.quantity for t in PrisonerTally.objects.all()}),
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps_strategy)
def test_it_ends_equal_to_a_recount_after_any_interleaving(monkeypatch, steps):
    # The map drawing queued after each change has its own tests; here it
    # would only make every example slow.
    monkeypatch.setattr(services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    campaigns = [factories.make_campaign(), factories.make_campaign()]
    prisoners = [factories.make_prisoner(), factories.make_prisoner()]
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
    organiser = factories.make_user()
    moderator = factories.make_user(is_staff=True)
    # In a campaign, in none, in the other campaign with a prisoner honoured.
    events = [
        make_event(organiser, campaign=campaigns[0], country="LT"),
        make_event(organiser, campaign=None, country="PL"),
        make_event(organiser, campaign=campaigns[1], country="BE", prisoners=[prisoners[1]]),
    ]
    letters = make_letters(prisoners[0], 3, campaign=campaigns[0]) + make_letters(
        prisoners[1], 3, countries=("JP", "DE")
    )
    for step in steps:
        with committed():
            if step[0] == "record":
                _, s, c, kind, country, qty, day, p = step
                services.action_record(
                    source=sources[s],
                    kind=kind,
                    campaign=None if c is None else campaigns[c],
                    country=country,
                    quantity=qty,
                    occurred_at=DAY0 + dt.timedelta(days=day),
                    prisoner=None if p is None else prisoners[p],
                )
            elif step[0] == "withdraw":
                services.action_withdraw(source=sources[step[1]])
            elif step[0] == "recompute":
                services.campaign_tallies_recompute(campaign_id=campaigns[step[1]].pk)
            elif step[0] == "recompute_global":
                services.global_tallies_recompute()
            elif step[0] == "event_publish":
                event_services.event_publish(event=events[step[1]], moderator=moderator)
            elif step[0] == "event_reject":
                event_services.event_reject(
                    event=events[step[1]], moderator=moderator, reason="Duplicate"
                )
            elif step[0] == "event_report":
                _, e, participants, postcards = step
                event = events[e]
                report = EventReport.objects.filter(event=event).first() or EventReport(event=event)
                report.participants, report.postcards, report.is_published = (
                    participants,
                    postcards,
                    True,
                )
                event_services.event_report_save(event=event, editor=organiser, report=report)
            elif step[0] == "event_hide_report":
                EventReport.objects.filter(event=events[step[1]]).update(is_published=False)
                event_services.event_ledger_sync(event=Event.objects.get(pk=events[step[1]].pk))
            elif step[0] == "letters_approve":
                chosen = [x.pk for i, x in enumerate(letters) if step[1] >> i & 1]
                letter_services.letters_approve(ids=chosen, moderator=moderator)
            elif step[0] == "letters_reject":
                chosen = [x.pk for i, x in enumerate(letters) if step[1] >> i & 1]
                letter_services.letters_reject(ids=chosen, moderator=moderator, reason="spam")
            else:  # a task delivered again after it already ran
                tasks.tallies_refresh(campaigns[step[1]].pk)
        for campaign in campaigns:
            assert tallied(campaign) == recount(campaign), step
            c = Campaign.objects.get(pk=campaign.pk)
            assert c.tally_dirty_at is None
            by_key, _ = recount(campaign)
            assert c.actions_total == sum(by_key.values())
            assert c.countries_total == len({country for country, _ in by_key if country})
        assert tallied_global() == recount_global(), step
        # Each published event is one "event" action, whatever its report;
        # with the recount above, the events figure follows the events shown.
        event_actions = Action.objects.filter(
            kind="event", source_type=ContentType.objects.get_for_model(Event)
        )
        assert sorted(event_actions.values_list("source_id", "quantity")) == sorted(
            (pk, 1) for pk in Event.objects.published().values_list("pk", flat=True)
        ), step
