"""Publishing and rejecting events in bulk: one transaction, a query count that
does not grow with the number of events, each organiser told once."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Action, GlobalTally, Tally
from events import services
from events.models import Event, EventReport
from outbox.models import Message
from tests import factories
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def make_events(organiser, n, **fields):
    return [make_event(organiser, **fields) for _ in range(n)]


def test_it_publishes_3_or_30_events_in_the_same_number_of_queries(organiser, moderator):
    campaign = factories.make_campaign()
    prisoner = factories.make_prisoner()
    counts = []
    ContentType.objects.get_for_model(Event)  # cached per process, as in production
    for n in (3, 30):
        events = make_events(organiser, n, campaign=campaign, prisoners=[prisoner])
        EventReport.objects.bulk_create(
            EventReport(event=e, participants=10, postcards=2, is_published=True) for e in events
        )
        with CaptureQueriesContext(connection) as ctx:
            services.events_publish(ids=[e.pk for e in events], moderator=moderator)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert Tally.objects.get(campaign=campaign, kind="event").quantity == 33
    assert Tally.objects.get(campaign=campaign, kind="participant").quantity == 330
    assert Action.objects.filter(kind="postcard", prisoner=prisoner).count() == 33
    assert Message.objects.filter(template="event_status").count() == 33


def test_it_rejects_published_events_and_withdraws_what_they_counted(organiser, moderator):
    events = make_events(organiser, 4, campaign=None, country="PL")
    services.events_publish(ids=[e.pk for e in events], moderator=moderator)
    changed = services.events_reject(
        ids=[e.pk for e in events[:3]], moderator=moderator, reason="Duplicate"
    )
    assert len(changed) == 3
    assert GlobalTally.objects.get(country="PL", kind="event").quantity == 1
    assert set(
        Event.objects.filter(status="rejected").values_list("rejection_reason", flat=True)
    ) == {"Duplicate"}
    with pytest.raises(services.EventError):
        services.events_reject(ids=[events[3].pk], moderator=moderator, reason="  ")


def test_it_tells_the_moderator_how_many_were_published(client, organiser, moderator):
    events = make_events(organiser, 3)
    services.event_publish(event=events[0], moderator=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {"action": "publish", ACTION_CHECKBOX_NAME: [e.pk for e in events]},
        follow=True,
    )
    assert (
        "2 events published. 1 was not in a state to take this decision"
        in response.content.decode()
    )
    assert Event.objects.filter(status="published").count() == 3
