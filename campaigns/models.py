import datetime as dt
import re
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from prisoners.models import Prisoner


class CampaignQuerySet(models.QuerySet):
    """The one definition of which campaigns are public and which are running."""

    def published(self):
        return self.filter(is_published=True)

    def active(self, *, today: dt.date | None = None, ended_within: dt.timedelta | None = None):
        """Started and not ended (or ended less than ``ended_within`` ago), published or not."""
        today = today or timezone.localdate()
        last_day = today - (ended_within or dt.timedelta(0))
        return self.filter(starts_on__lte=today).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=last_day)
        )

    def running(self, *, today: dt.date | None = None):
        """Published and going on today: where a letter without a chosen campaign may count."""
        return self.filter(running_condition(today=today))


def running_condition(*, today: dt.date | None = None, prefix: str = "") -> Q:
    """CampaignQuerySet.running() as a condition, for a query that reaches
    campaigns through a relation (``prefix="campaigns__"``)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}is_published": True, f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": today})
    )


_HASHTAG = re.compile(r"#\w+")


def validate_hashtags(value: str) -> None:
    """Hashtags separated by spaces: "#4august #bysoliday"."""
    bad = [word for word in value.split() if not _HASHTAG.fullmatch(word)]
    if bad:
        raise ValidationError(
            _(
                "Write hashtags as # followed by letters, digits or _, separated by spaces "
                "(not a hashtag: %(words)s)."
            ),
            code="hashtags",
            params={"words": ", ".join(bad[:3])},
        )


class Campaign(models.Model):
    class Kind(models.TextChoices):
        LETTER_MARATHON = "letter_marathon", _("Letter marathon")
        DAY_OF_SOLIDARITY = "day_of_solidarity", _("Day of solidarity")
        BIRTHDAY_POSTCARDS = "birthday_postcards", _("Birthday postcards")
        PETITION = "petition", _("Petition")

    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    goal = models.PositiveIntegerField(
        _("goal in actions"), null=True, blank=True, help_text=_("Leave empty for no goal.")
    )
    prisoners = models.ManyToManyField(
        Prisoner, verbose_name=_("prisoners"), related_name="campaigns", blank=True
    )
    is_published = models.BooleanField(_("published"), default=False)
    # One set for every language: a hashtag is a search key, so the set
    # holds the tags people use in each language ("#4august #4августа").
    hashtags = models.CharField(
        _("hashtags"),
        max_length=200,
        blank=True,
        validators=[validate_hashtags],
        help_text=_("Separated by spaces, each starting with #: shown ready to copy."),
    )
    how_to = models.TextField(
        _("how to take part"),
        blank=True,
        max_length=2000,
        help_text=_("A few short steps, shown with the materials."),
    )
    # Petitions only: what the printed petition says and to whom it is handed
    # (campaigns/reports.py), in the petition's own language.
    petition_addressee = models.CharField(
        _("petition addressee"),
        max_length=300,
        blank=True,
        help_text=_("For petitions: who the signatures are handed to."),
    )
    petition_text = models.TextField(
        _("petition text"),
        blank=True,
        help_text=_("For petitions: the text above the signatures on the printed petition."),
    )

    # Written only by campaigns.services (totals refresh, recompute): what the
    # public pages read instead of counting the ledger.
    actions_total = models.PositiveBigIntegerField(_("actions in total"), default=0, editable=False)
    countries_total = models.PositiveIntegerField(_("countries"), default=0, editable=False)
    tallied_at = models.DateTimeField(_("tallied at"), null=True, editable=False)
    # Set when the ledger changed and a recompute is pending; cleared by the
    # task that claims the recompute. One pending recompute per campaign.
    tally_dirty_at = models.DateTimeField(
        null=True, editable=False, verbose_name=_("figures outdated since")
    )
    # How many recomputes ran: lets an operator see that bursts coalesce.
    tally_recomputes = models.PositiveBigIntegerField(
        _("tally recomputes"), default=0, editable=False
    )
    # The tally time (epoch seconds) the rendered map under MEDIA shows;
    # written only by campaigns.services.campaign_map_render. 0: none yet.
    map_version = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("map version")
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_dates_ordered",
                violation_error_message=_("The campaign cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:detail", kwargs={"slug": self.slug})

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    @property
    def has_ended(self) -> bool:
        return self.ends_on is not None and self.ends_on < timezone.localdate()

    @property
    def progress_percent(self) -> int | None:
        if not self.goal:
            return None
        return min(100, self.actions_total * 100 // self.goal)


def material_upload_to(instance, filename):
    # A name of our own: the uploaded file's name can carry its author's
    # name or a path from their computer.
    return f"campaigns/materials/{secrets.token_hex(8)}.{instance.file_type}"


class CampaignMaterial(models.Model):
    """A poster, leaflet, badge or photo to download for the action.

    Only files checked by campaigns.materials are stored: PDFs by their
    first bytes, images rebuilt from their pixels (no metadata).
    """

    class Kind(models.TextChoices):
        POSTER = "poster", _("Poster")
        LEAFLET = "leaflet", _("Leaflet")
        BADGE = "badge", _("Badge")
        PHOTO = "photo", _("Photo")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="materials", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=material_upload_to,
        max_length=200,
        help_text=_(
            "PDF, PNG or JPEG, up to 10 MB. Images are stored without their metadata "
            "(location, camera, author)."
        ),
    )
    file_type = models.CharField(_("file type"), max_length=10, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), default=0, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign material")
        verbose_name_plural = _("campaign materials")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(file_type__in=["pdf", "png", "jpg"]), name="material_type_known"
            ),
        ]

    def __str__(self):
        return self.title


class ActionKind(models.TextChoices):
    LETTER = "letter", _("Letters")
    POSTCARD = "postcard", _("Postcards")
    SIGNATURE = "signature", _("Signatures")
    APPEAL = "appeal", _("Appeals")
    EVENT = "event", _("Events")
    PARTICIPANT = "participant", _("Event participants")
    OTHER = "other", _("Other actions")


class Action(models.Model):
    """One act of solidarity in the ledger.

    Every countable thing (an approved letter, a confirmed signature, a
    published event and its report, an offline report) yields its actions
    through campaigns.services.action_record; a source yields each kind once.
    An action outside any campaign (campaign NULL) still counts in the
    global tallies.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    # SET_NULL: deleting a campaign does not undo what people did; its acts
    # stay in the ledger, outside any campaign, and in the global tallies.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        related_name="actions",
        null=True,
        blank=True,
        verbose_name=_("campaign"),
    )
    prisoner = models.ForeignKey(
        Prisoner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("prisoner"),
    )
    country = CountryField(_("country"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("source type")
    )
    source_id = models.PositiveBigIntegerField(verbose_name=_("source id"))
    source = GenericForeignKey("source_type", "source_id")
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"], name="one_action_per_source_and_kind"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="action_quantity_positive"),
        ]
        indexes = [models.Index(fields=["campaign", "country", "kind"])]

    def __str__(self):
        return f"{self.quantity} × {self.get_kind_display()} ({self.country or '—'})"


