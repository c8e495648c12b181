"""The solidarity map in Chromium: it colours exactly the countries that acted."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIGURES = {"PL": 30_000, "DE": 1_200, "JP": 7_000, "BR": 40, "MT": 818, "BM": 5}
NOT_DRAWN = {"MT", "BM"}  # too small for the 110m shapes


def table_rows(page) -> dict[str, int]:
    return page.eval_on_selector_all(
        "table.country-table tbody tr",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.country,"
        " +r.querySelector('[data-total]').textContent.replace(/,/g, '')]))",
    )


def test_the_map_colours_exactly_the_countries_with_actions(
    live_server, page, browser, shoot, third_party_requests
):
    campaign = factories.make_campaign(title="Write for Rights 2012", goal=100_000)
    for code, quantity in FIGURES.items():
        factories.make_report(campaign, country=code, quantity=quantity)

    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    coloured = page.eval_on_selector_all(
        "path[data-code]",
        "els => Object.fromEntries(els.filter(e => +e.dataset.count > 0)"
        ".map(e => [e.dataset.code, +e.dataset.count]))",
    )
    rows = table_rows(page)
    assert rows == FIGURES
    assert coloured == {c: n for c, n in rows.items() if c not in NOT_DRAWN}
    fills = page.eval_on_selector_all(
        "path[data-code]",
        "els => Object.fromEntries(els.map(e => [e.dataset.code, e.getAttribute('fill')]))",
    )
    assert fills["PL"] != fills["FR"] and fills["FR"] == fills["CN"]
    expect(page.get_by_text("Too small to draw at this scale")).to_contain_text("Malta")
    expect(page.locator('[data-counter="total"]')).to_have_text("39,063")

    page.locator('path[data-code="PL"]').hover()
    expect(page.locator(".map-tooltip")).to_contain_text("Poland")
    expect(page.locator(".map-tooltip")).to_contain_text("30,000")
    page.locator(".map-figure").scroll_into_view_if_needed()
    shoot("1-map")
    assert third_party_requests == []

    # Without JavaScript the table is the map's accessible form, with the same figures.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(live_server.url + campaign.get_absolute_url())
    assert table_rows(plain) == FIGURES
    expect(plain.get_by_role("row", name="Malta")).to_contain_text("818")
    context.close()


def test_the_world_map_shows_every_campaign_and_tolerates_no_events(
    live_server, page, shoot, third_party_requests
):
    a = factories.make_campaign(title="Marathon")
    b = factories.make_campaign(title="Day of solidarity")
    factories.make_report(a, country="LT", quantity=300)
    factories.make_report(b, country="LT", kind="participant", quantity=50)
    factories.make_report(b, country="GE", kind="event", quantity=2)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Map", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The solidarity map")
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    expect(page.locator('path[data-code="LT"]')).to_have_attribute("data-count", "350")
    expect(page.locator('path[data-code="GE"]')).to_have_attribute("data-count", "2")
    expect(page.locator('[data-counter="events"]')).to_have_text("2")
    shoot("1-world")
    assert third_party_requests == []


def test_event_markers_gather_into_clusters(live_server, page, shoot):
    import json

    campaign = factories.make_campaign(title="Day of solidarity")
    factories.make_report(campaign, country="LT", kind="event", quantity=31)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [25.28 + i * 0.01, 54.69]},
            "properties": {
                "id": i,
                "title": f"Vigil {i}",
                "kind": "vigil",
                "kind_label": "Vigil",
                "starts_at": "2026-05-21T18:00:00Z",
                "city": "Vilnius",
                "country": "LT",
                "url": f"/events/{i}/",
            },
        }
        for i in range(30)
    ]
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [139.69, 35.68]},
            "properties": {
                "id": 99,
                "title": "Letters <b>evening</b>",
                "kind": "letters",
                "kind_label": "Letter writing",
                "starts_at": "2026-05-21T10:00:00Z",
                "city": "Tokyo",
                "country": "JP",
                "url": "/events/99/",
            },
        }
    )
    requested = []

    def serve(route):
        requested.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="application/geo+json",
            body=json.dumps({"type": "FeatureCollection", "features": features}),
        )

    page.route("**/api/events.geojson*", serve)
    page.goto(live_server.url + campaign.get_absolute_url())
    cluster = page.locator(".event-cluster")
    expect(cluster).to_have_text("30")
    expect(page.locator("path.event-marker")).to_have_count(1)
    assert requested and requested[0].endswith(f"/api/events.geojson?campaign={campaign.slug}")
    page.locator("path.event-marker").click(force=True)
    expect(page.get_by_role("link", name="Letters <b>evening</b>")).to_be_visible()
    page.locator(".map-figure").scroll_into_view_if_needed()
    shoot("1-events")
    # Clicking a cluster zooms in until its events stand apart.
    for _ in range(4):
        if page.locator(".event-cluster").count() == 0:
            break
        page.locator(".event-cluster").first.click()
        page.wait_for_timeout(400)
    expect(page.locator("path.event-marker")).to_have_count(31)  # Tokyo is off-screen
    shoot("2-events-zoomed")
