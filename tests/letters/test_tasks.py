import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from letters import services, tasks
from letters.models import Letter
from tests.factories import committed
from tests.languages import reverse_in
from tests.letters.conftest import letter_data, make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted_batch(prisoner, facility, moderator):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    mail.outbox.clear()
    return batch


def test_running_the_posting_task_twice_e_mails_each_writer_once(posted_batch):
    assert tasks.batch_posted_notify(posted_batch.pk) == 2
    assert tasks.batch_posted_notify(posted_batch.pk) == 0
    assert len(mail.outbox) == 2
    assert not Letter.objects.filter(posted_notified_at__isnull=True).exists()


def test_a_failed_send_gives_the_claim_back_for_the_retry(posted_batch, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(tasks, "send_mail", broken)
    with pytest.raises(ConnectionError):
        tasks.batch_posted_notify(posted_batch.pk)
    assert Letter.objects.filter(posted_notified_at__isnull=True).count() == 2
    monkeypatch.undo()
    assert tasks.batch_posted_notify(posted_batch.pk) == 2
    assert len(mail.outbox) == 2


def test_the_confirmation_is_sent_once(prisoner):
    letter = make_letter(prisoner)  # sends it on commit
    assert len(mail.outbox) == 1
    assert tasks.letter_confirmation_send(letter.pk) is False
    assert len(mail.outbox) == 1


def test_writers_without_an_e_mail_are_skipped(posted_batch):
    Letter.objects.update(sender_email="")
    assert tasks.batch_posted_notify(posted_batch.pk) == 0
    assert mail.outbox == []


def test_the_periodic_tasks_are_scheduled_and_erase_old_e_mails(settings, posted_batch):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "letters.tasks.letters_erase_emails",
        "letters.tasks.letters_recent_refresh",
        "letters.tasks.letters_mail_sweep",
    } <= schedule
    assert settings.CELERY_BEAT_SCHEDULE["letters-mail-sweep"]["schedule"] == 600
    assert settings.LETTERS_EMAIL_RETENTION_DAYS == 90
    assert tasks.letters_erase_emails() == 0
    Letter.objects.update(posted_at=timezone.now() - dt.timedelta(days=91))
    assert tasks.letters_erase_emails() == 2
    assert set(Letter.objects.values_list("sender_email", flat=True)) == {""}


def test_the_recent_refresh_task_lets_old_letters_age_out(prisoner, posted_batch):
    prisoner.refresh_from_db()
    assert prisoner.letters_recent == 2
    Letter.objects.update(posted_at=timezone.now() - dt.timedelta(days=31))
    with committed():
        assert tasks.letters_recent_refresh() == 1
    prisoner.refresh_from_db()
    assert (prisoner.letters_recent, prisoner.letters_sent) == (0, 2)


@pytest.fixture
def languages_rendered_in(monkeypatch):
    """The active language each e-mail template was rendered in."""
    seen = []
    render = tasks.render_to_string

    def recording(template, context):
        seen.append((template.split("/")[1], translation.get_language()))
        return render(template, context)

    monkeypatch.setattr(tasks, "render_to_string", recording)
    return seen


def test_the_confirmation_is_written_in_the_language_the_writer_used_the_site_in(
    client, settings, prisoner, languages_rendered_in
):
    assert (
        client.post(reverse_in("ru", "letters:write", prisoner.slug), letter_data()).status_code
        == 302
    )
    letter = Letter.objects.get()
    assert letter.language_code == "ru"
    # The worker runs in the default language; the e-mail switches to the writer's.
    with translation.override("en"):
        assert tasks.letter_confirmation_send(letter.pk) is True
        assert translation.get_language() == "en"
    assert languages_rendered_in == [("letter_received", "ru"), ("letter_received", "ru")]
    assert mail.outbox[0].to == ["kasia@example.org"]


def test_the_posting_notice_is_written_in_the_writers_language(posted_batch, languages_rendered_in):
    Letter.objects.update(language_code="be")
    with translation.override("en"):
        assert tasks.batch_posted_notify(posted_batch.pk) == 2
    assert {language for _, language in languages_rendered_in} == {"be"}


