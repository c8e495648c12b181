"""The solidarity map in Chromium: it colours exactly the countries that acted."""

import json

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIGURES = {"PL": 30_000, "DE": 1_200, "JP": 7_000, "BR": 40, "MT": 818, "BM": 5}
NOT_DRAWN = {"MT", "BM"}  # too small for the 110m shapes: circles at their centre


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
    assert coloured == rows
    # Malta and Bermuda, too small for the shapes, are circles at their centre.
    assert sorted(
        page.eval_on_selector_all("path.small-place", "els => els.map(e => e.dataset.code)")
    ) == sorted(NOT_DRAWN)
    fills = page.eval_on_selector_all(
        "path[data-code]",
        "els => Object.fromEntries(els.map(e => [e.dataset.code, e.getAttribute('fill')]))",
    )
    assert fills["PL"] != fills["FR"] and fills["FR"] == fills["CN"]
    expect(page.locator('[data-counter="total"]')).to_have_text("39,063")

    page.locator('path[data-code="PL"]').hover()
    expect(page.locator(".map-tooltip")).to_contain_text("Poland")
    expect(page.locator(".map-tooltip")).to_contain_text("30,000")
    page.mouse.move(0, 0)
    expect(page.locator(".map-tooltip")).to_have_count(0)
    # The map opens on Poland and Germany; zoom out to reach Malta.
    for _ in range(3):
        page.get_by_role("button", name="Zoom out").click()
        page.wait_for_timeout(300)
    page.locator('path.small-place[data-code="MT"]').hover()
    expect(page.locator(".map-tooltip")).to_contain_text("Malta")
    expect(page.locator(".map-tooltip")).to_contain_text("818")
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
    # The map opens on Lithuania, where the actions are; Tokyo is four zooms out.
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    for _ in range(4):
        page.get_by_role("button", name="Zoom out").click()
        page.wait_for_timeout(300)
    page.locator("path.event-marker").click()
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


def _view(page) -> list[float]:
    return [float(v) for v in page.locator("#solidarity-map").get_attribute("data-view").split(",")]


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_marathon_opens_on_europe_with_a_legend_of_used_classes(
    live_server, page, shoot, third_party_requests, width, height
):
    from pages import demo

    prisoners = demo.seed_prisoners()
    campaign = demo.seed_campaigns(prisoners)["letter-marathon-2012"]
    with factories.committed():
        demo.seed_marathon_reports(campaign)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()

    # Europe fills the view: from Ireland and Portugal to Finland and Ukraine,
    # not from Canada to Japan.
    west, south, east, north = _view(page)
    assert west <= -8 and east >= 30 and south <= 38 and north >= 60
    assert east - west < 250, (west, east)
    # Poland, the largest country, is not covered by anything drawn above it.
    box = page.locator('path[data-code="PL"]').bounding_box()
    top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).dataset.code",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert top == "PL"

    # The legend: only classes some country falls in, each with its range.
    counts = [
        int(n)
        for n in page.eval_on_selector_all(
            "path[data-code]", "els => els.map(e => e.dataset.count)"
        )
        if int(n) > 0
    ]
    legend = page.eval_on_selector_all(
        "[data-class-min]", "els => els.map(e => [+e.dataset.classMin, +e.dataset.classMax])"
    )
    assert legend and all(any(lo <= n <= hi for n in counts) for lo, hi in legend)
    assert all(any(lo <= n <= hi for lo, hi in legend) for n in counts)
    expect(page.locator(".map-legend")).to_contain_text("4,091–24,561")

    # One bar per day of the campaign, 7 Dec 2012 to 7 Mar 2013, dates that differ.
    assert page.locator("svg.day-chart rect[data-day]").count() == 91
    ticks = page.locator("svg.day-chart text.tick").all_text_contents()
    assert ticks[0] == "7 December 2012" and len(set(ticks)) == len(ticks) >= 4
    page.locator(".map-figure").scroll_into_view_if_needed()
    shoot(f"{width}-marathon")
    assert third_party_requests == []


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_world_map_opens_on_the_actions_and_events_can_be_hidden(
    live_server, page, shoot, width, height
):
    campaign = factories.make_campaign(title="Day of solidarity")
    for code, n in {"PL": 400, "LT": 300, "DE": 120, "BE": 60, "MT": 20, "US": 3}.items():
        factories.make_report(campaign, country=code, quantity=n)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": i, "title": f"Vigil {i}", "kind_label": "Vigil", "url": "/"},
        }
        for i, (lon, lat) in enumerate(
            [(21.01, 52.23), (21.02, 52.24), (21.0, 52.2), (25.28, 54.69), (4.35, 50.85)]
        )
    ]
    page.route(
        "**/api/events.geojson*",
        lambda route: route.fulfill(
            status=200,
            content_type="application/geo+json",
            body=json.dumps({"type": "FeatureCollection", "features": features}),
        ),
    )

    # The map's figures may carry a link pattern for country pages: every
    # country's popup then links to its page.
    def with_country_pages(route):
        html = route.fetch().text()
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=html.replace('"events_url":', '"country_url": "/map/__CODE__/", "events_url":'),
        )

    page.route("**/map/", with_country_pages)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/map/")
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    west, south, east, north = _view(page)
    assert west > -60 and east < 60, (west, east)  # Europe, not the whole world
    # The cluster's number sits in the middle of its circle.
    cluster = page.locator(".event-cluster").first
    expect(cluster).to_be_visible()
    outer, inner = cluster.bounding_box(), cluster.locator("span").bounding_box()
    assert abs((outer["x"] + outer["width"] / 2) - (inner["x"] + inner["width"] / 2)) < 2
    assert abs((outer["y"] + outer["height"] / 2) - (inner["y"] + inner["height"] / 2)) < 2
    assert outer["width"] <= 30
    page.locator(".map-figure").scroll_into_view_if_needed()
    shoot(f"{width}-world")

    # Hidden and shown again with the keyboard alone.
    toggle = page.get_by_label("Show events")
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).not_to_be_checked()
    expect(page.locator(".event-cluster")).to_have_count(0)
    expect(page.locator("path.event-marker")).to_have_count(0)
    shoot(f"{width}-world-no-events")
    page.keyboard.press("Space")
    expect(page.locator(".event-cluster").first).to_be_visible()

    page.locator('path[data-code="DE"]').click()
    expect(page.locator(".leaflet-popup").get_by_role("link", name="Germany")).to_have_attribute(
        "href", "/map/DE/"
    )


