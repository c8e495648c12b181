import datetime as dt
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from config import antispam
from letters import services
from letters.models import Letter
from prisoners.models import Prisoner
from tests import factories
from tests.factories import committed
from tests.languages import reverse_in
from tests.letters.conftest import CANARY, letter_data, make_letter, stamp

pytestmark = pytest.mark.django_db


def write_url(prisoner, query=""):
    return reverse("letters:write", kwargs={"slug": prisoner.slug}) + query


def test_it_shows_the_form_with_guidance_beside_it(client, prisoner):
    response = client.get(write_url(prisoner))
    assert response.status_code == 200
    body = response.text
    assert "Belarusian, Russian" in body
    assert "censor reads every letter" in body
    assert "Up to 3000 characters" in body
    assert 'class="hp" aria-hidden="true"' in body
    assert "Letters do not reach" not in body


def test_the_profile_birthdays_and_campaign_pages_link_to_it(client, prisoner, campaign):
    url = write_url(prisoner)
    assert url in client.get(prisoner.get_absolute_url()).text
    assert url + f"?campaign={campaign.slug}" in client.get(campaign.get_absolute_url()).text
    soon = timezone.localdate() + dt.timedelta(days=2)
    Prisoner.objects.filter(pk=prisoner.pk).update(birthday_month=soon.month, birthday_day=soon.day)
    assert url + "?kind=birthday" in client.get(reverse("prisoners:birthdays")).text


def test_a_birthday_link_preselects_the_birthday_greeting(client, prisoner):
    response = client.get(write_url(prisoner, "?kind=birthday"))
    assert 'value="birthday" required id="id_kind_2" checked>' in response.text


