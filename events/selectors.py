import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from events.models import Event, EventPhoto, EventReport
from prisoners.models import Prisoner


@dataclass(frozen=True)
class EventFilters:
    country: str = ""
    city: str = ""
    kind: str = ""
    campaign: str = ""  # a campaign's slug
    when: str = ""  # "upcoming", "past" or ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        return self == EventFilters()


def event_countries_published() -> list[str]:
    """The countries (alpha-2) where published events are, for the list's
    country filter: a handful, not the ~250 of the world (issue 15)."""
    return list(Event.objects.published().order_by().values_list("country", flat=True).distinct())


def event_list_published(*, filters: EventFilters = EventFilters()) -> QuerySet[Event]:
    qs = Event.objects.published().select_related("campaign")
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.city:
        qs = qs.filter(city__iexact=filters.city.strip())
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.campaign:
        qs = qs.filter(campaign__slug=filters.campaign, campaign__is_published=True)
    now = timezone.now()
    if filters.when == "upcoming":
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "id")
    elif filters.when == "past":
        qs = qs.filter(ends_at__lt=now)
    # Dates as on the clocks where each event happens: an event at 00:30 on
    # 22 May in Vilnius is "on 22 May", although in UTC it began on 21 May.
    if filters.date_from:
        qs = qs.filter(ends_on_local__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_on_local__lte=filters.date_to)
    return qs


def photos_public() -> QuerySet[EventPhoto]:
    """Announcement photos, and report photos only while their report is shown.

    A moderator hides a report to take its figures and photos off the site;
    the photos came with the report, so they go with it.
    """
    return EventPhoto.objects.filter(
        Q(stage=EventPhoto.Stage.ANNOUNCEMENT)
        | Q(stage=EventPhoto.Stage.REPORT, event__report__is_published=True)
    ).order_by("order", "id")


def with_cover(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Prefetch each event's public photos (one query for the page) for thumbnails."""
    return qs.prefetch_related(Prefetch("photos", queryset=photos_public(), to_attr="photo_list"))


def event_get_public(*, pk: int) -> Event:
    return (
        Event.objects.published()
        .select_related("campaign")
        .prefetch_related(
            Prefetch("prisoners", queryset=Prisoner.objects.published()),
            Prefetch("photos", queryset=photos_public()),
            Prefetch("report", queryset=EventReport.objects.filter(is_published=True)),
        )
        .get(pk=pk)
    )


def events_for_home(*, limit: int = 3) -> tuple[list[Event], list[Event]]:
    """(upcoming, recent): two small queries whatever the number of events."""
    now = timezone.now()
    published = Event.objects.published()
    upcoming = list(published.filter(ends_at__gte=now).order_by("starts_at", "id")[:limit])
    recent = list(published.filter(ends_at__lt=now).order_by("-starts_at", "-id")[:limit])
    return upcoming, recent


def events_of_organiser(*, user) -> QuerySet[Event]:
    return Event.objects.filter(organiser=user).select_related("campaign").order_by("-created_at")


def events_in_country(*, code: str, limit: int) -> list[Event]:
    """A country's published events, newest first, at most ``limit`` (one query)."""
    return list(
        Event.objects.published()
        .filter(country=code)
        .select_related("campaign")
        .order_by("-starts_at", "-id")[:limit]
    )
