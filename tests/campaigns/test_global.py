"""Every act counts: global tallies, /map/, country pages, profiles."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Action, Campaign, GlobalDailyTally, GlobalTally, PrisonerTally
from events import services as event_services
from events.models import EventReport
from letters import services as letter_services
from tests import factories
from tests.events.conftest import make_event
from tests.factories import committed
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

# The 2024 day of solidarity as it was entered (seed 004): ten events in six
# countries, two of them with a report.
SEED_004 = [
    ("Vilnius", "LT"),
    ("Klaipėda", "LT"),
    ("Warsaw", "PL"),
    ("Białystok", "PL"),
    ("Kraków", "PL"),
    ("Geneva", "CH"),
    ("London", "GB"),
    ("Edinburgh", "GB"),
    ("Brussels", "BE"),
    ("Turin", "IT"),
]


@pytest.fixture
def organiser(db):
    return factories.make_user(email="organiser@example.org")


@pytest.fixture
def moderator(db):
    return factories.make_user(email="moderator@example.org", is_staff=True)


def _counter(body: str, name: str) -> str:
    start = body.index(f'data-counter="{name}">') + len(f'data-counter="{name}">')
    return body[start : body.index("<", start)]


def test_the_seed_004_replay_shows_six_countries_and_every_event(
    client, organiser, moderator, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    day = factories.make_campaign(
        slug="day-of-solidarity-2024",
        kind=Campaign.Kind.DAY_OF_SOLIDARITY,
        starts_on=dt.date(2024, 5, 19),
        ends_on=dt.date(2024, 5, 21),
    )
    events = [
        make_event(organiser, city=city, country=code, title=f"Solidarity in {city}", campaign=day)
        for city, code in SEED_004
    ]
    with committed():
        for event in events:
            event_services.event_publish(event=event, moderator=moderator)
    for event, figures in (
        (events[0], {"participants": 100}),
        (events[8], {"participants": 40, "postcards": 30}),
    ):
        with committed():
            event_services.event_report_save(
                event=event, editor=organiser, report=EventReport(event=event, **figures)
            )

    day.refresh_from_db()
    assert day.countries_total == 6
    assert day.actions_total == 10 + 100 + 40 + 30
    campaign_page = client.get(day.get_absolute_url()).text
    assert _counter(campaign_page, "events") == "10"
    for code in ("LT", "PL", "CH", "GB", "BE", "IT"):
        assert f'data-country="{code}"' in campaign_page

    world = client.get(reverse("map")).text
    assert _counter(world, "countries") == "6"
    assert _counter(world, "events") == "10"
    # As many as the event markers the map draws from the GeoJSON.
    assert len(client.get("/api/events.geojson").json()["features"]) == 10
    # Brussels' "30 postcards written" are postcards, not letters.
    assert GlobalTally.objects.get(country="BE", kind="postcard").quantity == 30
    assert not GlobalTally.objects.filter(kind="letter").exists()

    # Rejecting one withdraws it from the campaign, the map and its country.
    with committed():
        event_services.event_reject(event=events[5], moderator=moderator, reason="Duplicate")
    day.refresh_from_db()
    assert day.countries_total == 5
    assert not GlobalTally.objects.filter(country="CH").exists()
    assert sum(GlobalTally.objects.filter(kind="event").values_list("quantity", flat=True)) == 9


def test_a_letter_outside_any_campaign_shows_on_the_map_and_the_profile(
    client, prisoner, moderator, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    # The prisoner is in no running campaign: the letter is in none.
    letter = make_letter(prisoner, country="LV", kind="postcard")
    assert letter.campaign is None
    with committed():
        letter_services.letter_approve(letter=letter, moderator=moderator)

    world = client.get(reverse("map")).text
    assert _counter(world, "total") == "1"
    assert _counter(world, "letters") == "1"
    assert 'data-country="LV"' in world
    profile = client.get(prisoner.get_absolute_url()).text
    assert '<li data-kind="postcard">Postcards: 1</li>' in profile

    with committed():
        letter_services.letter_reject(letter=letter, moderator=moderator, reason="spam")
    assert not PrisonerTally.objects.exists()
    assert "data-solidarity" not in client.get(prisoner.get_absolute_url()).text


def test_the_world_map_counts_every_campaign_and_acts_outside_them(client, campaign, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    other = factories.make_campaign()
    factories.make_report(campaign, country="PL", quantity=10)
    factories.make_report(other, country="PL", kind="signature", quantity=5)
    factories.make_report(None, country="DE", quantity=7)
    body = client.get(reverse("map")).text
    assert _counter(body, "total") == "22"
    assert _counter(body, "countries") == "2"
    assert 'data-country="DE"' in body
    # The campaign's own map shows its own only.
    page = client.get(campaign.get_absolute_url()).text
    assert _counter(page, "total") == "10"


def test_the_map_data_links_countries_for_the_script(client, campaign, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    body = client.get(reverse("map")).text
    assert '"country_url": "/map/__CODE__/"' in body


# --- country pages --------------------------------------------------------------


def _poland(organiser, moderator, campaign):
    factories.make_report(campaign, country="PL", quantity=120)
    factories.make_report(None, country="PL", kind="postcard", quantity=8)
    factories.make_report(campaign, country="DE", quantity=99)
    event = make_event(organiser, city="Warsaw", country="PL", title="Lanterns in Warsaw")
    with committed():
        event_services.event_publish(event=event, moderator=moderator)
    make_event(organiser, city="Kraków", country="PL", title="Not yet published")
    return event


def test_the_country_page_shows_figures_by_kind_and_campaign_and_events(
    client, organiser, moderator, campaign, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    _poland(organiser, moderator, campaign)
    response = client.get("/map/PL/")
    assert response.status_code == 200
    body = response.text
    assert "Solidarity from Poland" in body
    assert _counter(body, "total") == "129"
    assert _counter(body, "letter") == "120"
    assert _counter(body, "postcard") == "8"
    assert _counter(body, "event") == "1"
    assert f'<tr data-campaign="{campaign.slug}">' in body
    assert "Lanterns in Warsaw" in body and "Not yet published" not in body
    assert "1 event<" in body
    assert 'id="map-data"' in body
    # The small map's markers: Poland's published events only.
    assert '"events_url": "/api/events.geojson?country=PL"' in body
    features = client.get("/api/events.geojson?country=PL").json()["features"]
    assert [f["properties"]["title"] for f in features] == ["Lanterns in Warsaw"]
    # Germany's figures are not Poland's.
    assert "99" not in body


def test_the_country_page_takes_any_case_and_refuses_what_is_no_country(client, db):
    response = client.get("/map/pl/")
    assert response.status_code == 301 and response["Location"] == "/map/PL/"
    assert client.get("/map/XX/").status_code == 404
    assert client.get("/map/POL/").status_code == 404
    assert client.post("/map/PL/").status_code == 405


def test_every_country_table_row_links_its_country_page(client, campaign, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    factories.make_report(campaign, country="PL", quantity=3)
    for url in (reverse("map"), campaign.get_absolute_url()):
        assert '<a href="/map/PL/">Poland</a>' in client.get(url).text


@pytest.mark.parametrize("n", [1, 12])
def test_the_country_page_reads_tally_rows_only(
    client, organiser, moderator, campaign, settings, django_assert_num_queries, n
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    for i in range(n):
        factories.make_report(
            factories.make_campaign(), country="PL", quantity=i + 1, kind="signature"
        )
        event = make_event(organiser, city="Warsaw", country="PL", title=f"Event {i}")
        with committed():
            event_services.event_publish(event=event, moderator=moderator)
    # global rows, campaigns' rows, the events shown
    with django_assert_num_queries(3):
        assert client.get("/map/PL/").status_code == 200
    # Warm: the figures come from the cache; the event list is one query.
    with django_assert_num_queries(1):
        assert client.get("/map/PL/").status_code == 200


def test_the_country_page_caps_its_event_list(client, organiser, moderator, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    from pages import views

    settings_cap = views.COUNTRY_EVENTS_SHOWN
    views.COUNTRY_EVENTS_SHOWN = 2
    try:
        for i in range(3):
            event = make_event(organiser, city="Warsaw", country="PL", title=f"Event {i}")
            with committed():
                event_services.event_publish(event=event, moderator=moderator)
        body = client.get("/map/PL/").text
    finally:
        views.COUNTRY_EVENTS_SHOWN = settings_cap
    assert body.count("<li data-event=") == 2
    assert "3 events<" in body
    assert "and 1 more event" in body


def test_the_country_api_gives_the_same_figures(client, organiser, moderator, campaign):
    _poland(organiser, moderator, campaign)
    response = client.get("/api/countries/pl/", follow=True)
    assert response.status_code == 200
    data = response.json()
    assert data["country"] == "PL"
    assert data["totals"]["actions"] == 129
    assert data["totals"]["by_kind"]["event"] == 1
    assert data["campaigns"] == [
        {
            "campaign": campaign.slug,
            "title": campaign.title,
            "total": 120,
            "by_kind": {
                "letter": 120,
                "postcard": 0,
                "signature": 0,
                "appeal": 0,
                "event": 0,
                "participant": 0,
                "other": 0,
            },
        }
    ]
    assert data["outside_campaigns"]["postcard"] == 8
    assert data["outside_campaigns"]["event"] == 1
    assert "organiser" not in response.text and "@" not in response.text
    assert client.get("/api/countries/ZZ/").status_code == 404


# --- reconcile -------------------------------------------------------------------


def test_the_reconcile_repairs_global_drift_and_says_so(campaign, caplog):
    factories.make_report(None, country="PL", quantity=5)
    factories.make_report(campaign, country="DE", quantity=3)
    GlobalTally.objects.filter(country="PL").update(quantity=50)
    GlobalDailyTally.objects.all().delete()
    with caplog.at_level(logging.WARNING, logger="campaigns.services.tallies"):
        drifted = services.tallies_reconcile()
    assert None in drifted and campaign.pk not in drifted
    assert "global tallies" in caplog.text
    assert dict(GlobalTally.objects.values_list("country", "quantity")) == {"PL": 5, "DE": 3}
    assert sum(GlobalDailyTally.objects.values_list("quantity", flat=True)) == 8
    assert services.tallies_reconcile() == []


def test_deleting_a_campaign_keeps_its_acts_on_the_map(campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    Campaign.objects.filter(pk=campaign.pk).delete()
    assert Action.objects.get().campaign is None
    assert GlobalTally.objects.get().quantity == 5
    assert services.global_tallies_recompute() is False


# --- the data migration -------------------------------------------------------------


def test_the_migrations_count_existing_events_and_letters_and_fill_the_global_rows(
    organiser, moderator, campaign, prisoner
):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from campaigns.models import DailyTally, Tally
    from events.models import Event
    from letters.models import Letter

    # As the old rules left them: events without a campaign or a report, and
    # letters outside campaigns, had no actions; no global rows existed.
    bare = make_event(organiser, campaign=None, country="PL", status=Event.Status.PUBLISHED)
    reported = make_event(organiser, campaign=campaign, status=Event.Status.PUBLISHED)
    EventReport.objects.create(event=reported, participants=12, postcards=0)
    make_event(organiser, campaign=campaign, country="DE")  # waiting: not counted
    letter = make_letter(prisoner, country="LV", campaign=None)
    Letter.objects.filter(pk=letter.pk).update(campaign=None, status=Letter.Status.APPROVED)
    factories.make_report(campaign, country="JP", quantity=4)
    for model in (GlobalTally, GlobalDailyTally, PrisonerTally, Tally, DailyTally):
        model.objects.all().delete()
    Campaign.objects.update(actions_total=0, countries_total=0)

    for name in (
        "events.migrations.0011_events_count_at_publication",
        "letters.migrations.0006_letters_count_outside_campaigns",
        "campaigns.migrations.0007_rebuild_tallies",
    ):
        # The functions only read the editor's connection.
        importlib.import_module(name).forwards(apps, SimpleNamespace(connection=connection))

    assert {
        (a.source_id, a.kind, a.campaign_id)
        for a in Action.objects.exclude(source_type__model="offlinereport")
    } == {
        (bare.pk, "event", None),
        (reported.pk, "event", campaign.pk),
        (reported.pk, "participant", campaign.pk),
        (letter.pk, "letter", None),
    }
    assert {(t.country, t.kind): t.quantity for t in GlobalTally.objects.all()} == {
        ("PL", "event"): 1,
        ("LT", "event"): 1,
        ("LT", "participant"): 12,
        ("LV", "letter"): 1,
        ("JP", "letter"): 4,
    }
    assert PrisonerTally.objects.get(prisoner=prisoner).quantity == 1
    campaign.refresh_from_db()
    assert (campaign.actions_total, campaign.countries_total) == (1 + 12 + 4, 2)
    # Run again: nothing doubles.
    for name in (
        "events.migrations.0011_events_count_at_publication",
        "letters.migrations.0006_letters_count_outside_campaigns",
    ):
        # The functions only read the editor's connection.
        importlib.import_module(name).forwards(apps, SimpleNamespace(connection=connection))
    assert Action.objects.count() == 5
    assert services.global_tallies_recompute() is False


def test_the_country_page_and_api_give_campaign_titles_in_the_visitors_language(
    client, organiser, moderator, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    translated = factories.make_campaign(
        title_en="Letter marathon", title_be="Марафон лістоў", title_ru="Марафон писем"
    )
    english_only = factories.make_campaign(title_en="Postcards for Ales")
    factories.make_report(translated, country="PL", quantity=5)
    factories.make_report(english_only, country="PL", quantity=3)
    body = client.get("/be/map/PL/").text
    assert f'<a href="/be/campaigns/{translated.slug}/">Марафон лістоў</a>' in body
    # No Belarusian title: English, marked so a screen reader reads it as such.
    assert f'<a href="/be/campaigns/{english_only.slug}/" lang="en">Postcards for Ales</a>' in (
        body
    )
    data = client.get("/ru/api/countries/PL/").json()
    assert [c["title"] for c in data["campaigns"]] == ["Марафон писем", "Postcards for Ales"]
    body = client.get("/map/PL/").text
    assert f'<a href="/campaigns/{translated.slug}/">Letter marathon</a>' in body


def test_the_country_page_marks_event_titles_with_their_language(
    client, organiser, moderator, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    event = make_event(
        organiser, city="Warszawa", country="PL", title="Znicze pod ambasadą", language="pl"
    )
    with committed():
        event_services.event_publish(event=event, moderator=moderator)
    body = client.get("/be/map/PL/").text
    assert f'<a href="/be/events/{event.pk}/" lang="pl">Znicze pod ambasadą</a>' in body
