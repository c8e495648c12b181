import datetime as dt

import pytest
from django.urls import reverse

from prisoners.models import Prisoner
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_lists_published_prisoners(client, prisoner):
    factories.make_prisoner(name="Hidden Person", is_published=False)
    response = client.get(reverse("prisoners:list"))
    assert response.status_code == 200
    assert "Ales Bialiatski" in response.text
    assert "Hidden Person" not in response.text


def test_it_filters_by_status(client, prisoner):
    factories.make_prisoner(name="Freed Person", status=Prisoner.Status.RELEASED)
    response = client.get(reverse("prisoners:list"), {"status": "released"})
    assert "Freed Person" in response.text
    assert "Ales Bialiatski" not in response.text


def test_it_ignores_an_unknown_status(client, prisoner):
    response = client.get(reverse("prisoners:list"), {"status": "<script>", "page": "zzz"})
    assert response.status_code == 200
    assert "Ales Bialiatski" in response.text
    assert "<script>" not in response.text


def test_it_refuses_post_on_the_list(client):
    assert client.post(reverse("prisoners:list")).status_code == 405


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_is_constant(client, django_assert_num_queries, size):
    facility = factories.make_facility()
    for _ in range(size):
        factories.make_prisoner(facility=facility)
    # session-less anonymous request: count, page of prisoners, their current facilities
    with django_assert_num_queries(3):
        response = client.get(reverse("prisoners:list"))
    assert response.status_code == 200


def test_profile_shows_address_timeline_and_languages(client, prisoner):
    factories.make_case_event(prisoner, date=dt.date(2011, 8, 4), text="Detained in Minsk.")
    response = client.get(prisoner.get_absolute_url())
    assert response.status_code == 200
    body = response.text
    assert "Алесь Бяляцкі" in body
    assert "220030 Minsk" in body
    assert "ул. Володарского, 2" in body
    assert "Detained in Minsk." in body
    assert "Belarusian, Russian" in body
    assert "25 September" in body


def test_profile_says_when_letters_do_not_reach(client, prisoner):
    prisoner.accepts_letters = False
    prisoner.save()
    assert "Letters do not reach this person" in client.get(prisoner.get_absolute_url()).text


def test_a_memorial_profile_offers_no_address_to_write_to(client, prisoner):
    assert "Where to write" in client.get(prisoner.get_absolute_url()).text
    prisoner.status = Prisoner.Status.DIED
    prisoner.save()
    body = client.get(prisoner.get_absolute_url()).text
    assert "Where to write" not in body
    assert "220030 Minsk" not in body


def test_profile_escapes_user_text(client, prisoner):
    prisoner.bio = "<script>alert(1)</script>"
    prisoner.save()
    body = client.get(prisoner.get_absolute_url()).text
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_unknown_and_unpublished_profiles_are_404(client):
    hidden = factories.make_prisoner(is_published=False)
    assert client.get("/prisoners/nobody-here/").status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("entries", [1, 25])
def test_profile_query_count_is_constant(client, django_assert_num_queries, prisoner, entries):
    for i in range(entries):
        factories.make_case_event(prisoner, date=dt.date(2012, 1, 1) + dt.timedelta(days=i))
    # prisoner, imprisonments with facilities, case events, solidarity tallies,
    # the wall of solidarity
    with django_assert_num_queries(5):
        assert client.get(prisoner.get_absolute_url()).status_code == 200


def test_birthdays_lists_the_next_weeks_only(client, settings, freezer_date):
    soon = factories.make_prisoner(name="Soon Birthday", birthday_month=1, birthday_day=3)
    factories.make_prisoner(name="Far Birthday", birthday_month=6, birthday_day=1)
    factories.make_prisoner(
        name="Free Birthday", birthday_month=1, birthday_day=2, status=Prisoner.Status.RELEASED
    )
    response = client.get(reverse("prisoners:birthdays"))
    assert soon.name in response.text
    assert "Far Birthday" not in response.text
    assert "Free Birthday" not in response.text


@pytest.fixture
def freezer_date(monkeypatch):
    """Pretend today is 28 December, so the window wraps into January."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 12, 28))