def test_the_shapes_come_once_with_the_page_and_the_map_says_when_they_are_drawn(
    live_server, page, third_party_requests
):
    campaign = factories.make_campaign(title="Write for Rights 2012")
    factories.make_report(campaign, country="PL", quantity=30)
    shapes = []
    page.on("request", lambda req: shapes.append(req) if "countries.topo" in req.url else None)

    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    expect(page.locator('path[data-code="PL"]')).to_have_attribute("data-count", "30")
    # bench/slowlink.py reads this mark: when the choropleth is on the map.
    drawn = page.evaluate(
        "() => performance.getEntriesByName('solidarity:choropleth-drawn')"
        ".map(e => [e.entryType, e.startTime])"
    )
    assert len(drawn) == 1 and drawn[0][0] == "mark" and drawn[0][1] > 0
    # One request: the preload, which the map's fetch() took over (a preload
    # that does not match the fetch makes Chromium download the shapes twice).
    assert len(shapes) == 1
    assert third_party_requests == []


def test_the_colours_are_drawn_before_leaflet_and_the_font_are_asked_for(
    live_server, page, third_party_requests
):
    campaign = factories.make_campaign(title="Write for Rights 2012")
    factories.make_report(campaign, country="PL", quantity=30_000)
    factories.make_report(campaign, country="MT", quantity=818)
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator("#solidarity-map[data-ready]")).to_be_attached()
    # The font is asked for once Leaflet has taken over, a moment after data-ready.
    page.wait_for_function(
        """() => performance.getEntriesByType('resource')
            .filter(e => /leaflet|fonts/.test(e.name)).length >= 3"""
    )
    timing = page.evaluate(
        """() => ({
            drawn: performance.getEntriesByName('solidarity:choropleth-drawn')[0].startTime,
            later: performance.getEntriesByType('resource')
                .filter(e => /leaflet|fonts/.test(e.name)).map(e => e.startTime),
        })"""
    )
    assert len(timing["later"]) >= 3  # leaflet.js, leaflet.css, an Inter subset
    assert all(start >= timing["drawn"] for start in timing["later"])
    # Leaflet took over: the first drawing is gone, the page has its font.
    expect(page.locator(".map-sketch")).to_have_count(0)
    expect(page.locator("html")).not_to_have_class("font-later")
    assert third_party_requests == []


def test_without_leaflet_the_map_is_still_drawn_in_its_colours(live_server, page):
    campaign = factories.make_campaign(title="Write for Rights 2012")
    factories.make_report(campaign, country="PL", quantity=30_000)
    factories.make_report(campaign, country="MT", quantity=818)
    page.route("**/leaflet/leaflet.*", lambda route: route.abort())
    page.goto(live_server.url + campaign.get_absolute_url())
    expect(page.locator("#solidarity-map[data-drawn]")).to_be_attached()
    legend = page.eval_on_selector_all(
        ".map-legend svg.swatch rect", "els => els.map(e => e.getAttribute('fill'))"
    )
    fills = page.eval_on_selector_all(
        ".map-sketch path, .map-sketch circle", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert len(fills) > 150  # every country, and Malta as a circle
    assert page.locator(".map-sketch circle").count() == 1
    # The legend's colours, "none" and Poland's and Malta's classes among them.
    assert set(fills) <= set(legend) and len(set(fills)) >= 3
    page.wait_for_timeout(300)
    expect(page.locator("#solidarity-map[data-ready]")).to_have_count(0)
    expect(page.locator("html")).not_to_have_class("font-later")
