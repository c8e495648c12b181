"""Every page with the solidarity map starts the shapes with the page and defers its scripts.

On a slow link the shapes used to wait for leaflet.js to arrive and run
(issue 16). bench/slowlink.py measures the effect; these pin the markup.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

MAP_SCRIPTS = ["topojson-client.min.js", "solidarity-map.js"]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict, bool]] = []  # (tag, attrs, inside <head>)
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self._in_head = True
        self.tags.append((tag, dict(attrs), self._in_head))

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False


def _tags(html: str) -> list[tuple[str, dict, bool]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _map_pages(campaign) -> list[str]:
    factories.make_report(campaign, country="PL", quantity=12)
    return [
        reverse("map"),
        campaign.get_absolute_url(),
        reverse("country", args=["PL"]),
        reverse("campaigns:embed", args=[campaign.slug]),
    ]


def test_it_preloads_exactly_the_shapes_the_map_fetches(client, campaign):
    for path in _map_pages(campaign):
        tags = _tags(client.get(path).text)
        shapes = [a["data-shapes"] for t, a, _h in tags if "data-shapes" in a]
        preloads = [(a, head) for t, a, head in tags if t == "link" and a.get("rel") == "preload"]
        assert len(shapes) == 1, path
        # fetch(url) is a CORS request with same-origin credentials: only a
        # preload with as="fetch" and crossorigin="anonymous" is reused by it.
        assert [
            (a["href"], a["as"], a.get("crossorigin"), a.get("fetchpriority"), head)
            for a, head in preloads
        ] == [(shapes[0], "fetch", "anonymous", "high", True)], path


def test_the_map_scripts_are_deferred_from_the_head_in_order(client, campaign):
    for path in _map_pages(campaign):
        scripts = [(a, head) for t, a, head in _tags(client.get(path).text) if t == "script"]
        external = [(a["src"], "defer" in a, head) for a, head in scripts if "src" in a]
        names = [src.rsplit("/", 1)[-1] for src, _d, _h in external]
        for name in MAP_SCRIPTS:
            assert names.count(name) == 1, (path, names)
        assert [n for n in names if n in MAP_SCRIPTS] == MAP_SCRIPTS, path
        # Nothing on these pages blocks the parser.
        assert all(deferred for _src, deferred, _h in external), (path, external)
        assert all(head for src, _d, head in external if src.rsplit("/", 1)[-1] in MAP_SCRIPTS)


def test_leaflet_and_the_font_wait_until_the_colours_are_drawn(client, campaign):
    """solidarity-map.js draws the choropleth first, then asks for Leaflet and Inter."""
    for path in _map_pages(campaign):
        tags = _tags(client.get(path).text)
        urls = [a.get("src") or a.get("href") or "" for _t, a, _h in tags]
        assert not [u for u in urls if "leaflet" in u], path
        (mapdiv,) = [a for _t, a, _h in tags if "data-shapes" in a]
        assert mapdiv["data-leaflet"].rsplit("/", 1)[-1].startswith("leaflet.")
        assert mapdiv["data-leaflet"].endswith(".js")
        assert mapdiv["data-leaflet-css"].endswith(".css")
        # The class that keeps Inter from being requested; the script removes it.
        (html,) = [a for t, a, _h in tags if t == "html"]
        assert html.get("class") == "font-later", path


def test_pages_without_the_map_load_the_font_at_once(client):
    tags = _tags(client.get(reverse("home")).text)
    (html,) = [a for t, a, _h in tags if t == "html"]
    assert "font-later" not in (html.get("class") or "")
