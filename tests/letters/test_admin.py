import datetime as dt
import html
import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from campaigns.models import Action
from letters import services
from letters.models import DeliveryBatch, Letter, LetterLog
from letters.pdf import packing_pdf
from prisoners.models import Prisoner
from tests import factories
from tests.factories import committed
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:letters_letter_changelist"


def act(client, action, letters, url=CHANGELIST, **extra):
    return client.post(
        reverse(url),
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in letters], **extra},
        follow=True,
    )


def test_a_moderator_sees_pending_counts_on_the_admin_index(client, moderator, prisoner):
    make_letter(prisoner)
    make_letter(prisoner)
    client.force_login(moderator)
    body = client.get(reverse("admin:index")).text
    assert 'data-pending="submitted">2<' in body
    assert 'data-pending="approved">0<' in body


def test_the_needs_translation_count_covers_letters_sent_back_and_links_to_them(
    client, moderator, prisoner
):
    waiting, sent_back, approved, rejected = (make_letter(prisoner, language="de") for _ in "1234")
    services.letter_request_changes(letter=sent_back, moderator=moderator, note="Shorter.")
    services.letter_approve(letter=approved, moderator=moderator)
    services.letter_reject(letter=rejected, moderator=moderator, reason="spam")
    make_letter(prisoner, language="ru")  # a language the prison reads
    client.force_login(moderator)
    index = client.get(reverse("admin:index")).text
    assert 'data-pending="needs_translation">3<' in index
    link = re.search(r'href="([^"]*needs_translation__exact=1[^"]*)"', index).group(1)
    listed = client.get(html.unescape(link)).context["cl"].result_list
    assert {letter.pk for letter in listed} == {waiting.pk, sent_back.pk, approved.pk}


def test_a_moderator_approves_in_bulk_and_the_campaign_grows(client, moderator, prisoner, campaign):
    letters = [make_letter(prisoner) for _ in range(3)]
    client.force_login(moderator)
    with committed():
        response = act(client, "approve", letters)
    assert "Approved 3 letters." in response.text
    assert set(Letter.objects.values_list("status", "moderated_by")) == {("approved", moderator.pk)}
    campaign.refresh_from_db()
    assert campaign.actions_total == 3
    assert Action.objects.count() == 3


def test_rejecting_asks_for_a_reason_from_a_list_on_an_intermediate_page(
    client, moderator, prisoner
):
    letter = make_letter(prisoner)
    client.force_login(moderator)
    page = act(client, "reject", [letter])
    assert "Reject these" in page.text or "Reject this letter?" in page.text
    assert 'name="reason"' in page.text
    assert Letter.objects.get().status == "submitted"
    response = act(client, "reject", [letter], confirm="1", reason="confiscated", note="Case")
    assert "Rejected 1 letter." in response.text
    letter.refresh_from_db()
    assert (letter.status, letter.reject_reason) == ("rejected", "confiscated")
    assert letter.log.last().note == "The censor would confiscate it: Case"


