import datetime as dt
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from campaigns.models import Campaign
from prisoners.models import Prisoner

# Time zones offered in the forms: where the diaspora holds events. Any IANA
# name is accepted by the model; the forms keep the choice short.
COMMON_TIMEZONES = [
    "UTC",
    "Europe/Minsk",
    "Europe/Vilnius",
    "Europe/Warsaw",
    "Europe/Riga",
    "Europe/Tallinn",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/Prague",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Helsinki",
    "Europe/Copenhagen",
    "Europe/Athens",
    "Europe/Istanbul",
    "Asia/Tbilisi",
    "Asia/Tokyo",
    "Asia/Seoul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "America/Asuncion",
    "Australia/Sydney",
]


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    # The IANA names of the tzdata in use: not a directory or a data file of
    # the zoneinfo folder, nor the machine's own "localtime" link, which means
    # something else on every server.
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules"})


def timezone_is_known(name: str) -> bool:
    if name not in _known_timezones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def validate_timezone_name(value: str) -> None:
    if not timezone_is_known(value):
        raise ValidationError(
            _("“%(value)s” is not a time zone; choose one such as Europe/Vilnius."),
            code="unknown_timezone",
            params={"value": value},
        )


# Events happen in this window. Far outside it a time zone's offset can push
# a date past year 9999 or before year 1 (OverflowError), and no solidarity
# event is logged for 1066 or 3000.
EVENT_YEARS = (2000, 2100)


def validate_event_year(value):
    first, last = EVENT_YEARS
    if value is not None and not first <= value.year <= last:
        raise ValidationError(
            _("Choose a date between %(first)d and %(last)d."),
            code="year_out_of_range",
            params={"first": first, "last": last},
        )


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)


class Event(models.Model):
    class Kind(models.TextChoices):
        RALLY = "rally", _("Rally or picket")
        LETTERS = "letters", _("Letter-writing evening")
        EXHIBITION = "exhibition", _("Exhibition")
        BIKE_RIDE = "bike_ride", _("Bike ride")
        CONCERT = "concert", _("Concert or performance")
        LANTERNS = "lanterns", _("Lanterns or candles")
        PETITION = "petition", _("Petition drive")
        ONLINE = "online", _("Online action")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Events are not translated: they stay in the language the organiser wrote
    # them in, and pages mark title and description with it (lang="…") so a
    # screen reader reads them right on a page in another language.
    language = models.CharField(
        _("language"),
        max_length=10,
        default="en",
        help_text=_("The language the title and description are written in."),
    )
    starts_at = models.DateTimeField(_("starts"), validators=[validate_event_year])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_event_year])
    # The dates on the clocks where the event happens (services.event_local_dates_set):
    # what a visitor means by "events on 22 May", whatever UTC says.
    starts_on_local = models.DateField(_("starts on (local date)"), editable=False)
    ends_on_local = models.DateField(_("ends on (local date)"), editable=False)
    timezone_name = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone_name]
    )
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    prisoners = models.ManyToManyField(
        Prisoner, verbose_name=_("prisoners honoured"), blank=True, related_name="events"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    organiser_name = models.CharField(
        _("organiser as shown publicly"),
        max_length=200,
        help_text=_("A group or a first name; shown on the event page."),
    )
    contact = models.CharField(
        _("private contact"),
        max_length=200,
        blank=True,
        help_text=_("For moderators only; never shown publicly."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The review queue's claim (config/review.py): who is reading it now,
    # and until when the others' queues pass it by.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("in review by"),
    )
    claimed_until = models.DateTimeField(
        _("in review until"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The event cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="event_point_on_earth",
            ),
            models.CheckConstraint(
                condition=Q(status="rejected") | Q(rejection_reason=""),
                name="event_reason_only_when_rejected",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["status", "country"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"pk": self.pk})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone_name)

    @property
    def starts_local(self) -> dt.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class EventPhoto(models.Model):
    class Stage(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("With the announcement")
        REPORT = "report", _("With the report")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="photos", verbose_name=_("event")
    )
    # Only re-encoded pixels are ever stored here (config.photos).
    image = models.ImageField(_("photo"), upload_to="events/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="events/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("width"))
    height = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("height"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("photo credit"), max_length=200, blank=True)
    stage = models.CharField(
        _("added"), max_length=20, choices=Stage.choices, default=Stage.ANNOUNCEMENT
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["event", "order", "id"]

    def __str__(self):
        return self.caption or f"{self.event_id}/{self.pk}"


# No single event gathers more; a larger figure is a typo or an attempt to
# inflate the campaign's tallies.
MAX_REPORT_COUNT = 10_000_000

_count_plausible = MaxValueValidator(
    MAX_REPORT_COUNT,
    message=_("That is more than 10,000,000 for one event; please check the figure."),
)


class EventReport(models.Model):
    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="report", verbose_name=_("event")
    )
    participants = models.PositiveIntegerField(
        _("participants"), default=0, validators=[_count_plausible]
    )
    letters_written = models.PositiveIntegerField(
        _("letters written"), default=0, validators=[_count_plausible]
    )
    postcards = models.PositiveIntegerField(
        _("postcards written"), default=0, validators=[_count_plausible]
    )
    signatures = models.PositiveIntegerField(
        _("signatures collected"), default=0, validators=[_count_plausible]
    )
    other_actions = models.PositiveIntegerField(
        _("other actions"), default=0, validators=[_count_plausible]
    )
    other_actions_description = models.CharField(
        _("what the other actions were"), max_length=300, blank=True
    )
    summary = models.TextField(_("how it went"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("event report")
        verbose_name_plural = _("event reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(participants__gte=0)
                & Q(letters_written__gte=0)
                & Q(postcards__gte=0)
                & Q(signatures__gte=0)
                & Q(other_actions__gte=0),
                name="event_report_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(participants__lte=MAX_REPORT_COUNT)
                & Q(letters_written__lte=MAX_REPORT_COUNT)
                & Q(postcards__lte=MAX_REPORT_COUNT)
                & Q(signatures__lte=MAX_REPORT_COUNT)
                & Q(other_actions__lte=MAX_REPORT_COUNT),
                name="event_report_counts_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.event}"
