"""The letters' review queue: one letter at a time, decided through the
services, claimed so that two moderators never read the same letter."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Action
from config import review as claims
from letters import review
from letters.models import Letter, LetterLog
from tests import factories
from tests.factories import committed
from tests.letters.conftest import make_letter

QUEUE = "admin:letters_letter_review"


def decide(client, letter, decision, **data):
    url = reverse("admin:letters_letter_review_decide", args=[letter.pk])
    with committed():
        return client.post(url, {"decision": decision, **data})


def shown(response):
    return response.context["letter"]


@pytest.fixture
def superuser(db):
    return factories.make_user(email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_editor(db):
    user = factories.make_user(email="editor-role@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.django_db
def test_it_shows_the_oldest_letter_with_its_guidance_flags_and_the_writers_history(
    client, moderator, prisoner
):
    template = (
        "Dear Ales, we think of you every day here in Warsaw and we hope the winter "
        "is mild and that books reach you. With love, {}"
    )
    earlier = make_letter(prisoner, body=template.format("Kasia"), email="k@example.org")
    make_letter(prisoner, body="Hello from Gdansk.", email="other@example.org")
    client.force_login(moderator)
    first = client.get(reverse(QUEUE))
    assert shown(first) == earlier  # the oldest first
    decide(client, earlier, "approve")
    make_letter(prisoner, body="Hello from Gdansk.", email="third@example.org")  # exact copy
    near = make_letter(prisoner, body=template.format("Basia"), email="k@example.org")

    page = client.get(reverse(QUEUE))
    gdansk = shown(page)
    assert gdansk.body == "Hello from Gdansk."
    decide(client, gdansk, "approve")
    copy = shown(client.get(reverse(QUEUE)))
    assert copy.is_duplicate
    decide(client, copy, "skip")

    page = client.get(reverse(QUEUE))
    assert shown(page) == near
    text = page.text
    assert "Basia" in text  # the full text
    assert "Belarusian, Russian" in text  # the prison's languages
    assert "Censors confiscate letters" in text
    assert "Nearly the same text as</a>" not in text
    assert (
        f'href="{reverse("admin:letters_letter_change", args=[earlier.pk])}">#{earlier.pk}' in text
    )
    assert page.context["near"][0][0] == earlier.pk and page.context["near"][0][1] >= 50
    assert "1 earlier letter from this e-mail address (1 approved, 0 rejected)" in text
    for label in ("Approve", "Reject", "Ask for changes", "Needs translation", "Skip"):
        assert f">{label} <kbd>" in text
    assert 'src="/static/js/review.js"' in text


@pytest.mark.django_db
def test_it_approves_through_the_service_and_the_next_letter_loads(client, moderator, prisoner):
    first, second = make_letter(prisoner), make_letter(prisoner)
    client.force_login(moderator)
    assert shown(client.get(reverse(QUEUE))) == first
    response = decide(client, first, "approve")
    assert response.status_code == 302 and response.url == reverse(QUEUE)
    first.refresh_from_db()
    assert (first.status, first.moderated_by, first.claimed_by) == ("approved", moderator, None)
    assert Action.objects.filter(source_id=first.pk).count() == 1
    assert LetterLog.objects.filter(letter=first, action="approved", actor=moderator).exists()
    page = client.get(response.url)
    assert shown(page) == second
    assert f"Letter {first.pk} approved." in page.text


@pytest.mark.django_db
def test_it_rejects_only_with_a_reason_shown_next_to_the_field(client, moderator, prisoner):
    letter = make_letter(prisoner)
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    refused = decide(client, letter, "reject", reason="")
    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"] == ["Choose a reason for rejecting the letter."]
    assert "Choose a reason for rejecting the letter." in refused.text
    letter.refresh_from_db()
    assert letter.status == "submitted"
    decide(client, letter, "reject", reason="spam")
    letter.refresh_from_db()
    assert (letter.status, letter.reject_reason, letter.claimed_by) == ("rejected", "spam", None)


@pytest.mark.django_db
def test_it_asks_the_writer_for_changes_with_the_note_by_mail(client, moderator, prisoner):
    letter = make_letter(prisoner)
    mail.outbox.clear()
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    assert decide(client, letter, "changes", note="  ").status_code == 400
    decide(client, letter, "changes", note="Please leave out the trial.")
    letter.refresh_from_db()
    assert (letter.status, letter.changes_note) == ("needs_changes", "Please leave out the trial.")
    assert "Please leave out the trial." in mail.outbox[-1].body


@pytest.mark.django_db
def test_it_hands_a_letter_to_the_translators_and_it_leaves_the_queue(client, moderator, prisoner):
    letter, other = make_letter(prisoner), make_letter(prisoner)
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    decide(client, letter, "translation")
    letter.refresh_from_db()
    assert letter.needs_translation and letter.status == "submitted"
    page = client.get(reverse(QUEUE))
    assert shown(page) == other
    assert "1 more waits for a translation." in page.text


@pytest.mark.django_db
def test_it_skips_a_letter_releases_it_and_shows_it_again_on_request(client, moderator, prisoner):
    letter = make_letter(prisoner)
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    decide(client, letter, "skip")
    letter.refresh_from_db()
    assert (letter.status, letter.claimed_by, letter.claimed_until) == ("submitted", None, None)
    page = client.get(reverse(QUEUE))
    assert page.context["letter"] is None
    assert "Show the 1 skipped letter again" in page.text
    again = client.get(reverse(QUEUE) + "?again=1", follow=True)
    assert shown(again) == letter


@pytest.mark.django_db
def test_it_never_gives_one_letter_to_two_moderators_until_the_lease_runs_out(
    client, moderator, prisoner
):
    first, second = make_letter(prisoner), make_letter(prisoner)
    other = factories.make_user(email="second-mod@example.org", is_staff=True)
    other.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    assert shown(client.get(reverse(QUEUE))) == first
    assert shown(client.get(reverse(QUEUE))) == first  # a reload keeps one's own
    client.force_login(other)
    assert shown(client.get(reverse(QUEUE))) == second
    # Deciding on the letter the first moderator holds is refused.
    refused = decide(client, first, "approve")
    first.refresh_from_db()
    assert first.status == "submitted" and first.claimed_by == moderator
    assert refused.status_code == 302
    # The first moderator walked away: the lease expires by itself.
    Letter.objects.filter(pk=first.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    Letter.objects.filter(pk=second.pk).update(claimed_by=None, claimed_until=None)
    decide(client, second, "skip")
    assert shown(client.get(reverse(QUEUE))) == first


@pytest.mark.django_db
def test_it_says_so_when_the_letter_was_withdrawn_meanwhile(client, moderator, prisoner):
    from letters import services

    letter = make_letter(prisoner)
    client.force_login(moderator)
    client.get(reverse(QUEUE))
    services.letter_withdraw(token=letter.withdraw_token)
    page = client.get(decide(client, letter, "approve").url)
    letter.refresh_from_db()
    assert letter.status == "withdrawn" and letter.claimed_by is None
    assert "cannot become" in page.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("moderator", 200),
        ("superuser", 200),
        ("staff_editor", 403),
        ("volunteer", 302),
        (None, 302),
    ],
)
def test_it_opens_the_queue_to_moderators_and_superusers_only(
    client, request, prisoner, persona, expected
):
    letter = make_letter(prisoner)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(QUEUE))
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("admin:login"))
    decided = decide(client, letter, "approve")
    assert decided.status_code == (302 if expected == 200 else expected)
    letter.refresh_from_db()
    assert letter.status == ("approved" if expected == 200 else "submitted")


@pytest.mark.django_db
def test_it_refuses_the_wrong_method_and_an_unknown_decision(client, moderator, prisoner):
    letter = make_letter(prisoner)
    client.force_login(moderator)
    assert client.post(reverse(QUEUE)).status_code == 405
    url = reverse("admin:letters_letter_review_decide", args=[letter.pk])
    assert client.get(url).status_code == 405
    assert decide(client, letter, "publish").status_code == 400
    missing = reverse("admin:letters_letter_review_decide", args=[letter.pk + 999])
    assert client.post(missing, {"decision": "approve"}).status_code == 404
    letter.refresh_from_db()
    assert letter.status == "submitted"


@pytest.mark.django_db
def test_it_links_the_queue_from_the_index_and_the_list_which_shows_first_lines(
    client, moderator, prisoner
):
    make_letter(prisoner, body="Dear Ales,\nthe lime trees are in bloom.")
    make_letter(prisoner)
    client.force_login(moderator)
    index = client.get(reverse("admin:index")).text
    assert "Review queue (2 waiting)" in index
    changelist = client.get(reverse("admin:letters_letter_changelist")).text
    assert f'href="{reverse(QUEUE)}"' in changelist and "Review queue (2 waiting)" in changelist
    assert '<td class="field-first_line">Dear Ales, the lime trees are in bloom.</td>' in changelist


# --- the claim on PostgreSQL, with real parallel transactions ---------------------


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for parallel transactions")


def test_it_gives_parallel_moderators_different_letters(postgresql, prisoner):
    letters = [make_letter(prisoner) for _ in range(12)]
    moderators = [factories.make_user(email=f"m{i}@example.org") for i in range(4)]
    start = threading.Barrier(len(moderators))
    claimed: dict[int, list[int]] = {m.pk: [] for m in moderators}
    errors = []

    def work(user):
        try:
            start.wait()
            for _ in range(3):
                letter = claims.claim_next(
                    waiting=review.waiting(), user=user, skip=claimed[user.pk]
                )
                claimed[user.pk].append(letter.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(m,)) for m in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [pk for pks in claimed.values() for pk in pks]
    # Twelve claims, twelve different letters: nobody read what another held.
    assert sorted(every) == sorted(letter.pk for letter in letters)
    holders = dict(Letter.objects.values_list("pk", "claimed_by"))
    for user_pk, pks in claimed.items():
        assert {holders[pk] for pk in pks} == {user_pk}
