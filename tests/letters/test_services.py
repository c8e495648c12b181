import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Action, GlobalTally
from letters import services
from letters.models import DeliveryBatch, Letter
from prisoners.models import Imprisonment, Prisoner
from tests import factories
from tests.factories import committed
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db


def test_it_counts_an_approved_letter_in_the_campaign(prisoner, campaign, moderator):
    letter = make_letter(prisoner, campaign=campaign, country="JP")
    assert Action.objects.count() == 0
    with committed():
        services.letter_approve(letter=letter, moderator=moderator)
    action = Action.objects.get()
    assert (action.kind, action.country, action.prisoner, action.campaign) == (
        "letter",
        "JP",
        prisoner,
        campaign,
    )
    campaign.refresh_from_db()
    assert campaign.actions_total == 1


def test_it_counts_postcards_and_birthday_greetings_as_postcards(prisoner, campaign, moderator):
    for kind in (Letter.Kind.POSTCARD, Letter.Kind.BIRTHDAY):
        letter = make_letter(prisoner, campaign=campaign, kind=kind)
        services.letter_approve(letter=letter, moderator=moderator)
    assert list(Action.objects.values_list("kind", flat=True)) == ["postcard", "postcard"]


def test_it_takes_the_action_back_when_an_approved_letter_is_rejected(
    prisoner, campaign, moderator
):
    letter = make_letter(prisoner, campaign=campaign)
    with committed():
        services.letter_approve(letter=letter, moderator=moderator)
        services.letter_reject(letter=letter, moderator=moderator, reason="endangers")
    assert Action.objects.count() == 0
    campaign.refresh_from_db()
    assert campaign.actions_total == 0
    letter.refresh_from_db()
    assert letter.reject_reason == "endangers"
    assert [e.action for e in letter.log.all()] == ["submitted", "approved", "rejected"]
    assert letter.log.last().actor == moderator


def test_it_takes_the_action_back_when_the_writer_withdraws(prisoner, campaign, moderator):
    letter = make_letter(prisoner, campaign=campaign)
    services.letter_approve(letter=letter, moderator=moderator)
    assert Action.objects.count() == 1
    services.letter_withdraw(token=letter.withdraw_token)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WITHDRAWN
    assert Action.objects.count() == 0


