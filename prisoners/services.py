import calendar
import datetime as dt

from django.db import transaction

from prisoners.models import Facility, Imprisonment, Prisoner


def birthday_is_valid(month: int, day: int) -> bool:
    # 29 February is a real birthday; check against a leap year.
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]


def next_birthday(*, month: int, day: int, today: dt.date) -> dt.date:
    """The next date (today included) on which this birthday falls.

    29 February is celebrated on 28 February in common years.
    """
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, month)[1]
        candidate = dt.date(year, month, min(day, last))
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable: a birthday recurs within a year")


@transaction.atomic
def prisoner_move(
    *, prisoner: Prisoner, facility: Facility, since: dt.date | None = None
) -> Imprisonment:
    """Record a transfer: the current place of detention ends, a new one starts."""
    current = (
        Imprisonment.objects.select_for_update()
        .filter(prisoner=prisoner, until__isnull=True)
        .first()
    )
    if current is not None:
        if current.facility_id == facility.pk:
            return current
        current.until = since or dt.date.today()
        current.save(update_fields=["until"])
    return Imprisonment.objects.create(prisoner=prisoner, facility=facility, since=since)
