import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from config.celery_app import app as celery_app
from events import services, tasks
from events.models import Event
from tests.events.conftest import make_event
from tests.events.test_forms_views import _data
from tests.factories import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_smtp(monkeypatch):
    """The mail server drops the connection for the first `failures` sends."""
    # Eager tasks re-run on a retry as a worker would, unless told to
    # propagate errors (the test settings' default), which raises the Retry.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    state = {"failures": 1, "attempts": 0}
    send = EmailBackend.send_messages

    def send_messages(self, messages):
        state["attempts"] += 1
        if state["failures"]:
            state["failures"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return state


def test_it_retries_a_failed_send_and_mails_exactly_once(organiser, moderator, flaky_smtp):
    event = make_event(organiser)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    assert flaky_smtp["attempts"] == 2
    assert [m.subject for m in mail.outbox] == ["Your event “Rally on Cathedral Square”: Published"]
    # A duplicate delivery of the same task sends nothing more.
    event.refresh_from_db()
    assert tasks.event_status_notify(event.pk, event.status_changes) is False
    assert len(mail.outbox) == 1


def test_it_keeps_the_mail_due_when_every_retry_fails(organiser, moderator, flaky_smtp):
    flaky_smtp["failures"] = 100
    event = make_event(organiser)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    assert mail.outbox == []
    assert 1 < flaky_smtp["attempts"] <= 10  # retried, but not forever
    event.refresh_from_db()
    assert event.notified_change < event.status_changes  # still owed
    flaky_smtp["failures"] = 0
    assert tasks.event_status_notify(event.pk, event.status_changes) is True
    assert len(mail.outbox) == 1


def test_it_mails_an_organiser_whose_title_has_a_line_break(organiser, moderator):
    # Stored before the form refused line breaks, or typed in the admin.
    event = make_event(organiser, title="Rally\nBcc: someone@example.org")
    with committed():
        services.event_publish(event=event, moderator=moderator)
    assert [m.subject for m in mail.outbox] == [
        "Your event “Rally Bcc: someone@example.org”: Published"
    ]
    assert mail.outbox[0].bcc == []


@pytest.mark.parametrize("title", ["Rally\nBcc: x@example.org", "Rally\r\non the square", "A\tB"])
def test_it_refuses_a_title_with_line_breaks_next_to_the_field(client, organiser, title):
    client.force_login(organiser)
    response = client.post("/events/new/", _data(client, title=title))
    assert response.status_code == 200
    assert "one line" in str(response.context["form"].errors["title"])
    assert not Event.objects.exists()


def test_it_mails_again_when_rejected_again_with_a_new_reason(organiser, moderator):
    event = make_event(organiser)
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="It is a duplicate.")
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="The date is missing.")
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="The date is missing.")
    assert len(mail.outbox) == 2
    assert "It is a duplicate." in mail.outbox[0].body
    assert "The date is missing." in mail.outbox[1].body


def test_it_sends_nothing_for_a_late_delivery_of_an_older_change(organiser, moderator):
    event = make_event(organiser)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    event.refresh_from_db()
    published_change = event.status_changes
    with committed():
        services.event_reject(event=event, moderator=moderator, reason="Wrong city.")
    assert len(mail.outbox) == 2
    assert tasks.event_status_notify(event.pk, published_change) is False
    assert len(mail.outbox) == 2


def test_it_still_sends_a_mail_queued_by_the_previous_code(organiser):
    # The migration makes an event whose status mail was not sent yet
    # (1 change, 0 told); the old code queued (id, status).
    event = make_event(organiser, status="published", status_changes=1, notified_change=0)
    assert tasks.event_status_notify(event.pk, "rejected") is False  # not its status
    assert tasks.event_status_notify(event.pk, "published") is True
    assert tasks.event_status_notify(event.pk, "published") is False
    assert len(mail.outbox) == 1


def test_it_mails_the_organiser_in_the_language_of_the_event(organiser, moderator):
    event = make_event(organiser, language="ru", title="Пикет у посольства")
    with committed():
        services.event_publish(event=event, moderator=moderator)
    [message] = mail.outbox
    assert message.subject == "Ваше мероприятие «Пикет у посольства»: Опубликовано"
    assert f"/ru/events/{event.pk}/" in message.body