def test_needs_changes_and_needs_translation_actions(client, moderator, prisoner):
    a, b = make_letter(prisoner), make_letter(prisoner)
    client.force_login(moderator)
    act(client, "request_changes", [a], confirm="1", note="Please leave out the trial.")
    act(client, "mark_needs_translation", [b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "needs_changes"
    assert b.needs_translation and b.status == "submitted"


def test_asking_for_changes_takes_a_note_for_the_writer_on_an_intermediate_page(
    client, moderator, prisoner
):
    letter = make_letter(prisoner, email="writer@example.org")
    mail.outbox.clear()
    client.force_login(moderator)
    page = act(client, "request_changes", [letter])
    assert "Ask the writer of this letter for changes?" in page.text
    assert 'name="note"' in page.text
    page = act(client, "request_changes", [letter], confirm="1", note="")
    assert "This field is required." in page.text
    assert Letter.objects.get().status == "submitted"
    with committed():
        response = act(
            client, "request_changes", [letter], confirm="1", note="Please leave out the trial."
        )
    assert "1 writer asked for changes." in response.text
    letter.refresh_from_db()
    assert (letter.status, letter.changes_note) == ("needs_changes", "Please leave out the trial.")
    [message] = mail.outbox
    assert message.to == ["writer@example.org"]
    assert "Please leave out the trial." in message.body
    assert reverse("letters:edit", kwargs={"token": letter.withdraw_token}) in message.body
    change_page = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).text
    assert "Please leave out the trial." in change_page


def test_an_action_that_does_not_apply_says_how_many_were_left(client, moderator, prisoner):
    letter = make_letter(prisoner)
    services.letter_reject(letter=letter, moderator=moderator, reason="spam")
    client.force_login(moderator)
    response = act(client, "approve", [letter])
    assert "1 was not in a state to take this decision and was left as it was." in response.text
    letter.refresh_from_db()
    assert letter.status == "rejected"


def test_the_letter_text_is_shown_escaped_and_the_translation_is_editable(
    client, moderator, prisoner
):
    letter = make_letter(prisoner, body="<script>alert('x')</script> Hello & welcome")
    client.force_login(moderator)
    url = reverse("admin:letters_letter_change", args=[letter.pk])
    body = client.get(url).text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Hello &amp; welcome" in body
    assert "<script>alert" not in body
    response = client.post(
        url,
        {
            "translation": "Привет",
            "needs_translation": "",
            "log-TOTAL_FORMS": "1",
            "log-INITIAL_FORMS": "1",
        },
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.translation == "Привет"
    assert letter.status == "submitted"
    assert letter.log.last().actor == moderator


def change(client, letter, **data):
    return client.post(
        reverse("admin:letters_letter_change", args=[letter.pk]),
        {"log-TOTAL_FORMS": "0", "log-INITIAL_FORMS": "0", "translation": "", **data},
    )


def test_a_moderator_unticks_and_ticks_needs_translation_and_both_are_saved_and_logged(
    client, moderator, prisoner
):
    letter = make_letter(prisoner, language="de")
    assert letter.needs_translation
    client.force_login(moderator)
    assert change(client, letter, needs_translation="").status_code == 302
    letter.refresh_from_db()
    assert not letter.needs_translation
    assert (letter.log.last().action, letter.log.last().actor) == (
        "translation_not_needed",
        moderator,
    )
    assert change(client, letter, needs_translation="on").status_code == 302
    letter.refresh_from_db()
    assert letter.needs_translation
    assert letter.log.last().action == "needs_translation"
    assert letter.log.count() == 3


def test_the_audit_log_shows_what_happened_in_words_not_codes(client, moderator, prisoner):
    letter = make_letter(prisoner)
    services.letter_translation_save(letter=letter, moderator=moderator, translation="Привет")
    services.letter_request_changes(letter=letter, moderator=moderator, note="Shorter.")
    client.force_login(moderator)
    page = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).text
    log = page[page.index('id="log-group"') :]
    for words in ("Translation saved", "Changes asked for", "Needs changes"):
        assert words in log
    for code in ("translation_saved", "needs_changes"):
        assert f">{code}<" not in log
    assert str(letter.log.last()).endswith("Changes asked for")


def test_the_log_names_the_batch_in_the_readers_language(client, moderator, prisoner, facility):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    client.force_login(moderator)
    client.cookies["django_language"] = "be"
    page = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).text
    log = page[page.index('id="log-group"') :]
    assert log.count(f"Партыя {batch.pk}") == 2  # printed in it, posted in it
    assert f"batch {batch.pk}" not in log.lower()


def test_the_migration_turns_old_batch_notes_into_references(prisoner, facility, moderator):
    migration = importlib.import_module("letters.migrations.0009_log_batch_reference")
    letter = make_letter(prisoner)
    batch = DeliveryBatch.objects.create(facility=facility, created_by=moderator)
    old = LetterLog.objects.create(letter=letter, action="printed", note=f"batch {batch.pk}")
    kept = LetterLog.objects.create(letter=letter, action="rejected", note="batch of spam")
    migration.notes_to_references(django_apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.batch_id, old.note) == (batch.pk, "")
    assert (kept.batch_id, kept.note) == (None, "batch of spam")


def test_the_migration_turns_old_log_words_into_codes(prisoner):
    migration = importlib.import_module("letters.migrations.0005_letterlog_action_codes")
    letter = make_letter(prisoner)
    for words in ("needs changes", "translation saved", "reply received"):
        LetterLog.objects.create(letter=letter, action=words)
    migration.words_to_codes(django_apps, None)
    assert list(letter.log.values_list("action", flat=True)) == [
        "submitted",
        "needs_changes",
        "translation_saved",
        "reply_received",
    ]


def test_a_moderator_sees_the_writers_e_mail_and_can_search_it(client, moderator, prisoner):
    letter = make_letter(prisoner, email="private.writer@example.org")
    client.force_login(moderator)
    assert (
        "private.writer@example.org"
        in client.get(reverse("admin:letters_letter_change", args=[letter.pk])).text
    )
    found = client.get(reverse(CHANGELIST), {"q": "private.writer"})
    assert found.context["cl"].result_count == 1


