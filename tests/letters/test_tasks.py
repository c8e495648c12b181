import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from letters import services, tasks
from letters.models import DeliveryBatch, Letter
from outbox import services as outbox
from outbox.models import Message
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


def test_posting_a_batch_e_mails_each_writer_once(prisoner, facility, moderator):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    mail.outbox.clear()
    with committed():
        services.batch_mark_posted(batch=batch, moderator=moderator)
    assert sorted(m.to[0] for m in mail.outbox) == ["w0@example.org", "w1@example.org"]
    assert {m.subject for m in mail.outbox} == {"Your letter to Ales Bialiatski is in the post"}
    assert outbox.outbox_sweep() == 0  # nothing owed any more
    assert len(mail.outbox) == 2


def test_writers_without_an_e_mail_are_skipped(posted_batch, prisoner, moderator):
    letter = make_letter(prisoner, email="")
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter.")
    assert not Message.objects.filter(to="").exists()
    assert mail.outbox == []


def test_the_periodic_tasks_are_scheduled_and_erase_old_e_mails(settings, posted_batch):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "letters.tasks.letters_erase_emails",
        "letters.tasks.letters_recent_refresh",
        "outbox.tasks.outbox_sweep",
        "outbox.tasks.outbox_purge",
    } <= schedule
    assert settings.LETTERS_EMAIL_RETENTION_DAYS == 90
    assert tasks.letters_erase_emails() == 0
    Letter.objects.update(posted_at=timezone.now() - dt.timedelta(days=91))
    assert tasks.letters_erase_emails() == 2
    assert set(Letter.objects.values_list("sender_email", flat=True)) == {""}


def test_the_outbox_forgets_writers_addresses_before_the_letters_do(settings, prisoner):
    make_letter(prisoner, email="kept-too-long@example.org")
    assert Message.objects.filter(to="kept-too-long@example.org").exists()
    assert settings.OUTBOX_KEEP_DAYS < settings.LETTERS_EMAIL_RETENTION_DAYS
    later = timezone.now() + dt.timedelta(days=settings.OUTBOX_KEEP_DAYS + 1)
    assert outbox.outbox_purge(older_than=dt.timedelta(days=settings.OUTBOX_KEEP_DAYS), now=later)
    assert not Message.objects.filter(to="kept-too-long@example.org").exists()


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
    render = outbox.render_to_string

    def recording(template, context):
        seen.append((template.split("/")[1], translation.get_language()))
        return render(template, context)

    monkeypatch.setattr(outbox, "render_to_string", recording)
    return seen


def test_the_confirmation_is_written_in_the_language_the_writer_used_the_site_in(
    client, settings, prisoner, languages_rendered_in
):
    with committed():
        response = client.post(reverse_in("ru", "letters:write", prisoner.slug), letter_data())
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.language_code == "ru"
    assert languages_rendered_in == [("letter_received", "ru"), ("letter_received", "ru")]
    assert Message.objects.get().language == "ru"
    assert mail.outbox[0].to == ["kasia@example.org"]


def test_the_posting_notice_is_written_in_the_writers_language(
    prisoner, facility, moderator, languages_rendered_in
):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    Letter.objects.update(language_code="be")
    for letter in letters:
        letter.refresh_from_db()
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    languages_rendered_in.clear()
    # A moderator working in English posts it.
    with translation.override("en"):
        services.batch_mark_posted(batch=batch, moderator=moderator)
    assert {language for _, language in languages_rendered_in} == {"be"}


def test_letters_written_outside_a_request_are_in_the_default_language(prisoner):
    with translation.override("de"):  # not a language of the site
        assert make_letter(prisoner).language_code == "en"
    with translation.override("be"):
        assert make_letter(prisoner).language_code == "be"


def test_each_request_for_changes_is_e_mailed_once(prisoner, moderator):
    letter = make_letter(prisoner)
    mail.outbox.clear()
    with committed():
        services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter, please.")
    assert [m.subject for m in mail.outbox] == ["Please change your letter to Ales Bialiatski"]
    assert "Shorter, please." in mail.outbox[0].body
    assert f"/letters/{letter.withdraw_token}/edit/" in mail.outbox[0].body
    assert outbox.outbox_sweep() == 0
    assert len(mail.outbox) == 1


def test_the_posting_notice_writes_the_date_as_the_writers_language_does(
    prisoner, facility, moderator, monkeypatch
):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    Letter.objects.filter(pk=letters[0].pk).update(language_code="ru")
    Letter.objects.filter(pk=letters[1].pk).update(language_code="be")
    for letter in letters:
        letter.refresh_from_db()
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    DeliveryBatch.objects.filter(pk=batch.pk).update(
        created_at=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    )
    batch.refresh_from_db()
    mail.outbox.clear()
    posted_at = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: posted_at)
    with committed():
        services.batch_mark_posted(batch=batch, moderator=moderator)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "отправлено 30 ноября 2026" in bodies["w0@example.org"]
    assert "адпраўлены 30 лістапада 2026" in bodies["w1@example.org"]
