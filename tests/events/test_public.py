import datetime as dt
import json

import feedparser
import pytest
from django.utils import timezone
from icalendar import Calendar

from events.models import Event, EventPhoto, EventReport
from tests.events.conftest import make_event
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db

CANARY = "CANARY-contact-7f3a"


@pytest.fixture
def published(organiser, campaign):
    return [
        make_event(organiser, status="published", campaign=campaign),
        make_event(
            organiser,
            status="published",
            title="Letter marathon at the Youth Hub",
            kind=Event.Kind.LETTERS,
            city="Warsaw",
            country="PL",
            latitude="52.2297",
            longitude="21.0122",
            starts_at=dt.datetime(2024, 5, 19, 16, tzinfo=dt.UTC),
        ),
        make_event(
            organiser,
            status="published",
            title="Future rally in Zurich",
            city="Zurich",
            country="CH",
            latitude="47.3769",
            longitude="8.5417",
            starts_at=timezone.now() + dt.timedelta(days=10),
        ),
    ]


def _titles(response):
    return [e.title for e in response.context["page"].object_list]


def test_it_lists_only_published_events(client, organiser, published):
    make_event(organiser, title="Waiting event")
    make_event(organiser, title="Rejected event", status="rejected", rejection_reason="spam")
    titles = _titles(client.get("/events/"))
    assert sorted(titles) == sorted(e.title for e in published)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=PL", ["Letter marathon at the Youth Hub"]),
        ("city=warsaw", ["Letter marathon at the Youth Hub"]),
        ("kind=letters", ["Letter marathon at the Youth Hub"]),
        ("campaign=letter-marathon-2012", ["Rally on Cathedral Square"]),
        ("when=upcoming", ["Future rally in Zurich"]),
        ("when=past&date_from=2024-05-20", ["Rally on Cathedral Square"]),
        ("date_to=2024-05-20", ["Letter marathon at the Youth Hub"]),
        ("country=XX&kind=nonsense&date_from=garbage", None),  # ignored, not a 500
    ],
)
def test_it_filters_the_list(client, published, query, expected):
    response = client.get(f"/events/?{query}")
    assert response.status_code == 200
    if expected is None:
        assert len(_titles(response)) == 3
    else:
        assert _titles(response) == expected


@pytest.mark.parametrize("n", [3, 30])
def test_it_lists_events_in_constant_queries(client, organiser, django_assert_num_queries, n):
    for i in range(n):
        event = make_event(organiser, status="published", title=f"Event {i}")
        EventPhoto.objects.create(event=event, image="a.jpg", thumbnail="t.jpg")
    # campaigns for the filter, the countries with events (for the filter),
    # count, the page of events, their photos
    with django_assert_num_queries(5):
        response = client.get("/events/?country=LT")
    assert response.status_code == 200


def test_it_offers_only_countries_with_published_events(client, organiser):
    make_event(organiser, status="published", title="Vigil", country="LT")
    make_event(organiser, status="submitted", title="Pending", country="PL")
    page = client.get("/events/").content.decode()
    select = page[
        page.index('<select name="country"') : page.index(
            "</select>", page.index('<select name="country"')
        )
    ]
    assert '<option value="LT">' in select
    assert 'value="PL"' not in select  # its only event is not published
    assert 'value="FR"' not in select
    assert select.count("<option") == 2  # "Any country" and Lithuania
    # A country without events still filters (a shared link, a feed): none listed.
    response = client.get("/events/?country=FR")
    assert _titles(response) == []
    assert 'value="FR" selected' in response.content.decode()


def test_it_paginates_keeping_the_filters(client, organiser):
    for i in range(25):
        make_event(organiser, status="published", title=f"Event {i}")
    page = client.get("/events/?country=LT").content.decode()
    assert "?country=LT&amp;page=2" in page
    assert len(_titles(client.get("/events/?country=LT&page=2"))) == 5


def test_it_shows_an_event_with_its_report_photos_and_prisoners(
    client, organiser, published, prisoner
):
    event = published[0]
    event.prisoners.set([prisoner])
    EventReport.objects.create(event=event, participants=120, signatures=300)
    EventPhoto.objects.create(event=event, image="a.jpg", thumbnail="t.jpg", credit="Radio Svaboda")
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Ales Bialiatski" in page
    assert "Letter marathon 2012" in page
    assert "120" in page and "300" in page
    assert "Photo: Radio Svaboda" in page
    assert 'data-lat="54.68580"' in page
    assert CANARY not in page


def test_it_hides_unpublished_events_and_unpublished_reports(client, organiser, published):
    waiting = make_event(organiser)
    assert client.get(f"/events/{waiting.pk}/").status_code == 404
    EventReport.objects.create(event=published[0], participants=777, is_published=False)
    assert "777" not in client.get(f"/events/{published[0].pk}/").content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_it_shows_an_event_in_constant_queries(client, organiser, django_assert_num_queries, n):
    event = make_event(organiser, status="published")
    for _ in range(n):
        EventPhoto.objects.create(event=event, image="a.jpg", thumbnail="t.jpg")
    # event+campaign, prisoners, photos, report
    with django_assert_num_queries(4):
        assert client.get(f"/events/{event.pk}/").status_code == 200


