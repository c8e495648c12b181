"""One address per language: /be/…, /ru/…, English where it always was."""

import re

import pytest
from django.urls import reverse

from tests.languages import reverse_in

pytestmark = pytest.mark.django_db


def test_it_serves_each_language_at_its_own_address(client, campaign):
    for language in ("en", "be", "ru"):
        url = reverse_in(language, "campaigns:detail", slug=campaign.slug)
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Language"] == language
        assert f'<html lang="{language}"' in response.text  # map pages add a class
    assert reverse_in("ru", "campaigns:detail", slug=campaign.slug) == (
        f"/ru/campaigns/{campaign.slug}/"
    )


def test_old_english_addresses_keep_working(client, campaign, prisoner):
    for url in (
        "/",
        f"/campaigns/{campaign.slug}/",
        f"/prisoners/{prisoner.slug}/",
        f"/prisoners/{prisoner.slug}/write/",
        "/events/",
        "/map/",
    ):
        assert client.get(url).status_code == 200, url


def test_every_public_page_names_its_other_languages(client, campaign):
    page = client.get(f"/ru/campaigns/{campaign.slug}/?kind=letter").text
    links = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', page))
    path = f"/campaigns/{campaign.slug}/?kind=letter"
    assert links == {
        "en": f"http://testserver{path}",
        "be": f"http://testserver/be{path}",
        "ru": f"http://testserver/ru{path}",
        "x-default": f"http://testserver{path}",
    }


@pytest.mark.parametrize(
    ("origin", "language", "lands_on"),
    [
        ("/ru/prisoners/?status=convicted", "be", "/be/prisoners/?status=convicted"),
        ("/be/prisoners/", "en", "/prisoners/"),
        ("/map/", "ru", "/ru/map/"),
    ],
)
def test_the_language_switch_keeps_the_visitor_on_the_same_page(client, origin, language, lands_on):
    # (Not named "page": that is pytest-playwright's browser fixture.)
    response = client.post(reverse("set_language"), {"language": language, "next": origin})
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_a_partner_can_frame_the_russian_counter(client, campaign):
    response = client.get(f"/ru/campaigns/{campaign.slug}/embed/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ru"
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    api = client.get(f"/ru/api/campaigns/{campaign.slug}/tally/")
    assert api.status_code == 200


def test_the_campaign_page_offers_partners_the_embed_in_its_language(client, campaign):
    page = client.get(f"/ru/campaigns/{campaign.slug}/").text
    assert f"/ru/campaigns/{campaign.slug}/embed/" in page
    assert f"/ru/api/campaigns/{campaign.slug}/tally/" in page


def test_the_admin_speaks_the_staff_members_language(client, editor):
    client.force_login(editor)
    client.cookies["django_language"] = "ru"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Заключённые" in page.text  # our app's verbose name
    assert "Администрирование" in page.text or "Выйти" in page.text  # Django's own
    client.cookies["django_language"] = "be"
    assert "Вязні" in client.get("/admin/").text


def test_machines_have_one_address(client):
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/ru/healthz").status_code == 404
