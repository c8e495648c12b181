import pytest
from django.core import mail

from events.models import Event
from tests.events.conftest import make_event
from tests.factories import committed

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/events/event/"


def test_it_shows_pending_counts_and_the_contact_to_staff(client, moderator, organiser):
    make_event(organiser)
    make_event(organiser, title="Second")
    make_event(organiser, status="published")
    client.force_login(moderator)
    page = client.get(CHANGELIST).content.decode()
    assert "2 waiting for review, 1 published, 0 rejected" in page
    event = Event.objects.first()
    assert (
        "CANARY-contact-7f3a@example.org"
        in client.get(f"{CHANGELIST}{event.pk}/change/").content.decode()
    )
    assert client.get(f"{CHANGELIST}?q=CANARY").context["cl"].result_count == 3


def test_it_publishes_in_bulk_and_tells_each_organiser(client, moderator, organiser):
    events = [make_event(organiser), make_event(organiser, title="Second")]
    client.force_login(moderator)
    with committed():
        response = client.post(
            CHANGELIST, {"action": "publish", "_selected_action": [e.pk for e in events]}
        )
    assert response.status_code == 302
    assert set(Event.objects.values_list("status", flat=True)) == {"published"}
    assert len(mail.outbox) == 2
    assert Event.objects.first().moderated_by == moderator


def test_it_rejects_in_bulk_with_a_reason(client, moderator, organiser):
    events = [make_event(organiser), make_event(organiser, title="Second")]
    ids = [e.pk for e in events]
    client.force_login(moderator)
    ask = client.post(CHANGELIST, {"action": "reject", "_selected_action": ids})
    assert ask.status_code == 200
    assert "Reason, sent to the organiser" in ask.content.decode()
    empty = client.post(
        CHANGELIST, {"action": "reject", "_selected_action": ids, "apply": "1", "reason": ""}
    )
    assert "This field is required" in empty.content.decode()
    assert set(Event.objects.values_list("status", flat=True)) == {"submitted"}
    with committed():
        client.post(
            CHANGELIST,
            {"action": "reject", "_selected_action": ids, "apply": "1", "reason": "No date"},
        )
    assert set(Event.objects.values_list("status", "rejection_reason")) == {("rejected", "No date")}
    assert "No date" in mail.outbox[0].body


def test_it_escapes_user_text_in_the_admin(client, moderator, organiser):
    make_event(organiser, title="<script>alert(1)</script>")
    client.force_login(moderator)
    page = client.get(CHANGELIST).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_keeps_moderators_away_from_prisoners_and_campaigns(client, moderator, prisoner):
    client.force_login(moderator)
    # They may look a prisoner up (letters need it) but never change one.
    url = f"/admin/prisoners/prisoner/{prisoner.pk}/change/"
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {"name": "Changed"}).status_code == 403
    prisoner.refresh_from_db()
    assert prisoner.name != "Changed"
    assert client.get("/admin/campaigns/campaign/add/").status_code == 403


def test_it_refuses_the_admin_to_activists(client, organiser):
    client.force_login(organiser)
    assert client.get(CHANGELIST).status_code == 302
