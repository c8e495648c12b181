"""A letter's whole life: a visitor writes to Ales Bialiatski from his profile,
a moderator approves it, makes and downloads the batch, marks it posted.

Bialiatski is set up here as he was during the 2012 marathon: in prison,
in SIZA-1 in Minsk (the demo data has him released, as he is today)."""

import io
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from letters import services
from letters.models import Letter
from tests import factories
from tests.letters.conftest import moderators_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_letter_goes_from_a_visitor_through_moderation_into_the_post(
    live_server, page, shoot, third_party_requests
):
    facility = factories.make_facility(
        name="SIZA-1",
        address="2 Valadarski St\n220030 Minsk\nBelarus",
        address_original="ул. Володарского, 2\n220030 г. Минск\nБеларусь",
    )
    prisoner = factories.make_prisoner(
        name="Ales Bialiatski",
        name_original="Алесь Бяляцкі",
        slug="ales-bialiatski",
        facility=facility,
        letter_languages="be,ru,en",
    )
    campaign = factories.make_campaign(title="Write for Rights 2012", prisoners=[prisoner])
    moderator = factories.make_user(email="moderator@example.org", is_staff=True)
    moderator.groups.add(moderators_group())

    # A visitor writes from the profile.
    page.goto(live_server.url + prisoner.get_absolute_url())
    page.get_by_role("link", name="Write a letter or postcard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write to Ales Bialiatski")
    expect(page.get_by_text("Belarusian, Russian, English")).to_be_visible()
    page.get_by_label("Language of your letter").select_option("en")
    page.get_by_label("Your letter", exact=True).fill(
        "Dear Ales, greetings from Warsaw. Spring is early this year and the Vistula is high. "
        "We wish you health and strength."
    )
    page.get_by_label("Sign with").fill("Kasia")
    page.get_by_label("Your country").select_option("PL")
    page.get_by_label("Your e-mail").fill("kasia@example.org")
    # Bad input first: no consent gives a clear message and keeps the text.
    page.get_by_role("button", name="Send the letter").click()
    # Next to the box, and in the summary at the top, which links to it.
    expect(page.locator(".field-error", has_text="Please tick this box")).to_be_visible()
    expect(page.locator(".error-summary a[href='#id_consent']")).to_be_visible()
    expect(page.get_by_label("Your letter", exact=True)).to_have_value(
        "Dear Ales, greetings from Warsaw. Spring is early this year and the Vistula is high. "
        "We wish you health and strength."
    )
    expect(page.get_by_label("Your country")).to_have_value("PL")
    page.get_by_label("I agree").check()
    shoot("1-writing")
    page.get_by_role("button", name="Send the letter").click()
    expect(page.get_by_role("heading", name="Thank you for your letter")).to_be_visible()
    shoot("2-sent")
    assert [m.to for m in mail.outbox] == [["kasia@example.org"]]
    assert third_party_requests == []

    # A moderator signs in and approves it.
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("moderator@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_placeholder("Code").fill(factories.totp_code(moderator))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator('[data-pending="submitted"]')).to_have_text("1")
    shoot("3-admin-index")
    page.get_by_role("link", name="To moderate").click()
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 letter.")).to_be_visible()
    shoot("4-approved")

    # The campaign's total grew by one.
    assert Letter.objects.get().status == "approved"
    campaign.refresh_from_db()
    assert campaign.actions_total == 1

    # She makes the batch and downloads it.
    page.goto(live_server.url + "/admin/letters/letter/?status__exact=approved")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("make_batch")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("made with 1 letter for SIZA-1")).to_be_visible()
    shoot("5-batch")
    with page.expect_download() as download:
        page.get_by_role("link", name="Print letters (PDF)").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    (letter_page,) = pdf.pages  # the letter alone: the packing sheet is its own PDF
    text = letter_page.extract_text()
    assert "greetings from Warsaw" in text
    assert "— Kasia" in text
    assert "ул. Володарского, 2" not in text  # the address is on the label
    with page.expect_download() as download:
        page.get_by_role("link", name="Address labels (PDF)").click()
    labels = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "ул. Володарского, 2" in labels.pages[0].extract_text()

    # Posted, from the batch page: it asks first. The writer hears about it.
    page.get_by_role("link", name="Mark posted…").click()
    expect(page.get_by_text("1 printed letter becomes posted")).to_be_visible()
    page.get_by_role("button", name="Yes, mark posted").click()
    expect(page.get_by_text("1 letter posted, its writer will be e-mailed")).to_be_visible()
    shoot("6-posted")
    assert Letter.objects.get().status == "posted"
    assert len(mail.outbox) == 2
    assert "is in the post" in mail.outbox[1].subject

    page.goto(live_server.url + prisoner.get_absolute_url())
    expect(page.locator("[data-letters-sent]")).to_contain_text("1")
    shoot("7-profile")
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator('[data-counter="total"]').first).to_have_text("1")
    shoot("8-campaign")


def test_a_moderator_asks_for_changes_and_the_writer_sends_the_letter_again(
    live_server, page, shoot, settings, third_party_requests
):
    settings.SITE_URL = live_server.url
    prisoner = factories.make_prisoner(name="Ales Bialiatski", slug="ales-bialiatski")
    moderator = factories.make_user(email="moderator@example.org", is_staff=True)
    moderator.groups.add(moderators_group())
    services.letter_submit(
        prisoner=prisoner,
        kind="letter",
        body="Dear Ales, the verdict in your trial was a disgrace. Stay strong.",
        language="en",
        sender_name="Kasia",
        sender_email="kasia@example.org",
        country="PL",
    )
    mail.outbox.clear()

    # The moderator sends it back with a note.
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("moderator@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_placeholder("Code").fill(factories.totp_code(moderator))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="To moderate").click()
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("request_changes")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("What should the writer change?").fill(
        "The censor takes out letters about the trial. Could you write about everyday life?"
    )
    shoot("1-note")
    page.get_by_role("button", name="Ask for changes").click()
    expect(page.get_by_text("1 writer asked for changes.")).to_be_visible()

    # The writer follows the link in the e-mail.
    [message] = mail.outbox
    assert "Could you write about everyday life?" in message.body
    [link] = [line for line in message.body.splitlines() if "/edit/" in line]
    page.goto(link)
    expect(page.get_by_text("Could you write about everyday life?")).to_be_visible()
    letter_box = page.get_by_label("Your letter", exact=True)
    expect(letter_box).to_have_value(
        "Dear Ales, the verdict in your trial was a disgrace. Stay strong."
    )
    letter_box.fill("Dear Ales, the storks are back on the church roof in our village.")
    shoot("2-editing")
    page.get_by_role("button", name="Send the changed letter").click()
    expect(page.get_by_text("Your changed letter is back with our volunteers")).to_be_visible()
    shoot("3-sent-again")
    letter = Letter.objects.get()
    assert (letter.status, letter.body) == (
        "submitted",
        "Dear Ales, the storks are back on the church roof in our village.",
    )

    # Back in the moderators' queue.
    page.goto(live_server.url + "/admin/")
    expect(page.locator('[data-pending="submitted"]')).to_have_text("1")
    assert third_party_requests == []
