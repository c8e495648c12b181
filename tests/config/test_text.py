"""Invisible format characters (Unicode Cf): refused in one-line fields,
removed from long text, in every public form."""

import pytest
from django.urls import reverse

from campaigns.models import Signature
from config.text import has_format_characters, strip_format_characters
from events.models import Event
from letters.models import Letter
from tests import factories
from tests.events.conftest import make_event
from tests.events.test_forms_views import _data
from tests.letters.conftest import letter_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(db):
    return factories.make_user(email="organiser@example.org")


@pytest.fixture
def moderator(db):
    return factories.make_user(email="moderator@example.org", is_staff=True)


RLO = "\u202e"  # right-to-left override: "Anna\u202egpj.exe" shows as "Annaexe.jpg"
FORMAT = [RLO, "\u200e", "\u200f", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u200b"]
REFUSED = "invisible formatting characters"


@pytest.mark.parametrize("char", FORMAT)
def test_the_cleaner_finds_and_removes_each(char):
    assert has_format_characters(f"An{char}na")
    assert strip_format_characters(f"An{char}na") == "Anna"


def test_joiners_that_spell_words_are_kept():
    persian = "می\u200cخواهم"  # ZWNJ is part of the spelling
    family = "👩\u200d👧"
    assert not has_format_characters(persian + family)
    assert strip_format_characters(persian) == persian


def test_a_letter_refuses_them_in_the_name_and_removes_them_from_the_text(client, prisoner):
    url = reverse("letters:write", args=[prisoner.slug])
    response = client.post(url, letter_data(sender_name=f"Kasia{RLO}evil"))
    assert response.status_code == 200
    assert REFUSED in str(response.context["form"].errors["sender_name"])
    # The text is kept for the person to correct.
    assert response.context["form"]["body"].value().startswith("Dear Ales")
    assert not Letter.objects.exists()

    body = (
        f"Dear Ales,\ufeff the lime trees{RLO} are in bloom. We think of you \u2066every\u2069 day."
    )
    assert client.post(url, letter_data(body=body)).status_code == 302
    assert Letter.objects.get().body == (
        "Dear Ales, the lime trees are in bloom. We think of you every day."
    )


def test_a_changed_letter_loses_them_too(client, prisoner, moderator):
    from letters import services
    from tests.letters.conftest import make_letter

    letter = make_letter(prisoner)
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter.")
    url = reverse("letters:edit", kwargs={"token": letter.withdraw_token})
    response = client.post(url, {"body": f"Shorter now,{RLO} and kind. Greetings from Gdansk."})
    assert response.status_code in (200, 302)
    letter.refresh_from_db()
    assert letter.body == "Shorter now, and kind. Greetings from Gdansk."


def test_a_signature_refuses_them_in_the_name(client, campaign):
    response = factories.sign(client, campaign, display_name=f"Anna{RLO}")
    assert REFUSED in response.text
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "field", ["title", "city", "venue", "organiser_name", "photo_caption", "photo_credit"]
)
def test_an_event_refuses_them_in_short_fields(client, organiser, campaign, field):
    client.force_login(organiser)
    data = _data(client, campaign=campaign.pk, **{field: f"Vilnius{RLO}x"})
    response = client.post("/events/new/", data)
    assert response.status_code == 200
    assert REFUSED in str(response.context["form"].errors[field])
    assert response.context["form"]["description"].value() == "Speeches and songs."
    assert not Event.objects.exists()


def test_an_event_description_and_report_summary_lose_them(client, organiser, campaign):
    client.force_login(organiser)
    data = _data(client, campaign=campaign.pk, description=f"Speeches{RLO} and\u200e songs.")
    assert client.post("/events/new/", data).status_code == 302
    assert Event.objects.get().description == "Speeches and songs."

    event = make_event(organiser)
    response = client.post(
        f"/events/{event.pk}/report/",
        {
            "participants": "12",
            "letters_written": "0",
            "signatures": "0",
            "other_actions": "0",
            "summary": f"It went{RLO} well.",
        },
    )
    assert response.status_code == 302
    event.report.refresh_from_db()
    assert event.report.summary == "It went well."
