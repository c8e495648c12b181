import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from events.models import Event
from tests.events.conftest import make_event
from tests.events.test_forms_views import _data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at"),
    [
        ("America/Los_Angeles", "9999-12-31T23:00", "9999-12-31T23:30"),
        ("Europe/Vilnius", "0001-01-01T00:30", "0001-01-01T01:30"),
        ("Europe/Vilnius", "1999-12-31T18:00", "1999-12-31T20:00"),
        ("Europe/Vilnius", "2101-01-01T18:00", "2101-01-01T20:00"),
    ],
)
def test_it_refuses_a_start_year_out_of_range_next_to_the_field(
    client, organiser, zone, starts_at, ends_at
):
    client.force_login(organiser)
    response = client.post(
        "/events/new/",
        _data(client, timezone_name=zone, starts_at=starts_at, ends_at=ends_at),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "between 2000 and 2100" in str(errors["starts_at"])
    assert "between 2000 and 2100" in str(errors["ends_at"])
    assert response.context["form"]["title"].value() == "Rally on Cathedral Square"
    assert not Event.objects.exists()


def test_it_refuses_an_end_far_in_the_future_even_after_a_sane_start(client, organiser):
    client.force_login(organiser)
    response = client.post(
        "/events/new/",
        _data(client, timezone_name="America/Los_Angeles", ends_at="9999-12-31T23:00"),
    )
    assert response.status_code == 200
    assert "between 2000 and 2100" in str(response.context["form"].errors["ends_at"])
    assert not Event.objects.exists()


def test_it_refuses_a_time_the_clocks_skip_in_spring(client, organiser):
    client.force_login(organiser)
    # Lithuania moved its clocks from 03:00 to 04:00 on 31 March 2024.
    response = client.post(
        "/events/new/",
        _data(client, starts_at="2024-03-31T03:30", ends_at="2024-03-31T05:00"),
    )
    assert response.status_code == 200
    error = str(response.context["form"].errors["starts_at"])
    assert "does not exist in Europe/Vilnius" in error
    assert "clocks" in error
    assert not Event.objects.exists()


def test_it_accepts_the_hour_after_the_spring_change(client, organiser):
    client.force_login(organiser)
    response = client.post(
        "/events/new/",
        _data(client, starts_at="2024-03-31T04:00", ends_at="2024-03-31T05:00"),
    )
    assert response.status_code == 302
    # 04:00 EEST (UTC+3) is 01:00 UTC.
    assert Event.objects.get().starts_at.isoformat() == "2024-03-31T01:00:00+00:00"


def test_it_refuses_out_of_range_years_in_the_model_too(organiser):
    # The admin edits dates without the activist form: the model says no as well.
    event = make_event(organiser)
    event.starts_at = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
    event.ends_at = dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refusal:
        event.full_clean()
    assert set(refusal.value.message_dict) == {"starts_at", "ends_at"}