def test_letters_written_outside_a_request_are_in_the_default_language(prisoner):
    with translation.override("de"):  # not a language of the site
        assert make_letter(prisoner).language_code == "en"
    with translation.override("be"):
        assert make_letter(prisoner).language_code == "be"


def test_the_request_for_changes_is_e_mailed_once_and_not_after_the_letter_moved_on(
    prisoner, moderator
):
    letter = make_letter(prisoner)
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter, please.")
    mail.outbox.clear()
    assert tasks.letter_changes_requested_send(letter.pk) is True
    assert tasks.letter_changes_requested_send(letter.pk) is False
    assert len(mail.outbox) == 1
    late = make_letter(prisoner)
    services.letter_request_changes(letter=late, moderator=moderator, note="Shorter, please.")
    services.letter_withdraw(token=late.withdraw_token)
    mail.outbox.clear()
    assert tasks.letter_changes_requested_send(late.pk) is False
    assert mail.outbox == []


def minutes_ago(minutes):
    return timezone.now() - dt.timedelta(minutes=minutes)


def broken_for(monkeypatch, *addresses):
    send = tasks.send_mail

    def sometimes_broken(subject, body, sender, to):
        if not addresses or set(to) & set(addresses):
            raise ConnectionError("smtp down")
        return send(subject, body, sender, to)

    monkeypatch.setattr(tasks, "send_mail", sometimes_broken)


def test_a_confirmation_that_failed_is_sent_once_by_the_sweep(prisoner, monkeypatch):
    broken_for(monkeypatch)
    letter = make_letter(prisoner)  # the send on commit fails
    monkeypatch.undo()
    letter.refresh_from_db()
    assert letter.confirmation_sent_at is None
    assert mail.outbox == []
    assert tasks.letters_mail_sweep() == 0  # not overdue yet: its task may still be queued
    Letter.objects.update(created_at=minutes_ago(11))
    assert tasks.letters_mail_sweep() == 1
    assert tasks.letters_mail_sweep() == 0
    [message] = mail.outbox
    assert "has arrived" in message.subject


def test_a_posting_notice_that_failed_is_sent_by_the_sweep_and_the_others_went_out(
    posted_batch, monkeypatch
):
    broken_for(monkeypatch, "w0@example.org")
    with pytest.raises(ConnectionError):
        tasks.batch_posted_notify(posted_batch.pk)
    monkeypatch.undo()
    assert [m.to for m in mail.outbox] == [["w1@example.org"]]
    Letter.objects.update(posted_at=minutes_ago(11))
    assert tasks.letters_mail_sweep() == 1
    assert tasks.letters_mail_sweep() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["w0@example.org", "w1@example.org"]


def test_a_request_for_changes_that_failed_is_sent_once_by_the_sweep(
    prisoner, moderator, monkeypatch
):
    letter = make_letter(prisoner)
    mail.outbox.clear()
    broken_for(monkeypatch)
    with committed():
        services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter.")
    monkeypatch.undo()
    Letter.objects.update(moderated_at=minutes_ago(11))
    assert tasks.letters_mail_sweep() == 1
    assert tasks.letters_mail_sweep() == 0
    assert [m.subject for m in mail.outbox] == ["Please change your letter to Ales Bialiatski"]


def test_the_sweep_leaves_old_mail_letters_without_an_address_and_decided_letters(
    prisoner, moderator
):
    old, unaddressed, rejected = (
        make_letter(prisoner, email=e) for e in ("a@x.org", "", "b@x.org")
    )
    services.letter_reject(letter=rejected, moderator=moderator, reason="spam")
    Letter.objects.update(confirmation_sent_at=None, created_at=minutes_ago(11))
    Letter.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    mail.outbox.clear()
    assert tasks.letters_mail_sweep() == 0
    assert mail.outbox == []


def test_the_posting_notice_writes_the_date_as_the_writers_language_does(posted_batch):
    first, second = posted_batch.letters.order_by("pk")
    posted_at = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    Letter.objects.filter(pk=first.pk).update(language_code="ru", posted_at=posted_at)
    Letter.objects.filter(pk=second.pk).update(language_code="be", posted_at=posted_at)
    tasks.batch_posted_notify(posted_batch.pk)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "отправлено 30 ноября 2026" in bodies[first.sender_email]
    assert "адпраўлены 30 лістапада 2026" in bodies[second.sender_email]
