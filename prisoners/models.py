import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from prisoners.languages import LETTER_LANGUAGE_NAMES

# Year of birth: nobody in custody was born before 1900, and nobody under 14
# (the lowest age of criminal responsibility in Belarus and Russia) is a
# political prisoner we write to.
BIRTH_YEAR_MIN = 1900
YOUNGEST_AGE = 14


def validate_birth_year(year: int) -> None:
    latest = dt.date.today().year - YOUNGEST_AGE
    if not BIRTH_YEAR_MIN <= year <= latest:
        raise ValidationError(
            _("Enter a year of birth between %(first)s and %(last)s."),
            params={"first": BIRTH_YEAR_MIN, "last": latest},
            code="birth_year",
        )


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # The organisation's own id for the row (a prisoner list's "ID" column):
    # what an import matches rows on, so a second import updates in place.
    # NULL for rows entered by hand; unique where set.
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The organisation's own id; imports match rows on it."),
    )
    name_original = models.CharField(_("name in the original script"), max_length=200, blank=True)
    address = models.TextField(
        _("postal address"), help_text=_("As written on an envelope, in Latin letters.")
    )
    address_original = models.TextField(
        _("postal address in the original script"),
        blank=True,
        help_text=_("As the local post office reads it, e.g. in Cyrillic."),
    )
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PrisonerQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def behind_bars(self):
        return self.filter(status__in=Prisoner.BEHIND_BARS)

    def writable(self):
        """Published and behind bars: who the site takes letters for."""
        return self.published().behind_bars()


class Prisoner(models.Model):
    class Status(models.TextChoices):
        DETAINED = "detained", _("Detained")
        CONVICTED = "convicted", _("Convicted")
        RELEASED = "released", _("Released")
        DIED = "died", _("Died in custody")

    # The organisation's own id for the row (a prisoner list's "ID" column):
    # what an import matches rows on, so a second import updates in place.
    # NULL for rows entered by hand; unique where set.
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The organisation's own id; imports match rows on it."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_original = models.CharField(_("name in the original script"), max_length=200, blank=True)
    # Prisons in Belarus and Russia expect surname, first name, patronymic and
    # year of birth on the envelope (letters/pdf.py prints them when set).
    patronymic = models.CharField(
        _("patronymic"),
        max_length=100,
        blank=True,
        help_text=_("Printed on envelopes after the name, e.g. Viktaravich."),
    )
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[validate_birth_year],
        help_text=_("Printed on envelopes: prisons tell people with the same name apart by it."),
    )
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    photo = models.ImageField(_("photo"), upload_to="prisoners/", blank=True)
    bio = models.TextField(_("biography"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DETAINED
    )
    birthday_month = models.PositiveSmallIntegerField(
        _("birthday month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    birthday_day = models.PositiveSmallIntegerField(
        _("birthday day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    charges = models.TextField(_("charges"), blank=True)
    sentence = models.CharField(_("sentence"), max_length=200, blank=True)
    accepts_letters = models.BooleanField(
        _("letters reach them now"),
        default=True,
        help_text=_("Untick while letters cannot be delivered; new letters are then held."),
    )
    letter_languages = models.CharField(
        _("languages the prison accepts"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated language codes, e.g. be,ru."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    # Written only by letters.services (letters -> prisoners is the allowed
    # direction) so that profiles and the list read counts, never count rows.
    letters_sent = models.PositiveIntegerField(_("letters posted"), default=0, editable=False)
    letters_last_posted_on = models.DateField(
        _("last letters posted on"), null=True, blank=True, editable=False
    )
    # Letters posted in the last 30 days; refreshed when a batch is posted and
    # hourly by a periodic task (letters.tasks.letters_recent_refresh), so old
    # letters age out of it up to an hour late.
    letters_recent = models.PositiveIntegerField(
        _("letters posted in the last 30 days"), default=0, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = PrisonerQuerySet.as_manager()

    BEHIND_BARS = (Status.DETAINED, Status.CONVICTED)

    class Meta:
        verbose_name = _("prisoner")
        verbose_name_plural = _("prisoners")
        ordering = ["name"]
        constraints = [
            # Both parts of a birthday or neither; the day must fit the month
            # is checked in clean(), the range here.
            models.CheckConstraint(
                condition=(Q(birthday_month__isnull=True) & Q(birthday_day__isnull=True))
                | (
                    Q(birthday_month__gte=1, birthday_month__lte=12)
                    & Q(birthday_day__gte=1, birthday_day__lte=31)
                ),
                name="prisoner_birthday_complete",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=BIRTH_YEAR_MIN),
                name="prisoner_birth_year_plausible",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("prisoners:detail", kwargs={"slug": self.slug})

    def clean(self):
        from prisoners.services import birthday_is_valid

        if (self.birthday_month is None) != (self.birthday_day is None):
            raise ValidationError(_("Give both the month and the day of the birthday, or neither."))
        if self.birthday_month and not birthday_is_valid(self.birthday_month, self.birthday_day):
            raise ValidationError({"birthday_day": _("This month has no such day.")})

    @property
    def letter_language_codes(self) -> list[str]:
        return [c.strip() for c in self.letter_languages.split(",") if c.strip()]

    @property
    def letter_language_names(self) -> list[str]:
        return [str(LETTER_LANGUAGE_NAMES.get(c, c)) for c in self.letter_language_codes]

    @property
    def is_behind_bars(self) -> bool:
        return self.status in self.BEHIND_BARS


class Imprisonment(models.Model):
    """Where a prisoner is or was held. The one with no end date is current."""

    prisoner = models.ForeignKey(
        Prisoner, on_delete=models.CASCADE, related_name="imprisonments", verbose_name=_("prisoner")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="imprisonments", verbose_name=_("facility")
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("place of detention")
        verbose_name_plural = _("places of detention")
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["prisoner"],
                condition=Q(until__isnull=True),
                name="one_current_facility_per_prisoner",
                violation_error_message=_("A prisoner can be held in one place at a time."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=F("since")),
                name="imprisonment_dates_ordered",
                violation_error_message=_("The end date is before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.prisoner} @ {self.facility}"


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        ARREST = "arrest", _("Arrest")
        CHARGE = "charge", _("Charge")
        TRIAL = "trial", _("Trial")
        SENTENCE = "sentence", _("Sentence")
        APPEAL = "appeal", _("Appeal")
        FINE = "fine", _("Fine")
        TRANSFER = "transfer", _("Transfer")
        RELEASE = "release", _("Release")
        OTHER = "other", _("Other")

    prisoner = models.ForeignKey(
        Prisoner, on_delete=models.CASCADE, related_name="case_events", verbose_name=_("prisoner")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("what happened"))

    class Meta:
        verbose_name = _("case timeline entry")
        verbose_name_plural = _("case timeline")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