def test_it_refuses_to_withdraw_a_printed_letter(prisoner, facility, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    with pytest.raises(services.LetterError, match="no longer be withdrawn"):
        services.letter_withdraw(token=letter.withdraw_token)


def test_it_refuses_transitions_the_state_machine_does_not_allow(prisoner, moderator):
    letter = make_letter(prisoner)
    services.letter_reject(letter=letter, moderator=moderator, reason="spam")
    with pytest.raises(services.LetterError, match="cannot become"):
        services.letter_approve(letter=letter, moderator=moderator)
    with pytest.raises(services.LetterError, match="reason"):
        services.letter_reject(letter=make_letter(prisoner), moderator=moderator, reason="")


def test_it_uses_the_one_running_campaign_when_none_was_chosen(prisoner, campaign):
    assert make_letter(prisoner).campaign == campaign


def test_it_respects_a_writers_choice_of_no_campaign(prisoner, campaign, moderator):
    letter = services.letter_submit(
        prisoner=prisoner,
        campaign=None,
        kind=Letter.Kind.LETTER,
        body="Greetings from Riga, in no campaign at all.",
        language="ru",
        sender_name="Anna",
        sender_email="",
        country="LV",
    )
    assert letter.campaign is None
    with factories.committed():
        services.letter_approve(letter=letter, moderator=moderator)
    # Counted outside any campaign: on /map/ and the profile, not in the campaign.
    action = Action.objects.get()
    assert (action.campaign, action.country, action.prisoner) == (None, "LV", prisoner)
    assert GlobalTally.objects.get(country="LV").quantity == 1
    campaign.refresh_from_db()
    assert campaign.actions_total == 0


def test_it_counts_in_no_campaign_when_several_are_running(prisoner, campaign, moderator):
    factories.make_campaign(prisoners=[prisoner])
    letter = make_letter(prisoner)
    assert letter.campaign is None
    services.letter_approve(letter=letter, moderator=moderator)
    assert Action.objects.get().campaign is None


def test_it_ignores_campaigns_that_are_over(prisoner):
    factories.make_campaign(prisoners=[prisoner], ends_on=dt.date(2013, 3, 7))
    assert make_letter(prisoner).campaign is None


def test_it_flags_repeated_identical_text(prisoner):
    first = make_letter(prisoner, body="Stay strong, we are with you.")
    again = make_letter(prisoner, body="  stay STRONG,\n we are with   you. ")
    other = make_letter(prisoner, body="Something else entirely, written by hand.")
    assert (first.is_duplicate, again.is_duplicate, other.is_duplicate) == (False, True, False)


def test_it_holds_letters_while_the_prisoner_cannot_receive_them(prisoner, facility, moderator):
    Prisoner.objects.filter(pk=prisoner.pk).update(accepts_letters=False)
    prisoner.refresh_from_db()
    letter = make_letter(prisoner)
    assert letter.is_held
    services.letter_approve(letter=letter, moderator=moderator)
    with pytest.raises(services.LetterError, match="stay held"):
        services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    Prisoner.objects.filter(pk=prisoner.pk).update(accepts_letters=True)
    services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    letter.refresh_from_db()
    assert (letter.status, letter.is_held) == (Letter.Status.PRINTED, False)


def test_it_refuses_letters_to_released_or_dead_prisoners():
    for status in (Prisoner.Status.RELEASED, Prisoner.Status.DIED):
        with pytest.raises(services.LetterError):
            make_letter(factories.make_prisoner(status=status))


def test_it_marks_letters_needing_translation_from_the_prisons_languages(prisoner):
    assert make_letter(prisoner, language="de").needs_translation
    assert not make_letter(prisoner, language="ru").needs_translation


def test_it_refuses_a_batch_for_two_facilities(prisoner, moderator):
    elsewhere = factories.make_prisoner(facility=factories.make_facility(name="IK-17"))
    letters = [make_letter(prisoner), make_letter(elsewhere)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    with pytest.raises(services.LetterError, match="2 different facilities"):
        services.batch_letters_facility(letters=letters)
    with pytest.raises(services.LetterError, match="one facility"):
        services.batch_create(
            facility=prisoner.imprisonments.get().facility, letters=letters, moderator=moderator
        )
    assert DeliveryBatch.objects.count() == 0
    assert set(Letter.objects.values_list("status", flat=True)) == {"approved"}


def test_it_refuses_unapproved_letters_in_a_batch(prisoner, facility, moderator):
    with pytest.raises(services.LetterError, match="Only approved"):
        services.batch_create(
            facility=facility, letters=[make_letter(prisoner)], moderator=moderator
        )


def test_posting_a_batch_updates_the_profile_counters_and_e_mails_each_writer_once(
    prisoner, facility, moderator
):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(3)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    mail.outbox.clear()
    with committed():
        services.batch_mark_posted(batch=batch, moderator=moderator)
    prisoner.refresh_from_db()
    assert (prisoner.letters_sent, prisoner.letters_recent) == (3, 3)
    assert prisoner.letters_last_posted_on == timezone.localdate()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "w0@example.org",
        "w1@example.org",
        "w2@example.org",
    ]
    assert "is in the post" in mail.outbox[0].subject
    with pytest.raises(services.LetterError, match="already"):
        services.batch_mark_posted(batch=batch, moderator=moderator)
    assert set(Letter.objects.values_list("status", flat=True)) == {"posted"}


def test_after_posting_a_letter_can_come_back_or_be_answered(prisoner, facility, moderator):
    a, b = make_letter(prisoner), make_letter(prisoner)
    for letter in (a, b):
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[a, b], moderator=moderator)
    with pytest.raises(services.LetterError):
        services.letter_mark_outcome(letter=a, moderator=moderator, status="returned")
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    services.letter_mark_outcome(letter=a, moderator=moderator, status="returned")
    services.letter_mark_outcome(letter=b, moderator=moderator, status="reply_received")
    assert sorted(Letter.objects.values_list("status", flat=True)) == [
        "reply_received",
        "returned",
    ]


def test_recent_letters_age_out_when_refreshed(prisoner, facility, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    later = timezone.now() + dt.timedelta(days=31)
    assert services.prisoners_letters_recent_refresh(now=later) == 1
    prisoner.refresh_from_db()
    assert (prisoner.letters_recent, prisoner.letters_sent) == (0, 1)


def test_it_erases_writers_e_mails_after_the_retention_period(prisoner, facility, moderator):
    posted, waiting = make_letter(prisoner), make_letter(prisoner)
    for letter in (posted, waiting):
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[posted], moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    assert services.letters_erase_emails(retention_days=90) == 0
    later = timezone.now() + dt.timedelta(days=91)
    assert services.letters_erase_emails(retention_days=90, now=later) == 1
    posted.refresh_from_db()
    waiting.refresh_from_db()
    assert (posted.sender_email, waiting.sender_email) == ("", "kasia@example.org")
    assert posted.email_erased_at is not None


def test_the_database_refuses_a_rejection_without_reason_and_a_printed_letter_without_batch(
    prisoner,
):
    letter = make_letter(prisoner)
    for fields in ({"status": "rejected"}, {"status": "printed"}, {"status": "nonsense"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Letter.objects.filter(pk=letter.pk).update(**fields)


def test_a_moved_prisoner_gets_letters_batched_for_the_new_facility(prisoner, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    Imprisonment.objects.filter(prisoner=prisoner).update(until=dt.date(2022, 1, 1))
    colony = factories.make_facility(name="IK-2")
    Imprisonment.objects.create(prisoner=prisoner, facility=colony, since=dt.date(2022, 1, 2))
    assert services.batch_letters_facility(letters=[letter]) == colony
