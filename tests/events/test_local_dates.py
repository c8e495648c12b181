"""Public dates are the event's own: 00:30 on 22 May in Vilnius is 21 May in UTC."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import feedparser
import pytest

from events import services
from events.models import Event
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")


@pytest.fixture
def after_midnight(organiser):
    starts = dt.datetime(2024, 5, 22, 0, 30, tzinfo=VILNIUS)
    return make_event(
        organiser,
        status="published",
        title="Candles after midnight",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )


def test_it_stores_the_events_local_dates(after_midnight):
    assert after_midnight.starts_at.astimezone(dt.UTC).date() == dt.date(2024, 5, 21)
    after_midnight.refresh_from_db()
    assert after_midnight.starts_on_local == dt.date(2024, 5, 22)
    assert after_midnight.ends_on_local == dt.date(2024, 5, 22)


def test_it_shows_the_local_date_in_the_list_and_on_the_page(client, after_midnight):
    listing = client.get("/events/").content.decode()
    assert "22 May 2024" in listing and "21 May 2024" not in listing
    detail = client.get(f"/events/{after_midnight.pk}/").content.decode()
    assert "21 May" not in detail
    assert "22 May 2024, 00:30" in detail


def test_it_shows_the_organiser_the_local_date(client, organiser, after_midnight):
    client.force_login(organiser)
    page = client.get("/events/mine/").content.decode()
    assert "22 May 2024" in page and "21 May" not in page


def test_it_titles_the_rss_item_with_the_local_date(client, after_midnight):
    feed = feedparser.parse(client.get("/events/feed.xml").content)
    assert [e.title for e in feed.entries] == ["Candles after midnight — Vilnius, 22 May 2024"]


def test_it_titles_the_rss_item_in_the_visitors_language(client, after_midnight):
    feed = feedparser.parse(client.get("/ru/events/feed.xml").content)
    assert "22 мая 2024" in feed.entries[0].title


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("date_from=2024-05-22&date_to=2024-05-22", True),
        ("date_from=2024-05-22", True),
        ("date_to=2024-05-22", True),
        ("date_to=2024-05-21", False),
        ("date_from=2024-05-23", False),
    ],
)
def test_it_filters_on_the_local_date(client, after_midnight, query, found):
    titles = [e.title for e in client.get(f"/events/?{query}").context["page"].object_list]
    assert titles == (["Candles after midnight"] if found else [])
    feed = feedparser.parse(client.get(f"/events/feed.xml?{query}").content)
    assert len(feed.entries) == (1 if found else 0)


def test_it_gives_the_map_a_local_date_and_keeps_the_iso_time(client, after_midnight):
    feature = json.loads(client.get("/api/events.geojson").content)["features"][0]
    assert feature["properties"]["starts_local"] == "22 May 2024, 00:30"
    assert feature["properties"]["starts_at"] == "2024-05-21T21:30:00+00:00"


def test_it_keeps_local_dates_when_the_organiser_changes_the_zone(organiser, after_midnight):
    # 00:30 in Vilnius becomes the same instant seen from New York: 21 May.
    after_midnight.timezone_name = "America/New_York"
    services.event_update(event=after_midnight, editor=organiser)
    after_midnight.refresh_from_db()
    assert after_midnight.starts_on_local == dt.date(2024, 5, 21)


def test_it_backfills_local_dates_of_stored_events(organiser, after_midnight):
    import importlib

    from django.apps import apps

    Event.objects.update(starts_on_local=dt.date(2000, 1, 1), ends_on_local=dt.date(2000, 1, 1))
    migration = importlib.import_module("events.migrations.0009_event_local_dates")
    migration.backfill(apps, None)
    after_midnight.refresh_from_db()
    assert after_midnight.starts_on_local == dt.date(2024, 5, 22)
