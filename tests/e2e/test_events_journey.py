"""An activist logs an event, a moderator publishes it, a visitor finds it."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from events.models import Event
from tests import factories
from tests.events.conftest import assert_no_metadata, jpeg_with_metadata

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_activist_logs_an_event_a_moderator_publishes_it_a_visitor_finds_it(
    live_server, page, shoot, third_party_requests
):
    moderator = factories.make_user(
        email="moderator@example.org", password="moderator passphrase 1", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))

    # 1. An activist signs up and confirms the address.
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("activist@example.org")
    page.get_by_label("Password:", exact=True).fill("a long passphrase 42")
    page.get_by_label("Password (again)").fill("a long passphrase 42")
    shoot("1-signup")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Confirm").click()
    shoot("2-confirmed")

    # 2. The activist logs an event, placing it by clicking the map.
    page.goto(live_server.url + "/events/new/")
    page.get_by_label("Kind").select_option(label="Rally or picket")
    page.get_by_label("Title").fill("Candles for the prisoners in Kaunas")
    page.get_by_label("Time zone").select_option("Europe/Vilnius")
    # Half past midnight in Kaunas: still 21 May in UTC, 22 May for everyone there.
    page.get_by_label("Starts").fill("2024-05-22T00:30")
    page.get_by_label("Ends").fill("2024-05-22T02:00")
    page.get_by_label("Country").select_option(label="Lithuania")
    page.get_by_label("City").fill("Kaunas")
    page.get_by_label("Organiser as shown publicly").fill("Belarusians of Kaunas")
    page.get_by_label("Private contact").fill("CANARY-e2e-contact@example.org")
    expect(page.locator("#event-map.ready")).to_be_visible()
    page.wait_for_timeout(500)  # the map fits Lithuania
    box = page.locator("#event-map").bounding_box()
    page.locator("#event-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())
    assert 53.9 < latitude < 56.5 and 20.9 < longitude < 26.9
    page.locator("#id_photos").set_input_files(
        {"name": "gps.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_metadata((640, 480))}
    )
    page.get_by_label("Photo credit").fill("A friend")
    shoot("3-event-form")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    shoot("4-my-events")
    event = Event.objects.get()
    assert event.status == Event.Status.SUBMITTED

    # 3. A moderator publishes it in the admin.
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("moderator@example.org")
    page.get_by_label("Password:", exact=True).fill("moderator passphrase 1")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_placeholder("Code").fill(factories.totp_code(moderator))
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + "/admin/events/event/")
    expect(page.get_by_text("1 waiting for review")).to_be_visible()
    page.get_by_role("row", name=re.compile("Candles for the prisoners")).get_by_role(
        "checkbox"
    ).check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 event published.")).to_be_visible()
    shoot("5-admin-published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert any("Published" in m.subject for m in mail.outbox)

    # 4. A visitor finds it with the country filter and on the map.
    page.context.clear_cookies()
    page.goto(live_server.url + "/events/")
    page.get_by_label("Country").select_option(label="Lithuania")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Candles for the prisoners in Kaunas")).to_be_visible()
    expect(page.locator("#event-map[data-loaded='1']")).to_be_attached()
    page.locator(".leaflet-marker-icon").first.click()
    expect(page.locator(".leaflet-popup")).to_contain_text("Kaunas · 22 May 2024, 00:30")
    expect(page.locator(".event-card")).to_contain_text("22 May 2024")
    shoot("6-visitor-list-map")
    page.locator(".leaflet-popup").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Candles for the prisoners in Kaunas")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    # Named by the event, not Leaflet's English "Marker".
    expect(page.locator("img.leaflet-marker-icon")).to_have_attribute(
        "alt", "Candles for the prisoners in Kaunas"
    )
    photo = page.locator(".photo-grid img").first
    expect(photo).to_be_visible()
    shoot("7-visitor-detail")
    assert "CANARY-e2e-contact" not in page.content()
    for src in [
        photo.get_attribute("src"),
        page.locator(".photo-grid a").first.get_attribute("href"),
    ]:
        served = page.request.get(live_server.url + src)
        assert served.ok
        assert_no_metadata(served.body())

    assert third_party_requests == []
