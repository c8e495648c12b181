"""On the demo's running campaign, a visitor writes the appeal to the
Belarusian Interior Ministry, confirms it from the e-mail and sees it counted."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from pages import demo, demo_running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_appeals_to_the_interior_ministry_and_sees_it_counted(
    live_server, page, shoot, third_party_requests
):
    demo.seed_prisoners()
    campaign = demo_running.seed_running_campaign()

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Letters for political prisoners").first.click()
    expect(page.get_by_role("heading", name="Appeal to officials")).to_be_visible()
    expect(
        page.get_by_text("Ministry of Internal Affairs of the Republic of Belarus")
    ).to_be_visible()
    expect(page.get_by_role("row", name="Poland")).to_contain_text("51")
    page.get_by_role("link", name="Send this appeal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send the appeal")

    # Bad input first: the error sits next to the field, the text stays.
    page.get_by_label("Your name").fill("Kasia")
    page.get_by_label("Country").select_option("PL")
    page.get_by_label("E-mail").fill("kasia@")
    page.get_by_label("Your own paragraph (optional)").fill("Greetings from Warsaw.")
    page.get_by_role("button", name="Send my appeal").click()
    # Next to the field (the summary at the top links to it with its label).
    expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
    expect(page.get_by_role("link", name="E-mail: Enter a valid email address.")).to_be_visible()
    expect(page.get_by_label("Your own paragraph (optional)")).to_have_value(
        "Greetings from Warsaw."
    )
    shoot("1-bad-email")
    page.get_by_label("E-mail").fill("kasia@example.org")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("We sent you an e-mail")).to_be_visible()

    link = re.search(r"http://\S+(/campaigns/\S+/appeal/confirm/\S+/)", mail.outbox[-1].body)
    page.goto(live_server.url + link.group(1))
    page.get_by_role("button", name="Confirm my appeal").click()
    expect(page.get_by_text("Your appeal is confirmed and counted")).to_be_visible()
    # Poland had 42 letters and 9 appeals in the demo's history: one more appeal.
    expect(page.get_by_role("row", name="Poland")).to_contain_text("10")
    expect(page.get_by_role("row", name="Poland")).to_contain_text("52")
    shoot("2-counted")
    data = page.request.get(f"{live_server.url}/api/campaigns/{campaign.slug}/tally/").json()
    poland = next(row for row in data["countries"] if row["code"] == "PL")
    assert poland["by_kind"]["appeal"] == 10
    assert third_party_requests == []
