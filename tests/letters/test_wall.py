import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from config.roles import EDITORS
from letters import services, wall
from letters.models import Letter, LetterLog, WallExcerpt
from tests import factories
from tests.factories import committed
from tests.letters.conftest import letter_data, make_letter

pytestmark = pytest.mark.django_db

BODY = (
    "Dear Ales, the lime trees on our street are in bloom.\n"
    "We think of you every day and wait for you at home."
)
QUOTE = "We think of you every day and wait for you at home."
EMAIL = "kasia-private@example.org"
ON_WALL = f"<blockquote><p>{QUOTE}</p></blockquote>"


def approved_letter(prisoner, campaign, moderator, *, consent=True, **fields):
    letter = make_letter(prisoner, body=BODY, campaign=campaign, email=EMAIL, **fields)
    Letter.objects.filter(pk=letter.pk).update(wall_consent=consent)
    letter.refresh_from_db()
    with committed():
        return services.letter_approve(letter=letter, moderator=moderator)


def reply_received_letter(prisoner, campaign, moderator, facility):
    letter = approved_letter(prisoner, campaign, moderator, consent=False)
    with committed():
        batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
        services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
        letter.refresh_from_db()
        return services.letter_mark_outcome(
            letter=letter, moderator=moderator, status=Letter.Status.REPLY_RECEIVED
        )


def on_the_wall(letter, moderator, text=QUOTE, **fields):
    excerpt = WallExcerpt.objects.create(letter=letter, text=text, **fields)
    with committed():
        return wall.excerpt_approve(excerpt=excerpt, moderator=moderator)


def add_url():
    return reverse("admin:letters_wallexcerpt_add")


def excerpt_form(letter, **overrides):
    return {
        "letter": letter.pk,
        "source": "letter",
        "text": QUOTE,
        "consent_note": "",
        **overrides,
    }


# --- the consent on the letter form ----------------------------------------------


def test_it_asks_for_the_wall_consent_unticked_and_records_the_choice(client, prisoner, campaign):
    page = client.get(reverse("letters:write", kwargs={"slug": prisoner.slug})).text
    assert 'name="wall_consent"' in page
    assert 'name="wall_consent" id="id_wall_consent" checked' not in page
    url = reverse("letters:write", kwargs={"slug": prisoner.slug})
    with committed():
        assert client.post(url, letter_data()).status_code == 302
        assert client.post(url, letter_data(body=BODY, wall_consent="on")).status_code == 302
    assert list(Letter.objects.order_by("id").values_list("wall_consent", flat=True)) == [
        False,
        True,
    ]


# --- choosing and approving --------------------------------------------------------


def test_it_refuses_an_excerpt_of_a_letter_without_consent_next_to_the_field(
    client, moderator, prisoner, campaign
):
    letter = approved_letter(prisoner, campaign, moderator, consent=False)
    client.force_login(moderator)
    response = client.post(add_url(), excerpt_form(letter))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "did not agree to be quoted" in errors["letter"][0]
    assert not WallExcerpt.objects.exists()


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("We never wrote this sentence at all.", "text", "must be copied from the letter"),
        ("x" * 281, "text", "at most 280"),
        ("", "text", "required"),
    ],
)
def test_it_refuses_an_excerpt_that_is_not_from_the_letter(
    client, moderator, prisoner, campaign, text, field, message
):
    letter = approved_letter(prisoner, campaign, moderator)
    client.force_login(moderator)
    response = client.post(add_url(), excerpt_form(letter, text=text))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])


def test_it_accepts_an_excerpt_from_the_translation_with_other_line_breaks_and_an_ellipsis(
    moderator, prisoner, campaign
):
    letter = approved_letter(prisoner, campaign, moderator)
    letter.translation = "Мы думаем пра вас кожны дзень."
    wall.excerpt_validate(
        letter=letter, source="letter", text="…думаем пра вас\nкожны дзень", consent_note=""
    )
    wall.excerpt_validate(
        letter=letter, source="letter", text="the lime trees ON our street", consent_note=""
    )


