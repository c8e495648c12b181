"""/healthz tells a monitor when background work has stopped happening."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from campaigns import services
from campaigns.tasks import tallies_reconcile


def test_it_reports_no_reconcile_age_before_the_first_run(client, db, settings):
    settings.SERVER_STARTED_AT = int(timezone.now().timestamp())
    body = client.get("/healthz").json()
    assert body["ages"]["reconcile_seconds"] is None
    assert body["ages"]["oldest_unsent_email_seconds"] is None
    assert body["stale"] == []


def test_it_reports_how_long_ago_the_reconcile_finished(client, campaign):
    tallies_reconcile.delay()
    body = client.get("/healthz").json()
    assert 0 <= body["ages"]["reconcile_seconds"] <= 5
    assert body["stale"] == []


def test_a_stuck_reconcile_is_stale_but_web_stays_healthy(client, campaign, monkeypatch):
    tallies_reconcile.delay()
    later = timezone.now() + dt.timedelta(minutes=16)  # three 5-minute periods, and more
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ages"]["reconcile_seconds"] >= 16 * 60
    assert response.json()["stale"] == ["reconcile_seconds"]


def test_the_reconcile_still_repairs_when_it_cannot_record_its_time(campaign, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache gone")

    monkeypatch.setattr(cache, "set", broken)
    assert services.tallies_reconcile() == []


def test_a_mail_owed_for_too_long_is_stale_and_a_sent_one_is_not(client, db, monkeypatch):
    from outbox import services as outbox

    # Not committed in a test, so no worker sends it: it stays owed.
    message_id = outbox.mail_enqueue_rendered(
        to="writer@example.org", template="test", subject="Hello", body="Text"
    )
    assert client.get("/healthz").json()["ages"]["oldest_unsent_email_seconds"] <= 5
    real_now = timezone.now
    later = real_now() + dt.timedelta(minutes=20)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = client.get("/healthz").json()
    assert body["ages"]["oldest_unsent_email_seconds"] >= 20 * 60
    assert "oldest_unsent_email_seconds" in body["stale"]
    monkeypatch.setattr(timezone, "now", real_now)
    assert outbox.outbox_send(message_id=message_id)
    assert client.get("/healthz").json()["ages"]["oldest_unsent_email_seconds"] is None


def test_a_reconcile_still_unknown_long_after_start_is_stale(client, db, settings):
    # Beat or the worker never ran since this server started 16 minutes ago:
    # the age is unknown, and that is what a monitor must hear about.
    settings.SERVER_STARTED_AT = int(timezone.now().timestamp()) - 16 * 60
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ages"]["reconcile_seconds"] is None
    assert response.json()["stale"] == ["reconcile_seconds"]


def test_an_unknown_reconcile_soon_after_start_is_not_stale(client, db, settings):
    settings.SERVER_STARTED_AT = int(timezone.now().timestamp()) - 14 * 60
    assert client.get("/healthz").json()["stale"] == []


def test_a_reconcile_after_a_late_start_is_not_stale(client, campaign, settings):
    settings.SERVER_STARTED_AT = int(timezone.now().timestamp()) - 60 * 60
    tallies_reconcile.delay()
    assert client.get("/healthz").json()["stale"] == []
