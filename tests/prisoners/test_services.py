import datetime as dt

import pytest
from django.db import IntegrityError

from prisoners.models import Imprisonment
from prisoners.selectors import birthdays_upcoming
from prisoners.services import next_birthday, prisoner_move
from tests import factories


@pytest.mark.parametrize(
    ("today", "month", "day", "expected"),
    [
        (dt.date(2026, 9, 1), 9, 25, dt.date(2026, 9, 25)),
        (dt.date(2026, 9, 25), 9, 25, dt.date(2026, 9, 25)),
        (dt.date(2026, 9, 26), 9, 25, dt.date(2027, 9, 25)),
        (dt.date(2026, 2, 1), 2, 29, dt.date(2026, 2, 28)),
        (dt.date(2027, 12, 30), 2, 29, dt.date(2028, 2, 29)),
    ],
)
def test_next_birthday(today, month, day, expected):
    assert next_birthday(month=month, day=day, today=today) == expected


@pytest.mark.django_db
def test_birthdays_window_wraps_new_year_and_sorts_by_date():
    a = factories.make_prisoner(birthday_month=1, birthday_day=5)
    b = factories.make_prisoner(birthday_month=12, birthday_day=30)
    factories.make_prisoner(birthday_month=1, birthday_day=20)
    found = birthdays_upcoming(today=dt.date(2026, 12, 28), days=14)
    assert [x.prisoner for x in found] == [b, a]
    assert [x.days_away for x in found] == [2, 8]


@pytest.mark.django_db
def test_a_transfer_ends_the_current_place_and_starts_a_new_one(prisoner):
    new = factories.make_facility(name="Colony No. 2")
    prisoner_move(prisoner=prisoner, facility=new, since=dt.date(2022, 2, 1))
    current = Imprisonment.objects.get(prisoner=prisoner, until__isnull=True)
    assert current.facility == new
    assert Imprisonment.objects.filter(prisoner=prisoner, until=dt.date(2022, 2, 1)).count() == 1


@pytest.mark.django_db
def test_a_prisoner_cannot_be_held_in_two_places_at_once(prisoner):
    with pytest.raises(IntegrityError):
        Imprisonment.objects.create(prisoner=prisoner, facility=factories.make_facility())


def test_writable_prisoners_are_published_and_behind_bars(db):
    from prisoners.models import Prisoner
    from tests import factories

    detained = factories.make_prisoner(status=Prisoner.Status.DETAINED)
    factories.make_prisoner(status=Prisoner.Status.RELEASED)
    factories.make_prisoner(status=Prisoner.Status.DIED)
    factories.make_prisoner(status=Prisoner.Status.CONVICTED, is_published=False)
    assert list(Prisoner.objects.writable()) == [detained]
    assert Prisoner.objects.published().count() == 3