def test_a_moderator_chooses_and_approves_an_excerpt_in_the_admin(
    client, moderator, prisoner, campaign
):
    letter = approved_letter(prisoner, campaign, moderator)
    client.force_login(moderator)
    assert client.post(add_url(), excerpt_form(letter)).status_code == 302
    excerpt = WallExcerpt.objects.get()
    assert excerpt.created_by == moderator and excerpt.approved_at is None
    assert ON_WALL not in client.get(prisoner.get_absolute_url()).text
    changelist = reverse("admin:letters_wallexcerpt_changelist")
    with committed():
        client.post(changelist, {"action": "approve", "_selected_action": [excerpt.pk]})
    excerpt.refresh_from_db()
    assert excerpt.approved_by == moderator
    assert ON_WALL in client.get(prisoner.get_absolute_url()).text
    with committed():
        client.post(changelist, {"action": "take_off", "_selected_action": [excerpt.pk]})
    assert ON_WALL not in client.get(prisoner.get_absolute_url()).text


def test_changing_an_approved_excerpt_takes_it_off_until_approved_again(
    client, moderator, prisoner, campaign
):
    letter = approved_letter(prisoner, campaign, moderator)
    excerpt = on_the_wall(letter, moderator)
    client.force_login(moderator)
    url = reverse("admin:letters_wallexcerpt_change", args=[excerpt.pk])
    shorter = "We think of you every day"
    with committed():
        response = client.post(url, excerpt_form(letter, text=shorter))
    assert response.status_code == 302
    excerpt.refresh_from_db()
    assert excerpt.text == shorter and excerpt.approved_at is None
    assert "The wall of solidarity" not in client.get(prisoner.get_absolute_url()).text


def test_it_cannot_approve_once_the_writer_took_the_consent_back(moderator, prisoner, campaign):
    letter = approved_letter(prisoner, campaign, moderator)
    excerpt = WallExcerpt.objects.create(letter=letter, text=QUOTE)
    with committed():
        wall.wall_consent_withdraw(token=letter.withdraw_token)
    with pytest.raises(ValidationError, match="did not agree"):
        wall.excerpt_approve(excerpt=excerpt, moderator=moderator)
    excerpt.refresh_from_db()
    assert excerpt.approved_at is None


def test_it_cannot_approve_an_excerpt_of_a_letter_not_yet_approved(moderator, prisoner, campaign):
    letter = make_letter(prisoner, body=BODY, campaign=campaign)
    Letter.objects.filter(pk=letter.pk).update(wall_consent=True)
    excerpt = WallExcerpt.objects.create(letter=letter, text=QUOTE)
    with pytest.raises(ValidationError, match="Only an approved letter"):
        wall.excerpt_approve(excerpt=excerpt, moderator=moderator)


# --- the public pages ---------------------------------------------------------------


def test_it_shows_an_approved_excerpt_with_name_and_country_never_the_email(
    client, moderator, prisoner, campaign
):
    letter = approved_letter(prisoner, campaign, moderator, sender_name="Kasia", country="PL")
    on_the_wall(letter, moderator)
    for url in (campaign.get_absolute_url(), prisoner.get_absolute_url()):
        page = client.get(url).text
        assert "The wall of solidarity" in page
        assert QUOTE in page and "Kasia, Poland" in page
        assert EMAIL not in page and "lime trees" not in page
    be_page = client.get("/be" + prisoner.get_absolute_url()).text
    assert QUOTE in be_page and "Kasia, Польшча" in be_page


def test_it_shows_no_wall_without_approved_excerpts(client, moderator, prisoner, campaign):
    letter = approved_letter(prisoner, campaign, moderator)
    WallExcerpt.objects.create(letter=letter, text=QUOTE)  # chosen, not approved
    assert "The wall of solidarity" not in client.get(campaign.get_absolute_url()).text


