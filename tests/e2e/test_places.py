"""A person picks a town by its name; the event's page names it on a map."""

import pytest
from playwright.sync_api import expect

from events.models import Event
from tests import factories
from tests.events.conftest import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_labels_apart(page, at_least=3):  # the marker's own name counts
    """Town names are shown, and none sits on another (each a readable word)."""
    boxes = page.eval_on_selector_all(
        ".place-label",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom]; })",
    )
    assert len(boxes) >= at_least, boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            # A pixel of slack: labels may touch, never cover each other.
            apart = a[3] <= b[1] + 1 or b[3] <= a[1] + 1 or a[4] <= b[2] + 1 or b[4] <= a[2] + 1
            assert apart, (a, b)


def test_typing_a_town_offers_matches_and_places_the_point(
    live_server, page, shoot, third_party_requests
):
    factories.make_user(email="activist@example.org", password="a long passphrase 42")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("activist@example.org")
    page.get_by_label("Password:", exact=True).fill("a long passphrase 42")
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + "/events/new/")
    expect(page.locator("#event-map.ready")).to_be_visible()
    page.get_by_label("Country").select_option(label="Belgium")
    city = page.get_by_label("City")
    city.press_sequentially("Bru", delay=30)
    expect(page.locator("#event-map[data-offered]")).to_be_attached()
    offered = page.eval_on_selector_all("#city-places option", "os => os.map(o => o.value)")
    assert offered[:2] == ["Brussels", "Brugge"]
    # Choosing "Brussels" from the list sets the field's value, as typing it does.
    city.fill("Brussels")
    expect(page.get_by_label("Latitude")).to_have_value("50.85000")
    expect(page.get_by_label("Longitude")).to_have_value("4.34900")
    # The marker carries the town's name; the towns around it are named too.
    expect(page.locator(".place-label-main")).to_have_text("Brussels")
    expect(page.locator(".place-label", has_text="Leuven")).to_be_visible()
    assert_labels_apart(page)
    page.locator("#event-map").scroll_into_view_if_needed()
    shoot("1-brussels-picked")
    assert third_party_requests == []


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_event_page_names_the_town_at_a_zoom_that_keeps_outlines_smooth(
    live_server, page, shoot, width, height
):
    organiser = factories.make_user(email="organiser@example.org")
    event = make_event(
        organiser,
        title="Letters evening in Brussels",
        city="Brussels",
        country="BE",
        latitude="50.85000",
        longitude="4.34900",
        timezone_name="Europe/Brussels",
        status=Event.Status.PUBLISHED,
    )
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + event.get_absolute_url())
    expect(page.locator("#event-map.ready")).to_be_visible()
    expect(page.locator(".place-label-main")).to_have_text("Brussels")
    expect(page.locator("#event-map[data-labels]")).to_be_attached()
    assert_labels_apart(page)
    # Zoom 6 at most: the 1:110m outline is still smooth there.
    expect(page.get_by_role("button", name="Zoom in")).to_have_class(
        "leaflet-control-zoom-in leaflet-disabled"
    )
    page.locator("#event-map").scroll_into_view_if_needed()
    shoot(f"{width}-event-page")