@pytest.mark.parametrize(
    "query",
    [
        "status__exact=submitted",
        "language__exact=be",
        "country=PL",
        "kind__exact=letter",
        "facility=FACILITY",
        "prisoner__id__exact=PRISONER",
        "campaign__id__exact=CAMPAIGN",
        "created_at__year=YEAR",
    ],
)
def test_the_list_filters_work(client, moderator, prisoner, facility, campaign, query):
    make_letter(prisoner, campaign=campaign)
    client.force_login(moderator)
    query = (
        query.replace("FACILITY", str(facility.pk))
        .replace("PRISONER", str(prisoner.pk))
        .replace("CAMPAIGN", str(campaign.pk))
        .replace("YEAR", str(timezone.now().year))
    )
    response = client.get(reverse(CHANGELIST) + "?" + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_a_batch_refuses_mixed_facilities_with_a_clear_message(client, moderator, prisoner):
    elsewhere = factories.make_prisoner(facility=factories.make_facility(name="IK-17"))
    letters = [make_letter(prisoner), make_letter(elsewhere)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    client.force_login(moderator)
    response = act(client, "make_batch", letters)
    assert "go to 2 different facilities" in response.text
    assert DeliveryBatch.objects.count() == 0


def test_the_whole_delivery_makes_a_printable_pdf_and_e_mails_writers_once(
    client, moderator, prisoner, facility
):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    services.letter_translation_save(
        letter=letters[0], moderator=moderator, translation="Дарагі Алесь, вітаем з Кракава."
    )
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    client.force_login(moderator)
    response = act(client, "make_batch", letters)
    batch = DeliveryBatch.objects.get()
    assert f"Batch {batch.pk} made with 2 letters" in response.text
    assert set(Letter.objects.values_list("status", flat=True)) == {"printed"}

    pdf = client.get(reverse("admin:letters_deliverybatch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 2  # one page per letter, and nothing else
    packing = client.get(reverse("admin:letters_deliverybatch_packing", args=[batch.pk]))
    cover = PdfReader(io.BytesIO(packing.content)).pages[0].extract_text()
    assert "2 letters in this batch" in cover
    first = reader.pages[0].extract_text()
    # The address goes on the envelope's label, not on the letter.
    assert "ул. Володарского, 2" not in first
    labels = client.get(reverse("admin:letters_deliverybatch_labels", args=[batch.pk]))
    label_text = PdfReader(io.BytesIO(labels.content)).pages[0].extract_text()
    assert "ул. Володарского, 2" in label_text
    assert "Бяляцкі Алесь" in label_text
    assert "Дарагі Алесь, вітаем з Кракава." in first
    assert "the lime trees" not in first  # make_letter's own text
    assert "Greetings from far away" in first

    mail.outbox.clear()
    with committed():
        act(client, "mark_posted", [batch], url="admin:letters_deliverybatch_changelist")
    assert sorted(m.to[0] for m in mail.outbox) == ["w0@example.org", "w1@example.org"]
    assert set(Letter.objects.values_list("status", flat=True)) == {"posted"}
    with committed():
        response = act(client, "mark_posted", [batch], url="admin:letters_deliverybatch_changelist")
    assert "already marked posted" in response.text
    assert len(mail.outbox) == 2


def test_the_cover_of_a_one_letter_batch_says_one_letter(prisoner, facility, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    cover = PdfReader(io.BytesIO(packing_pdf(batch=batch))).pages[0].extract_text()
    assert "1 letter in this batch" in cover
    assert "1 letters" not in cover


def test_a_missing_font_is_a_clear_message_not_a_broken_pdf(
    client, settings, moderator, prisoner, facility
):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    settings.LETTERS_PDF_FONT = "/nowhere/DejaVuSans.ttf"
    client.force_login(moderator)
    response = client.get(reverse("admin:letters_deliverybatch_pdf", args=[batch.pk]), follow=True)
    assert "The font for printed letters is missing" in response.text
    assert "fonts-dejavu-core" in response.text


def test_a_moderator_cannot_edit_prisoners_or_campaigns(client, moderator, prisoner, campaign):
    client.force_login(moderator)
    url = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": "Changed", "slug": prisoner.slug, "status": "released"})
    assert response.status_code == 403
    prisoner.refresh_from_db()
    assert prisoner.name == "Ales Bialiatski"
    assert client.get(reverse("admin:prisoners_prisoner_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:campaigns_campaign_change", args=[campaign.pk]), {"title": "x"}
        ).status_code
        == 403
    )
    assert not moderator.has_perm("prisoners.change_prisoner")
    assert not moderator.has_perm("campaigns.change_campaign")
    assert not moderator.has_perm("letters.delete_letter")


def test_a_staff_member_outside_moderators_cannot_moderate(client, prisoner):
    staff = factories.make_user(email="staff@example.org", is_staff=True)
    letter = make_letter(prisoner)
    client.force_login(staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert (
        client.post(
            reverse(CHANGELIST), {"action": "approve", ACTION_CHECKBOX_NAME: [letter.pk]}
        ).status_code
        == 403
    )
    assert Letter.objects.get().status == "submitted"


def test_the_changelist_query_count_is_constant(
    client, moderator, prisoner, django_assert_max_num_queries
):
    for _ in range(3):
        make_letter(prisoner)
    client.force_login(moderator)
    with django_assert_max_num_queries(40) as small:
        client.get(reverse(CHANGELIST))
    for _ in range(20):
        make_letter(factories.make_prisoner(facility=prisoner.imprisonments.get().facility))
    with django_assert_max_num_queries(40) as large:
        client.get(reverse(CHANGELIST))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert Prisoner.objects.count() == 21


def test_the_cover_is_in_the_moderators_language_with_its_dates(prisoner, facility, moderator):
    letters = [make_letter(prisoner) for _ in range(5)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    DeliveryBatch.objects.filter(pk=batch.pk).update(
        created_at=dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    )
    batch.refresh_from_db()
    with translation.override("ru"):
        cover = PdfReader(io.BytesIO(packing_pdf(batch=batch))).pages[0].extract_text()
    assert "5 писем в этой партии" in cover
    assert "Собрано 30 ноября 2026" in cover
