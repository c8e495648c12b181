"""Degrade, never 500: Redis down, PostgreSQL unreachable."""

import logging

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from campaigns.models import Signature
from letters.models import Letter
from outbox.models import Message
from tests import factories
from tests.letters.conftest import letter_data

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: a real "connection refused", as a stopped Redis.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.PUBLIC_PAGE_CACHE_SECONDS = 10
    settings.REDIS_URL = ""  # /healthz: no broker check in this test


@pytest.fixture
def production_errors():
    # As in production: an exception becomes a response, not a test failure.
    return Client(raise_request_exception=False)


def test_with_redis_down_public_pages_and_apis_are_served_from_the_database(
    client, redis_down, campaign, caplog
):
    caplog.set_level(logging.WARNING, logger="config.cache")
    for url in (
        "/",
        campaign.get_absolute_url(),
        "/map/",
        "/events/",
        "/prisoners/",
        f"/api/campaigns/{campaign.slug}/tally/",
        "/api/events.geojson",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Letter marathon 2012" in client.get(campaign.get_absolute_url()).text
    assert "cache unavailable" in caplog.text


def test_with_redis_down_healthz_says_503(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


def test_with_redis_down_forms_keep_accepting(client, redis_down, campaign, prisoner):
    response = factories.sign(client, campaign, email="while-down@example.org")
    assert response.status_code == 200
    assert Signature.objects.filter(email="while-down@example.org").exists()
    assert Message.objects.filter(to="while-down@example.org").exists()
    response = client.post(reverse("letters:write", args=[prisoner.slug]), letter_data())
    assert response.status_code == 302
    assert Letter.objects.count() == 1


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)
    yield
    monkeypatch.undo()


def test_with_the_database_down_a_get_is_a_503_page_in_the_sites_style(
    production_errors, prisoner, database_down
):
    response = production_errors.get(f"/prisoners/{prisoner.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.text
    assert "Back in a moment" in body
    assert "css/site.css" in body  # the site's own page, not a bare "Server Error"
    assert "<form" not in body.split("<footer")[0]


def test_with_the_database_down_a_post_shows_the_form_again_with_the_text(
    production_errors, prisoner, database_down, monkeypatch
):
    data = letter_data(body="Dear Ales,\nthe lime trees <b>bloom</b>. We think of you.")
    response = production_errors.post(reverse("letters:write", args=[prisoner.slug]), data)
    assert response.status_code == 503
    body = response.text
    assert "Your form was NOT saved." in body
    action = reverse("letters:write", args=[prisoner.slug])
    assert f'<form method="post" action="{action}"' in body
    # The text comes back editable, escaped, with the other fields.
    assert (
        "Dear Ales,\nthe lime trees &lt;b&gt;bloom&lt;/b&gt;. We think of you.</textarea>" in body
    )
    assert 'name="sender_email" value="kasia@example.org"' in body
    assert f'name="started" value="{data["started"]}"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    monkeypatch.undo()
    assert not Letter.objects.exists()
    # Sent again once the database is back, the same stamp is accepted:
    # the failed try did not spend it.
    again = production_errors.post(action, data)
    assert again.status_code == 302
    assert Letter.objects.get().body.startswith("Dear Ales,")


def test_with_the_database_down_a_sign_in_never_writes_the_password_into_the_page(
    production_errors, database_down
):
    response = production_errors.post(
        "/accounts/login/", {"login": "moderator@example.org", "password": "MySecretPassphrase123"}
    )
    assert response.status_code == 503
    body = response.text
    assert "MySecretPassphrase123" not in body
    assert 'type="password"' in body and 'name="password" value=""' in body
    assert 'value="moderator@example.org"' in body


def test_other_errors_are_still_a_500(production_errors, prisoner, monkeypatch):
    def bug(self, *args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(CursorWrapper, "execute", bug)
    response = production_errors.get(f"/prisoners/{prisoner.slug}/")
    assert response.status_code == 500
    assert "Back in a moment" not in response.text


def test_with_the_database_down_a_belarusian_post_labels_the_fields_in_belarusian(
    production_errors, prisoner, database_down
):
    data = letter_data(body="Дарагі Алесь,\nліпы цвітуць. Мы думаем пра цябе.")
    url = f"/be/prisoners/{prisoner.slug}/write/"
    response = production_errors.post(url, data)
    assert response.status_code == 503
    body = response.text
    assert ">Ваш ліст</label>" in body
    assert ">Подпіс</label>" in body
    assert "sender name" not in body
    assert ">body</label>" not in body