def test_it_serves_a_valid_filterable_icalendar_feed(client, published):
    response = client.get("/events/feed.ics?country=LT")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Rally on Cathedral Square"]
    event = events[0]
    assert event.decoded("DTSTART") == dt.datetime(2024, 5, 21, 15, tzinfo=dt.UTC)
    assert str(event["URL"]) == f"http://testserver/events/{published[0].pk}/"
    assert "Vilnius, Lithuania" in str(event["LOCATION"])
    assert len(Calendar.from_ical(client.get("/events/feed.ics").content).walk("VEVENT")) == 3
    assert CANARY.encode() not in client.get("/events/feed.ics").content


def test_it_serves_a_valid_filterable_rss_feed(client, published):
    feed = feedparser.parse(client.get("/events/feed.xml?kind=letters").content)
    assert not feed.bozo
    assert feed.feed.title == "Solidarity events"
    assert [e.title for e in feed.entries] == [
        "Letter marathon at the Youth Hub — Warsaw, 19 May 2024"
    ]
    assert feed.entries[0].link == f"http://testserver/events/{published[1].pk}/"
    assert len(feedparser.parse(client.get("/events/feed.xml").content).entries) == 3
    assert CANARY.encode() not in client.get("/events/feed.xml").content


def test_it_serves_published_events_as_geojson_for_a_campaign(client, organiser, published):
    other = make_campaign(slug="other")
    make_event(organiser, status="published", campaign=other, title="Other campaign")
    response = client.get("/api/events.geojson?campaign=letter-marathon-2012")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [25.2877, 54.6858]}
    assert feature["properties"] == {
        "id": published[0].pk,
        "title": "Rally on Cathedral Square",
        "kind": "rally",
        "kind_label": "Rally or picket",
        "starts_at": "2024-05-21T15:00:00+00:00",
        "starts_local": "21 May 2024, 18:00",
        "city": "Vilnius",
        "country": "LT",
        "url": f"/events/{published[0].pk}/",
    }
    everything = client.get("/api/events.geojson").content
    assert len(json.loads(everything)["features"]) == 4
    assert CANARY.encode() not in everything
    assert b"organiser@example.org" not in everything


def test_it_caches_the_geojson_briefly(client, organiser, published):
    from django.urls import reverse

    url = reverse("events:geojson")
    assert url == "/api/events.geojson"
    first = client.get(url)
    make_event(organiser, status="published", title="Brand new")
    assert client.get(url).content == first.content
    assert "max-age=60" in first["Cache-Control"]


def test_it_keeps_the_organisers_contact_out_of_public_pages(client, organiser, published):
    for url in ["/", "/events/", f"/events/{published[0].pk}/", "/events/?country=LT"]:
        assert CANARY not in client.get(url).content.decode(), url


def test_it_shows_upcoming_and_recent_events_on_home(client, published):
    page = client.get("/").content.decode()
    assert "Future rally in Zurich" in page
    assert "Rally on Cathedral Square" in page


def test_it_keeps_an_unpublished_campaign_off_the_event_page(client, organiser):
    draft = make_campaign(slug="draft-campaign", title="Secret draft campaign", is_published=False)
    event = make_event(organiser, status="published", campaign=draft)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Secret draft campaign" not in page
    assert "/campaigns/draft-campaign/" not in page
    draft.is_published = True
    draft.save()
    assert "Secret draft campaign" in client.get(f"/events/{event.pk}/").content.decode()


def test_it_maps_more_events_than_the_feeds_carry(client, organiser, settings, monkeypatch):
    from django.core.cache import cache

    from events import views

    for i in range(4):
        make_event(organiser, status="published", title=f"Event {i}")
    monkeypatch.setattr(views, "FEED_LIMIT", 2)
    settings.EVENTS_GEOJSON_LIMIT = 5
    data = json.loads(client.get("/api/events.geojson").content)
    assert len(data["features"]) == 4
    assert data["truncated"] is False
    assert len(feedparser.parse(client.get("/events/feed.xml").content).entries) == 2
    cache.clear()
    settings.EVENTS_GEOJSON_LIMIT = 3
    data = json.loads(client.get("/api/events.geojson").content)
    assert [f["properties"]["title"] for f in data["features"]] == ["Event 3", "Event 2", "Event 1"]
    assert data["truncated"] is True  # said, not silently dropped


def test_rss_readers_show_an_organisers_markup_as_text(client, organiser):
    import html

    make_event(
        organiser,
        status="published",
        title="<i>Rally</i> & songs",
        description='<b>Bring</b> <img src=x onerror="alert(1)"><a href="https://evil.example">x</a>',
    )
    [entry] = feedparser.parse(client.get("/events/feed.xml").content).entries
    # What a reader renders as HTML: no tag of the organiser's survives...
    for rendered in (entry.summary, entry.title):
        assert "<" not in rendered and ">" not in rendered
    # ... and, shown, it reads as the organiser typed it.
    assert '<b>Bring</b> <img src=x onerror="alert(1)">' in html.unescape(entry.summary)
    assert html.unescape(entry.title).startswith("<i>Rally</i> & songs — ")