def test_a_visitor_writes_a_letter_and_gets_a_confirmation_with_a_withdraw_link(
    client, prisoner, campaign
):
    with committed():
        response = client.post(write_url(prisoner), letter_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:sent", kwargs={"slug": prisoner.slug})
    letter = Letter.objects.get()
    assert (letter.status, letter.campaign, letter.country.code, letter.sender_name) == (
        "submitted",
        campaign,
        "PL",
        "Kasia",
    )
    [message] = mail.outbox
    assert message.to == ["kasia@example.org"]
    withdraw = reverse("letters:withdraw", kwargs={"token": letter.withdraw_token})
    assert withdraw in message.body
    assert "Thank you for your letter" in client.get(response["Location"]).text


def test_the_campaign_in_the_address_is_preselected(client, prisoner, campaign):
    second = factories.make_campaign(title="Birthday postcards", prisoners=[prisoner])
    response = client.get(write_url(prisoner, f"?campaign={second.slug}"))
    assert f'<option value="{second.pk}" selected>' in response.text
    response = client.get(write_url(prisoner))
    assert " selected>Birthday postcards" not in response.text


def test_a_writer_who_chooses_no_campaign_is_not_counted_in_the_running_one(
    client, prisoner, campaign
):
    page = client.get(write_url(prisoner)).text
    assert '<option value="none">No campaign</option>' in page
    assert f'<option value="{campaign.pk}" selected>' in page
    assert client.post(write_url(prisoner), letter_data(campaign="none")).status_code == 302
    assert client.post(write_url(prisoner), letter_data(campaign=campaign.pk)).status_code == 302
    assert client.post(write_url(prisoner), letter_data(campaign="")).status_code == 302
    assert list(Letter.objects.order_by("pk").values_list("campaign", flat=True)) == [
        None,
        campaign.pk,
        campaign.pk,
    ]
    response = client.post(write_url(prisoner), letter_data(campaign="12345"))
    assert "Select a valid choice" in response.context["form"].errors["campaign"][0]


def test_a_prisoner_who_cannot_receive_letters_now_has_them_held(client, prisoner):
    Prisoner.objects.filter(pk=prisoner.pk).update(accepts_letters=False)
    assert "Letters do not reach this person" in client.get(write_url(prisoner)).text
    response = client.post(write_url(prisoner), letter_data(), follow=True)
    assert "yours is held" in response.text
    assert Letter.objects.get().is_held


@pytest.mark.parametrize("status", [Prisoner.Status.RELEASED, Prisoner.Status.DIED])
def test_released_or_dead_prisoners_get_a_clear_message_and_no_form(client, status):
    person = factories.make_prisoner(status=status)
    response = client.get(write_url(person))
    assert response.status_code == 200
    assert "<textarea" not in response.text
    assert "cannot be sent" in response.text or "cannot be sent any more" in response.text
    response = client.post(write_url(person), letter_data())
    assert response.status_code == 200
    assert Letter.objects.count() == 0
    assert write_url(person) not in client.get(person.get_absolute_url()).text


def test_unpublished_or_unknown_prisoners_are_not_found(client):
    hidden = factories.make_prisoner(is_published=False)
    assert client.get(write_url(hidden)).status_code == 404
    assert client.get("/prisoners/nobody/write/").status_code == 404


def test_it_refuses_other_methods(client, prisoner):
    assert client.put(write_url(prisoner)).status_code == 405


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "", "This field is required."),
        ("body", "Hi", "at least a few words"),
        ("body", "x" * 3001, "under 3000 characters (it has 3001)"),
        ("sender_name", "", "This field is required."),
        ("sender_name", "n" * 61, "at most 60 characters"),
        ("country", "", "This field is required."),
        ("country", "XX", "Select a valid choice"),
        ("sender_email", "not-an-email", "Enter a valid email address."),
        ("sender_email", "k" * 60 + "@" + ".".join(["b" * 60] * 4) + ".org", "at most 254"),
        ("language", "klingon", "Select a valid choice"),
        ("kind", "telegram", "Select a valid choice"),
        ("consent", "", "Please tick this box"),
    ],
)
def test_bad_input_gets_a_clear_message_next_to_the_field_and_keeps_the_text(
    client, prisoner, field, value, message
):
    data = letter_data(**{field: value})
    response = client.post(write_url(prisoner), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert "the lime trees on our street" in response.text or field == "body"
    assert Letter.objects.count() == 0


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_control_characters_in_the_text_or_signature_get_a_clear_message(client, prisoner, char):
    for field, value in (
        ("body", f"Dear Ales,{char} greetings from Gdańsk and warm wishes."),
        ("sender_name", f"Ka{char}sia"),
    ):
        response = client.post(write_url(prisoner), letter_data(**{field: value}))
        assert response.status_code == 200
        assert "invisible control characters" in response.context["form"].errors[field][0]
    assert Letter.objects.count() == 0


def test_tabs_and_line_breaks_are_welcome_in_the_text(client, prisoner):
    body = "Dear Ales,\r\n\r\n\tgreetings from Gdańsk.\nWarm wishes."
    assert client.post(write_url(prisoner), letter_data(body=body)).status_code == 302
    assert Letter.objects.get().body == body


def test_an_empty_post_shows_which_fields_are_required(client, prisoner):
    response = client.post(write_url(prisoner), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    for field in ("kind", "language", "body", "sender_name", "country", "sender_email"):
        assert errors[field] == ["This field is required."], field
    assert "Please tick this box" in errors["consent"][0]
    assert response.text.count('class="field has-error"') == 7
    assert Letter.objects.count() == 0


def test_the_honeypot_refuses_bots_and_keeps_the_text(client, prisoner):
    response = client.post(write_url(prisoner), letter_data(website="http://spam.example"))
    assert "leave the last field empty" in response.text
    assert "the lime trees on our street" in response.text
    assert Letter.objects.count() == 0


@pytest.mark.parametrize(
    ("started", "message"),
    [
        (0, "faster than anyone can type"),
        (7 * 3600, "open for a long time"),
        (None, "could not be checked"),
    ],
)
def test_the_form_stamp_refuses_too_fast_stale_or_forged_sends(
    client, settings, prisoner, started, message
):
    settings.FORM_MIN_SECONDS = 3
    started = "forged" if started is None else stamp(seconds_ago=started)
    response = client.post(write_url(prisoner), letter_data(started=started))
    assert message in response.text
    assert "the lime trees on our street" in response.text
    assert Letter.objects.count() == 0


def test_the_rate_limit_refuses_a_sixth_letter_in_an_hour_and_keeps_it(client, prisoner):
    for i in range(5):
        body = f"Letter number {i}: greetings from Gdańsk and warm wishes."
        assert client.post(write_url(prisoner), letter_data(body=body)).status_code == 302
    response = client.post(write_url(prisoner), letter_data(body="A sixth letter, kept here."))
    assert response.status_code == 200
    assert "wait an hour" in response.text
    assert "A sixth letter, kept here." in response.text
    assert Letter.objects.count() == 5


def test_a_letter_is_accepted_while_the_rate_limit_cache_is_down(client, monkeypatch, prisoner):
    monkeypatch.setattr(antispam, "cache", RedisCache("redis://127.0.0.1:1/0", {}))
    response = client.post(write_url(prisoner), letter_data())
    assert response.status_code == 302
    assert Letter.objects.get().sender_name == "Kasia"


def test_repeated_text_is_accepted_and_flagged_for_moderators(client, prisoner):
    for _ in range(2):
        assert client.post(write_url(prisoner), letter_data()).status_code == 302
    assert list(Letter.objects.order_by("pk").values_list("is_duplicate", flat=True)) == [
        False,
        True,
    ]


def test_the_writer_withdraws_a_letter_by_the_link(client, prisoner):
    letter = make_letter(prisoner)
    url = reverse("letters:withdraw", kwargs={"token": letter.withdraw_token})
    assert "Withdraw the letter" in client.get(url).text
    response = client.post(url)
    assert "has been withdrawn" in response.text
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WITHDRAWN
    assert client.get("/letters/withdraw/not-a-token/").status_code == 404


@pytest.mark.parametrize("token", ["%00", "abc%00def", "a%20b", "%E2%80%8B"])
def test_it_does_not_find_a_withdraw_link_with_characters_outside_a_token(client, prisoner, token):
    letter = make_letter(prisoner)
    url = f"/letters/withdraw/{token}/"
    with pytest.raises(Resolver404):
        resolve(unquote(url))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SUBMITTED


def test_a_printed_letter_cannot_be_withdrawn_by_the_link(client, prisoner, facility, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    url = reverse("letters:withdraw", kwargs={"token": letter.withdraw_token})
    assert "no longer be withdrawn" in client.post(url).text
    letter.refresh_from_db()
    assert letter.status == Letter.Status.PRINTED


def test_the_writers_e_mail_never_appears_in_a_public_page(
    client, prisoner, campaign, facility, moderator
):
    letter = make_letter(prisoner, campaign=campaign, email=CANARY, sender_name="Kasia")
    with committed():
        services.letter_approve(letter=letter, moderator=moderator)
        batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
        services.batch_mark_posted(batch=batch, moderator=moderator)
    pages = [
        reverse("home"),
        reverse("prisoners:list"),
        reverse("prisoners:list") + "?order=needs_letters",
        prisoner.get_absolute_url(),
        reverse("prisoners:birthdays"),
        reverse("campaigns:list"),
        campaign.get_absolute_url(),
        write_url(prisoner),
        reverse("letters:sent", kwargs={"slug": prisoner.slug}),
        reverse("letters:withdraw", kwargs={"token": letter.withdraw_token}),
        reverse("letters:edit", kwargs={"token": letter.withdraw_token}),
        reverse("campaigns_api:tally", kwargs={"slug": campaign.slug}),
        reverse("map"),
        reverse("events:feed_ics"),
        reverse("events:feed_rss"),
        reverse("events:geojson"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.text, url
        assert "canary-7f3a" not in response.text, url


def test_the_profile_shows_letters_sent_and_the_last_posting(client, prisoner, facility, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    body = client.get(prisoner.get_absolute_url()).text
    assert 'data-letters-sent>1 <span class="muted">(last batch posted on' in body


def test_the_list_orders_by_who_needs_letters_most(client, facility):
    factories.make_prisoner(name="A Many", facility=facility, letters_recent=40)
    factories.make_prisoner(name="B None", facility=facility, letters_recent=0)
    factories.make_prisoner(name="C Free", status=Prisoner.Status.RELEASED)
    factories.make_prisoner(name="D Few", facility=facility, letters_recent=3)
    response = client.get(reverse("prisoners:list") + "?order=needs_letters")
    names = [p.name for p in response.context["page"].object_list]
    assert names == ["B None", "D Few", "A Many", "C Free"]
    assert names != [p.name for p in client.get(reverse("prisoners:list")).context["page"]]


@pytest.mark.parametrize("size", [1, 12])
def test_the_needs_letters_list_query_count_is_constant(client, django_assert_num_queries, size):
    facility = factories.make_facility()
    for i in range(size):
        factories.make_prisoner(facility=facility, letters_recent=i)
    # count, page of prisoners, their current facilities
    with django_assert_num_queries(3):
        assert client.get(reverse("prisoners:list") + "?order=needs_letters").status_code == 200


@pytest.mark.parametrize("campaigns", [1, 5])
def test_the_write_page_query_count_is_constant(
    client, django_assert_num_queries, prisoner, campaigns
):
    for _ in range(campaigns):
        factories.make_campaign(prisoners=[prisoner])
    # the prisoner with their current facility and running campaigns, in one
    with django_assert_num_queries(1):
        assert client.get(write_url(prisoner)).status_code == 200


def edit_url(letter):
    return reverse("letters:edit", kwargs={"token": letter.withdraw_token})


def test_the_writer_changes_a_letter_a_moderator_sent_back_and_it_is_read_again(
    client, prisoner, campaign, moderator
):
    letter = make_letter(prisoner, campaign=campaign, body="Stay strong. The trial was a farce.")
    mail.outbox.clear()
    with committed():
        services.letter_request_changes(
            letter=letter, moderator=moderator, note="The censor would take out the trial."
        )
    [message] = mail.outbox
    assert message.subject == "Please change your letter to Ales Bialiatski"
    assert "The censor would take out the trial." in message.body
    assert edit_url(letter) in message.body

    page = client.get(edit_url(letter)).text
    assert "The censor would take out the trial." in page
    assert "Stay strong. The trial was a farce.</textarea>" in page
    response = client.post(edit_url(letter), {"body": "Hi"})
    assert "at least a few words" in response.context["form"].errors["body"][0]
    response = client.post(edit_url(letter), {"body": "Stay strong.\x1b[2J Warm wishes to you."})
    assert "invisible control characters" in response.context["form"].errors["body"][0]
    response = client.post(edit_url(letter), {"body": "x" * 3001})
    assert "under 3000 characters" in response.context["form"].errors["body"][0]
    assert Letter.objects.get().status == Letter.Status.NEEDS_CHANGES

    new_text = "Stay strong. The lime trees are in bloom and we think of you."
    response = client.post(edit_url(letter), {"body": f"  {new_text}\n"})
    assert response.status_code == 302
    assert (
        "Your changed letter is back with our volunteers" in client.get(response["Location"]).text
    )
    letter.refresh_from_db()
    assert (letter.status, letter.body) == (Letter.Status.SUBMITTED, new_text)
    assert letter.body_fingerprint == services.body_fingerprint(new_text)
    assert [e.action for e in letter.log.all()] == ["submitted", "needs_changes", "resubmitted"]
    assert (letter.log.last().from_status, letter.log.last().to_status) == (
        "needs_changes",
        "submitted",
    )

    # Read again, it is approved and counted like any other letter.
    page = client.get(edit_url(letter)).text
    assert "It can be changed only when they ask you to." in page
    assert "<textarea" not in page
    services.letter_approve(letter=letter, moderator=moderator)
    assert campaign.actions.count() == 1
    assert len(mail.outbox) == 1


def test_a_second_request_for_changes_is_e_mailed_again(client, prisoner, moderator):
    letter = make_letter(prisoner)
    mail.outbox.clear()
    for note in ("First note.", "Second note."):
        with committed():
            services.letter_request_changes(letter=letter, moderator=moderator, note=note)
        client.post(edit_url(letter), {"body": f"A new text after the {note.lower()}"})
    assert [note in m.body for m in mail.outbox for note in ("First", "Second")] == [
        True,
        False,
        False,
        True,
    ]
    assert Letter.objects.get().status == Letter.Status.SUBMITTED


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("submitted", "It can be changed only when they ask you to."),
        ("approved", "can no longer be changed"),
        ("rejected", "can no longer be changed"),
        ("withdrawn", "You withdrew this letter"),
    ],
)
def test_a_letter_nobody_asked_to_change_cannot_be_changed_by_the_link(
    client, prisoner, moderator, status, message
):
    letter = make_letter(prisoner)
    if status == "approved":
        services.letter_approve(letter=letter, moderator=moderator)
    if status == "rejected":
        services.letter_reject(letter=letter, moderator=moderator, reason="spam")
    if status == "withdrawn":
        services.letter_withdraw(token=letter.withdraw_token)
    for response in (
        client.get(edit_url(letter)),
        client.post(edit_url(letter), {"body": "A text nobody asked me to write, sent anyway."}),
    ):
        assert response.status_code == 200
        assert message in response.text
        assert "<textarea" not in response.text
    letter.refresh_from_db()
    assert letter.status == status
    assert "sent anyway" not in letter.body


def test_the_edit_link_refuses_unknown_tokens_and_other_methods(client, prisoner, moderator):
    letter = make_letter(prisoner)
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter, please.")
    assert client.get("/letters/not-a-token/edit/").status_code == 404
    assert client.post("/letters/%00/edit/", {"body": "x" * 30}).status_code == 404
    assert client.put(edit_url(letter)).status_code == 405


def test_the_withdraw_page_offers_to_change_a_letter_sent_back(client, prisoner, moderator):
    letter = make_letter(prisoner)
    url = reverse("letters:withdraw", kwargs={"token": letter.withdraw_token})
    assert edit_url(letter) not in client.get(url).text
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter, please.")
    assert edit_url(letter) in client.get(url).text


@pytest.mark.parametrize(
    ("language", "accepted", "preselected"),
    [
        ("ru", "be,ru", "ru"),  # the visitor's language, which the prison accepts
        ("be", "be,ru", "be"),
        ("en", "be,ru", "be"),  # not accepted: the prison's first language
        ("ru", "be", "be"),
        ("ru", "", "ru"),  # the prison names none: the visitor's
    ],
)
def test_the_write_form_preselects_the_visitors_language_where_the_prison_accepts_it(
    client, prisoner, language, accepted, preselected
):
    prisoner.letter_languages = accepted
    prisoner.save()
    url = reverse_in(language, "letters:write", slug=prisoner.slug)
    form = client.get(url).context["form"]
    assert form["language"].value() == preselected
