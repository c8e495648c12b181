"""The offline gazetteer: the city search, the town labels, a typed city without script."""

import pytest
from django.urls import reverse

from events import places
from events.models import Event
from tests.events.test_forms_views import _data

URL = "/api/places.json"


def names(response) -> list[str]:
    assert response.status_code == 200
    return [p["name"] for p in response.json()["places"]]


def test_it_finds_towns_by_the_start_of_their_name_largest_first(client):
    assert reverse("events:places") == URL
    found = client.get(URL, {"country": "BE", "q": "Bru"}).json()["places"]
    assert found[0] == {"name": "Brussels", "lat": 50.85, "lon": 4.349}
    assert [p["name"] for p in found[:2]] == ["Brussels", "Brugge"]


def test_it_ignores_case_and_accents_and_matches_later_words(client):
    assert names(client.get(URL, {"country": "pl", "q": "KRAKOW"}))[0] == "Kraków"
    assert names(client.get(URL, {"country": "PL", "q": "bialy"}))[0] == "Białystok"
    assert "Frankfurt am Main" in names(client.get(URL, {"country": "DE", "q": "main"}))


def test_it_finds_towns_by_their_cyrillic_names_and_offers_them_so(client):
    assert names(client.get(URL, {"country": "BE", "q": "Брусэ"})) == ["Брусэль"]
    found = client.get(URL, {"country": "LT", "q": "вильн"}).json()["places"]
    assert found[0] == {"name": "Вильнюс", "lat": 54.689, "lon": 25.28}


def test_without_script_a_city_typed_in_cyrillic_places_the_event_too(client, organiser):
    client.force_login(organiser)
    data = _data(client, country="LT", city="Вільнюс", latitude="", longitude="")
    assert client.post("/events/new/", data).status_code == 302
    event = Event.objects.get()
    assert (float(event.latitude), float(event.longitude)) == (54.689, 25.28)


def test_it_searches_only_the_chosen_country(client):
    assert "Vilnius" in names(client.get(URL, {"country": "LT", "q": "vil"}))
    assert "Vilnius" not in names(client.get(URL, {"country": "PL", "q": "vil"}))
    assert len(names(client.get(URL, {"country": "US", "q": "s"}))) == places.MAX_RESULTS


def test_it_names_the_towns_near_a_point(client):
    near = names(client.get(URL, {"country": "BE", "near": "50.85,4.35"}))
    assert near[0] == "Brussels" and "Antwerp" in near and "Leuven" in near
    # Liège is 90 km away, Ostend 110: within reach; nothing from across the border.
    assert "Lille" not in near and "Maastricht" not in near


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "bru"},
        {"country": "XX", "q": "bru"},
        {"country": "Belgium", "q": "bru"},
        {"country": "BE", "q": "b" * 101},
        {"country": "BE", "near": "fifty,four"},
        {"country": "BE", "near": "50.8"},
        {"country": "BE", "near": "nan,4"},
        {"country": "BE", "near": "91,4"},
        {"country": "BE", "near": "1,2,3"},
        {"country": "../../etc", "q": "bru"},
    ],
)
def test_bad_questions_get_400_with_an_empty_list(client, query):
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.json()["places"] == [] and response.json()["error"]


@pytest.mark.parametrize("q", ["", "   ", "zzzzqx", "%", "<script>", "\x00", "é"])
def test_odd_but_harmless_searches_find_nothing_or_something_never_fail(client, q):
    response = client.get(URL, {"country": "BE", "q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["places"], list)


def test_it_refuses_writes_and_may_be_cached_by_browsers(client):
    assert client.post(URL, {"country": "BE", "q": "bru"}).status_code == 405
    response = client.get(URL, {"country": "BE", "q": "bru"})
    assert "max-age=86400" in response["Cache-Control"]


def test_without_script_a_typed_city_places_the_event(client, organiser):
    client.force_login(organiser)
    data = _data(client, country="BE", city="brussels", latitude="", longitude="")
    response = client.post("/events/new/", data)
    assert response.status_code == 302
    event = Event.objects.get()
    assert (float(event.latitude), float(event.longitude)) == (50.85, 4.349)
    assert event.city == "brussels"  # kept as typed


def test_an_unknown_city_without_a_point_is_an_error_next_to_the_city(client, organiser):
    client.force_login(organiser)
    data = _data(client, country="BE", city="Atlantis", latitude="", longitude="")
    response = client.post("/events/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "could not find “Atlantis” in Belgium" in str(errors["city"])
    assert not Event.objects.exists()


def test_half_a_point_is_an_error_not_a_guess(client, organiser):
    client.force_login(organiser)
    response = client.post("/events/new/", _data(client, country="BE", longitude=""))
    assert "Give both coordinates" in str(response.context["form"].errors["longitude"])


def test_a_picked_point_still_has_to_be_in_the_country(client, organiser):
    client.force_login(organiser)
    # Brussels typed, but the point is in Warsaw: the point wins and is refused.
    data = _data(client, country="BE", city="Brussels", latitude="52.2297", longitude="21.0122")
    response = client.post("/events/new/", data)
    assert "not in Belgium" in str(response.context["form"].errors["latitude"])