class Tally(models.Model):
    """The ledger summed per campaign, country and kind. Recomputable."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("campaign")
    )
    country = CountryField(_("country"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "country", "kind"], name="one_tally_per_campaign_country_kind"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.country} {self.kind}: {self.quantity}"


class DailyTally(models.Model):
    """The ledger summed per campaign and day (UTC), for the chart. Recomputable."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="daily_tallies", verbose_name=_("campaign")
    )
    day = models.DateField(_("day"))
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="one_daily_tally_per_day"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day}: {self.quantity}"


class GlobalTally(models.Model):
    """The whole ledger (in and outside campaigns) summed per country and kind."""

    country = CountryField(_("country"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("global tally")
        verbose_name_plural = _("global tallies")
        constraints = [
            models.UniqueConstraint(fields=["country", "kind"], name="one_global_tally_per_key"),
        ]

    def __str__(self):
        return f"{self.country} {self.kind}: {self.quantity}"


class GlobalDailyTally(models.Model):
    """The whole ledger summed per day (UTC). Recomputable."""

    day = models.DateField(_("day"), unique=True)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("global daily tally")
        verbose_name_plural = _("global daily tallies")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day}: {self.quantity}"


class PrisonerTally(models.Model):
    """The whole ledger summed per prisoner and kind, for the profile. Recomputable."""

    prisoner = models.ForeignKey(
        Prisoner,
        on_delete=models.CASCADE,
        related_name="solidarity_tallies",
        verbose_name=_("prisoner"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("prisoner tally")
        verbose_name_plural = _("prisoner tallies")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["prisoner", "kind"], name="one_prisoner_tally_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.prisoner_id} {self.kind}: {self.quantity}"


class Signature(models.Model):
    """A name added to a campaign; it counts once its e-mail is confirmed."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("campaign")
    )
    # On the petition delivered to its addressees; never shown on the site.
    display_name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"))
    # Private: only ever used to send the confirmation link.
    email = models.EmailField(_("e-mail"), max_length=254)
    token = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("signed at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    # When the confirmation link was last sent again (the first mail is not
    # counted): at most one re-send a day.
    confirmation_resent_at = models.DateTimeField(
        _("confirmation sent again at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "campaign",
                Lower("email"),
                name="one_signature_per_email_per_campaign",
                violation_error_message=_("This e-mail address has already signed."),
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.country.code})"


class OfflineReport(models.Model):
    """Actions a partner reports by other means: "N letters from <country>"."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="offline_reports",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        help_text=_("Leave empty for actions outside any campaign: they still count on the map."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    quantity = models.PositiveIntegerField(_("how many"))
    country = CountryField(_("country"))
    organisation = models.CharField(_("reported by"), max_length=200)
    reported_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("entered at"))

    class Meta:
        verbose_name = _("offline report")
        verbose_name_plural = _("offline reports")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="offline_report_quantity_positive"
            ),
        ]

    def __str__(self):
        return (
            f"{self.quantity} {self.get_kind_display()} — {self.country.name}, {self.organisation}"
        )
