"""A visitor's first look: home → a prisoner's profile → a campaign."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_goes_from_home_to_a_profile_to_a_campaign(
    live_server, page, shoot, third_party_requests
):
    facility = factories.make_facility(name="SIZA-1")
    prisoner = factories.make_prisoner(
        name="Ales Bialiatski",
        name_original="Алесь Бяляцкі",
        slug="ales-bialiatski",
        facility=facility,
        birthday_month=9,
        birthday_day=25,
        letter_languages="be,ru",
    )
    factories.make_case_event(prisoner, text="Detained in Minsk.")
    campaign = factories.make_campaign(
        title="Write for Rights 2012", goal=100_000, prisoners=[prisoner]
    )
    factories.make_report(campaign, country="PL", quantity=30_000)
    factories.make_report(campaign, country="JP", quantity=7_000)

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Write for Rights 2012")).to_be_visible()
    expect(page.locator('[data-counter="total"]').first).to_have_text("37,000")
    shoot("1-home")

    page.get_by_role("link", name="Prisoners").click()
    page.get_by_role("link", name="Ales Bialiatski", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ales Bialiatski")
    expect(page.get_by_text("220030 Minsk")).to_be_visible()
    expect(page.get_by_text("Detained in Minsk.")).to_be_visible()
    shoot("2-profile")

    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Write for Rights 2012").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write for Rights 2012")
    expect(page.get_by_role("row", name="Poland")).to_contain_text("30,000")
    expect(page.get_by_text("37% of the goal")).to_be_visible()
    shoot("3-campaign")

    assert third_party_requests == []
