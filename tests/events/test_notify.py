import pytest
from django.core import mail

from events import services
from events.models import Event
from outbox.models import Message
from outbox.tasks import outbox_send
from tests.events.conftest import make_event
from tests.events.test_forms_views import _data
from tests.factories import committed

pytestmark = pytest.mark.django_db


def test_it_mails_exactly_once_when_the_send_task_is_delivered_twice(organiser, moderator):
    event = make_event(organiser)
    with committed():
        services.event_publish(event=event, moderator=moderator)
    assert [m.subject for m in mail.outbox] == ["Your event “Rally on Cathedral Square”: Published"]
    message = Message.objects.get()
    assert message.status == Message.Status.SENT
    assert outbox_send(message.pk) is False
    assert len(mail.outbox) == 1


def test_the_status_mail_is_owed_in_the_same_transaction(organiser, moderator):
    event = make_event(organiser)
    services.event_publish(event=event, moderator=moderator)
    # Not sent before the commit, but already owed: a crash now loses nothing.
    assert mail.outbox == []
    assert Message.objects.get().to == "organiser@example.org"


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


def test_it_mails_the_organiser_in_the_language_of_the_event(organiser, moderator):
    event = make_event(organiser, language="ru", title="Пикет у посольства")
    with committed():
        services.event_publish(event=event, moderator=moderator)
    [message] = mail.outbox
    assert message.subject == "Ваше мероприятие «Пикет у посольства»: Опубликовано"
    assert f"/ru/events/{event.pk}/" in message.body
