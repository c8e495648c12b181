import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, OfflineReport
from config.mfa import staff_mfa_enrol
from prisoners.models import Prisoner
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_shows_campaigns_with_their_counters(client, campaign):
    factories.make_report(campaign, quantity=42)
    response = client.get("/")
    assert response.status_code == 200
    assert "Letter marathon 2012" in response.text
    assert 'data-counter="total">42<' in response.text


@pytest.mark.parametrize("n", [1, 10])
def test_home_query_count_is_constant(client, django_assert_num_queries, n):
    soon = dt.date.today() + dt.timedelta(days=3)
    facility = factories.make_facility()
    for _ in range(n):
        factories.make_campaign()
        factories.make_prisoner(birthday_month=soon.month, birthday_day=soon.day, facility=facility)
    # campaigns, upcoming birthdays (+ their current facilities), upcoming and recent events
    with django_assert_num_queries(5):
        assert client.get("/").status_code == 200


def test_home_refuses_post(client):
    assert client.post("/").status_code == 405


def test_healthz_reports_each_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["cache"] == "ok"


def test_healthz_is_503_when_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    from config.celery_app import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


def test_every_page_sends_a_strict_content_security_policy(client):
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_seed_demo_is_idempotent_and_matches_the_articles(client):
    call_command("seed_demo", "--admin-password", "first-password-123")
    call_command("seed_demo", "--admin-password", "second-password-456")
    assert Prisoner.objects.filter(slug="ales-bialiatski").count() == 1
    # The three historical campaigns and the running one (pages/demo_running.py).
    assert Campaign.objects.count() == 4
    marathon = Campaign.objects.get(slug="letter-marathon-2012")
    assert marathon.goal == 100_000
    assert marathon.actions_total == 104_731
    assert marathon.countries_total == 36
    assert OfflineReport.objects.filter(campaign=marathon).count() == 72
    profile = client.get("/prisoners/ales-bialiatski/").text
    assert "220030 Minsk" in profile and "SIZA-1" in profile
    assert "25 September" in profile
    # The demo staff account logs in through allauth with the printed password.
    response = client.post(
        reverse("account_login"), {"login": "admin@example.org", "password": "second-password-456"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    # ... and the second factor it was enrolled with (the same secret on each run).
    secret, _codes = staff_mfa_enrol(user=User.objects.get(email="admin@example.org"))
    response = client.post(reverse("mfa_authenticate"), {"code": factories.fresh_totp(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_public_pages_set_no_cookie_so_they_can_be_cached(client, campaign):
    for url in ["/", campaign.get_absolute_url(), "/prisoners/", "/map/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert "csrftoken" not in response.cookies, url
        assert "sessionid" not in response.cookies, url


def test_the_language_switch_works_without_a_token(client):
    client = type(client)(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ru"
