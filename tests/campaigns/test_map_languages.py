import json

import pytest
from django.urls import reverse

from tests import factories
from tests.languages import path_in, reverse_in

pytestmark = pytest.mark.django_db


def germany(response) -> str:
    """The name a page or the API gives Germany in its map figures."""
    if response["Content-Type"] == "application/json":
        return next(c["name"] for c in response.json()["countries"] if c["code"] == "DE")
    body = response.text
    start = body.index('<script id="map-data" type="application/json">') + 46
    return json.loads(body[start : body.index("</script>", start)])["countries"]["DE"]["name"]


def test_the_map_figures_cache_keeps_each_language_apart(client, campaign):
    # A Russian reader fills the caches first; the next English reader must
    # still get English country names on every cached page.
    factories.make_report(campaign, country="DE", quantity=3)
    paths = [
        campaign.get_absolute_url(),
        reverse("campaigns:embed", args=[campaign.slug]),
        reverse("campaigns_api:tally", args=[campaign.slug]),
        reverse("map"),
    ]
    for path in paths:
        assert germany(client.get(path_in("ru", path))) == "Германия", path
    for path in paths:
        response = client.get(path, headers={"accept-language": "en"})
        assert germany(response) == "Germany", path
        assert "Германия" not in response.text, path


def test_the_address_not_the_cookie_says_the_language(client, campaign):
    # One address, one language: a cached English page is never Russian
    # because a Russian reader's cookie asked for it.
    factories.make_report(campaign, country="DE", quantity=3)
    client.cookies["django_language"] = "ru"
    assert germany(client.get(reverse("map"))) == "Germany"
    assert germany(client.get(reverse_in("ru", "map"))) == "Германия"


def test_the_map_tooltips_name_countries_in_belarusian(client, campaign):
    factories.make_report(campaign, country="DE", quantity=3)
    for path in (campaign.get_absolute_url(), reverse("map")):
        assert germany(client.get(path_in("be", path))) == "Германія", path
