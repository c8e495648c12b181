import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, Prefetch, Q, QuerySet, When

from prisoners.models import Imprisonment, Prisoner
from prisoners.services import next_birthday

# "needs_letters": people behind bars first, fewest letters posted in the last
# 30 days first. letters_recent is a stored figure (see the model), so the
# ordering costs no counting.
ORDERINGS = {"needs_letters"}


def prisoner_list(*, status: str | None = None, order: str | None = None) -> QuerySet[Prisoner]:
    qs = Prisoner.objects.published()
    if status:
        qs = qs.filter(status=status)
    if order == "needs_letters":
        behind_bars = Case(
            When(status__in=Prisoner.BEHIND_BARS, then=0),
            default=1,
        )
        qs = qs.order_by(behind_bars, "letters_recent", "name")
    return qs.prefetch_related(
        Prefetch(
            "imprisonments",
            queryset=Imprisonment.objects.filter(until__isnull=True).select_related("facility"),
            to_attr="current_imprisonments",
        )
    )


def prisoner_get_published(*, slug: str) -> Prisoner:
    return (
        Prisoner.objects.published()
        .prefetch_related(
            Prefetch(
                "imprisonments",
                queryset=Imprisonment.objects.select_related("facility").order_by(
                    F("until").desc(nulls_first=True), "-since"
                ),
            ),
            "case_events",
            # campaigns.PrisonerTally by its related name: prisoners imports
            # no other app; the ledger writes these rows (the dependency
            # points from campaigns to here).
            "solidarity_tallies",
        )
        .get(slug=slug)
    )


@dataclass(frozen=True)
class UpcomingBirthday:
    prisoner: Prisoner
    date: dt.date
    days_away: int


def birthdays_upcoming(*, today: dt.date, days: int) -> list[UpcomingBirthday]:
    """Prisoners still behind bars whose birthday falls in [today, today + days]."""
    end = today + dt.timedelta(days=days)
    start_key = today.month * 100 + today.day
    end_key = end.month * 100 + end.day
    window = Q(birthday_key__gte=start_key, birthday_key__lte=end_key)
    if end_key < start_key or days >= 365:  # the window wraps around New Year
        window = Q(birthday_key__gte=start_key) | Q(birthday_key__lte=end_key)
    qs = (
        prisoner_list()
        .behind_bars()
        .filter(birthday_month__isnull=False)
        .annotate(birthday_key=F("birthday_month") * 100 + F("birthday_day"))
        .filter(window)
    )
    upcoming = []
    for prisoner in qs:
        date = next_birthday(month=prisoner.birthday_month, day=prisoner.birthday_day, today=today)
        upcoming.append(UpcomingBirthday(prisoner, date, (date - today).days))
    upcoming.sort(key=lambda b: (b.date, b.prisoner.name))
    return upcoming