def test_withdrawing_consent_takes_the_excerpt_off_the_cached_pages_at_once(
    client, settings, moderator, prisoner, campaign
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    letter = approved_letter(prisoner, campaign, moderator)
    on_the_wall(letter, moderator)
    pages = [
        campaign.get_absolute_url(),
        prisoner.get_absolute_url(),
        "/ru" + prisoner.get_absolute_url(),
    ]
    for url in pages:
        assert ON_WALL in client.get(url).text  # now in the page cache
    # The last request left Russian active in this thread: links in English.
    translation.activate("en")
    withdraw_page = client.get(reverse("letters:withdraw", kwargs={"token": letter.withdraw_token}))
    assert "Do not quote my letter" in withdraw_page.text
    url = reverse("letters:wall_consent_withdraw", kwargs={"token": letter.withdraw_token})
    with committed():
        response = client.post(url)
    assert "nothing from your letter is shown" in response.text
    for url in pages:
        assert ON_WALL not in client.get(url).text
    letter.refresh_from_db()
    assert not letter.wall_consent and letter.status == Letter.Status.APPROVED
    assert letter.log.filter(action=LetterLog.Action.WALL_CONSENT_WITHDRAWN).count() == 1


def test_withdrawing_the_letter_takes_its_excerpt_off_the_cached_pages(
    client, settings, moderator, prisoner, campaign
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    letter = approved_letter(prisoner, campaign, moderator)
    on_the_wall(letter, moderator)
    assert ON_WALL in client.get(campaign.get_absolute_url()).text
    with committed():
        client.post(reverse("letters:withdraw", kwargs={"token": letter.withdraw_token}))
    assert ON_WALL not in client.get(campaign.get_absolute_url()).text


def test_the_consent_withdrawal_link_refuses_get_and_unknown_tokens(client, prisoner):
    letter = make_letter(prisoner)
    url = reverse("letters:wall_consent_withdraw", kwargs={"token": letter.withdraw_token})
    assert client.get(url).status_code == 405
    assert client.post("/letters/wall/not-a-token/withdraw-consent/").status_code == 404


# --- replies --------------------------------------------------------------------------


def test_a_reply_quote_needs_the_consent_note_and_a_reply(
    client, moderator, prisoner, campaign, facility
):
    client.force_login(moderator)
    posted_only = approved_letter(prisoner, campaign, moderator, consent=False)
    response = client.post(
        add_url(), excerpt_form(posted_only, source="reply", text="Thank you all.")
    )
    errors = response.context["adminform"].form.errors
    assert "Reply received" in errors["letter"][0]
    assert "Note who agreed" in errors["consent_note"][0]

    letter = reply_received_letter(prisoner, campaign, moderator, facility)
    data = excerpt_form(letter, source="reply", text="Your letters keep me warm.")
    response = client.post(add_url(), data)
    assert "Note who agreed" in response.context["adminform"].form.errors["consent_note"][0]
    data["consent_note"] = "His wife agreed by phone on 3 May 2024."
    assert client.post(add_url(), data).status_code == 302
    with committed():
        wall.excerpt_approve(excerpt=WallExcerpt.objects.get(), moderator=moderator)
    page = client.get(prisoner.get_absolute_url()).text
    assert "Your letters keep me warm." in page
    assert "Ales Bialiatski, in a reply to a letter" in page


def test_the_database_refuses_a_reply_quote_without_consent(moderator, prisoner, campaign):
    from django.db import IntegrityError

    letter = approved_letter(prisoner, campaign, moderator)
    with pytest.raises(IntegrityError):
        WallExcerpt.objects.create(letter=letter, source="reply", text="x", consent_note="")


# --- roles and counts -----------------------------------------------------------------


def test_only_moderators_choose_excerpts(client, moderator, outsider, prisoner, campaign):
    editor = factories.make_user(email="plain-editor@example.org", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(editor)
    assert client.get(add_url()).status_code == 403
    client.force_login(outsider)
    assert client.get(add_url(), follow=True).status_code == 403
    client.logout()
    assert client.get(add_url()).status_code == 302
    client.force_login(moderator)
    assert client.get(add_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_the_wall_costs_one_query_whatever_its_size(
    client, django_assert_num_queries, moderator, prisoner, campaign, n
):
    for _ in range(n):
        on_the_wall(approved_letter(prisoner, campaign, moderator), moderator)
    # As tests/prisoners/test_views.py and tests/campaigns/test_views.py pin
    # the two pages, the wall included.
    with django_assert_num_queries(5):
        page = client.get(prisoner.get_absolute_url()).text
    assert page.count(ON_WALL) == n
    with django_assert_num_queries(6):
        page = client.get(campaign.get_absolute_url()).text
    assert page.count(ON_WALL) == n
