import io

import pytest
from django.core.management import call_command

from campaigns.models import Action, Campaign
from events.geo import point_in_country
from events.models import Event

pytestmark = pytest.mark.django_db


def test_it_seeds_the_2024_day_of_solidarity_events_idempotently(client):
    for _ in range(2):
        call_command("seed_demo", "--no-admin", stdout=io.StringIO())
    events = Event.objects.filter(status="published")
    assert events.count() == 13
    cities = set(events.values_list("city", flat=True))
    assert {
        "Klaipėda",
        "Warsaw",
        "Vilnius",
        "Zurich",
        "Białystok",
        "Moscow",
        "Brussels",
        "Turin",
        "Rome",
        "London",
        "Scotland",
    } <= cities
    for event in events:
        assert point_in_country(
            latitude=float(event.latitude),
            longitude=float(event.longitude),
            country=event.country.code,
        ), event.title
        assert event.starts_at.date().isoformat() >= "2024-05-19"
    turin = events.get(city="Turin")
    assert turin.kind == "exhibition" and turin.ends_at.day == 24
    vilnius = events.get(city="Vilnius")
    assert vilnius.report.participants == 100
    campaign = Campaign.objects.get(slug="day-of-solidarity-2024")
    assert set(events.values_list("campaign", flat=True)) == {campaign.pk}
    # Every published event counts once; only Vilnius reported 100 participants.
    assert sum(Action.objects.filter(campaign=campaign).values_list("quantity", flat=True)) == (
        13 + 100
    )
    assert Action.objects.filter(campaign=campaign, kind="event").count() == 13
    page = client.get("/events/?country=PL").content.decode()
    assert "Letter marathon at the Belarusian Youth Hub" in page
    assert b"Parliament Square" in client.get("/events/feed.xml").content
    assert b"Klaip" in client.get("/events/feed.ics").content
