"""The events' review queue: Publish / Reject (reason) / Skip, one at a time."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from campaigns.models import Action
from events.models import Event
from tests import factories
from tests.events.conftest import make_event
from tests.factories import committed

pytestmark = pytest.mark.django_db

QUEUE = "admin:events_event_review"


def decide(client, event, decision, **data):
    url = reverse("admin:events_event_review_decide", args=[event.pk])
    with committed():
        return client.post(url, {"decision": decision, **data})


@pytest.fixture
def staff_editor(db):
    user = factories.make_user(email="editor-role@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_it_publishes_the_oldest_event_and_the_next_one_loads(client, organiser, moderator):
    first = make_event(organiser, title="Lanterns in Vilnius", description="At the river.")
    second = make_event(organiser, title="Bike ride in Warsaw")
    client.force_login(moderator)
    page = client.get(reverse(QUEUE))
    assert page.context["event"] == first
    assert "At the river." in page.text and ">Publish <kbd>P</kbd>" in page.text
    assert "1 other event from this account (0 published, 0 rejected)." in page.text
    response = decide(client, first, "publish")
    assert response.url == reverse(QUEUE)
    first.refresh_from_db()
    assert (first.status, first.moderated_by, first.claimed_by) == ("published", moderator, None)
    assert Action.objects.filter(source_id=first.pk, kind="event").exists()
    assert client.get(reverse(QUEUE)).context["event"] == second


def test_it_rejects_only_with_a_reason_which_the_organiser_receives(client, organiser, moderator):
    event = make_event(organiser)
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    refused = decide(client, event, "reject", reason=" ")
    assert refused.status_code == 400
    assert "Write the reason: the organiser receives it." in refused.text
    mail.outbox.clear()
    decide(client, event, "reject", reason="The date is in the past.")
    event.refresh_from_db()
    assert (event.status, event.rejection_reason) == ("rejected", "The date is in the past.")
    assert "The date is in the past." in mail.outbox[-1].body


def test_it_skips_an_event_and_another_moderator_never_gets_a_claimed_one(
    client, organiser, moderator
):
    first, second = make_event(organiser), make_event(organiser)
    other = factories.make_user(email="mod2@example.org", is_staff=True)
    other.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    assert client.get(reverse(QUEUE)).context["event"] == first
    client.force_login(other)
    assert client.get(reverse(QUEUE)).context["event"] == second
    decide(client, first, "publish")  # held by the first moderator: refused
    first.refresh_from_db()
    assert first.status == "submitted"
    decide(client, second, "skip")
    second.refresh_from_db()
    assert second.claimed_by is None
    page = client.get(reverse(QUEUE))
    assert page.context["event"] is None and "Show the 1 skipped event again" in page.text


def test_it_says_so_when_the_event_was_decided_meanwhile(client, organiser, moderator):
    event = make_event(organiser, status=Event.Status.PUBLISHED)
    client.force_login(moderator)
    page = client.get(decide(client, event, "reject", reason="x").url)
    event.refresh_from_db()
    assert event.status == "published"
    assert "This event was decided meanwhile" in page.text


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("moderator", 200), ("staff_editor", 403), ("organiser", 302), (None, 302)],
)
def test_it_opens_the_queue_to_moderators_only(client, request, organiser, persona, expected):
    event = make_event(organiser)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(QUEUE)).status_code == expected
    decided = decide(client, event, "publish")
    assert decided.status_code == (302 if expected == 200 else expected)
    event.refresh_from_db()
    assert event.status == ("published" if expected == 200 else "submitted")


def test_it_refuses_the_wrong_method_and_bad_input(client, organiser, moderator):
    event = make_event(organiser)
    client.force_login(moderator)
    assert client.post(reverse(QUEUE)).status_code == 405
    assert (
        client.get(reverse("admin:events_event_review_decide", args=[event.pk])).status_code == 405
    )
    assert decide(client, event, "approve").status_code == 400
    event.refresh_from_db()
    assert event.status == "submitted"


def test_it_links_the_queue_from_the_events_list_and_the_index(client, organiser, moderator):
    make_event(organiser)
    client.force_login(moderator)
    for url in (reverse("admin:events_event_changelist"), reverse("admin:index")):
        text = client.get(url).text
        assert f'href="{reverse(QUEUE)}"' in text and "Events review queue (1 waiting)" in text
