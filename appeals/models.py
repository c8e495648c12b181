from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from campaigns.models import Campaign


class AppealText(models.Model):
    """What a campaign asks its visitors to send to its targets (three languages)."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="appeal_text", verbose_name=_("campaign")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("appeal text"),
        help_text=_("The core text every writer sends; they may add a paragraph of their own."),
    )
    is_open = models.BooleanField(
        _("taking appeals"),
        default=True,
        help_text=_("Untick to stop taking new appeals; confirmed ones are still delivered."),
    )

    class Meta:
        verbose_name = _("appeal text")
        verbose_name_plural = _("appeal texts")

    def __str__(self):
        return self.subject


class AppealTarget(models.Model):
    """An official or an institution a campaign's appeals go to."""

    class Delivery(models.TextChoices):
        EMAIL_EACH = "email_each", _("By e-mail, one message per appeal")
        EMAIL_DIGEST = "email_digest", _("By e-mail, one daily digest")
        POST = "post", _("Printed for post, in batches")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="appeal_targets",
        verbose_name=_("campaign"),
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    country = CountryField(_("country"))
    postal_address = models.TextField(_("postal address"), blank=True)
    # Never shown on the site: only the outbox writes to it.
    email = models.EmailField(_("e-mail"), blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.EMAIL_DIGEST
    )
    language = models.CharField(
        _("language of the covering text"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("appeal target")
        verbose_name_plural = _("appeal targets")
        ordering = ["campaign", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery="post") | ~Q(email=""),
                name="appeal_target_email_for_email_delivery",
                violation_error_message=_("Delivery by e-mail needs an e-mail address."),
            ),
            models.CheckConstraint(
                condition=~Q(delivery="post") | ~Q(postal_address=""),
                name="appeal_target_address_for_post",
                violation_error_message=_("Delivery by post needs a postal address."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.position})" if self.position else self.name


class Appeal(models.Model):
    """One visitor's appeal; it counts and is delivered once its e-mail is confirmed."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("campaign")
    )
    display_name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"))
    # Private: only ever used to send the confirmation link.
    email = models.EmailField(_("e-mail"), max_length=254)
    # The text as the writer read it (in their language), kept with the
    # appeal: what is delivered is what they confirmed, whatever the
    # editors change later.
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("appeal text"))
    personal_note = models.TextField(_("personal paragraph"), blank=True)
    language = models.CharField(_("language"), max_length=10)
    token = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("written at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    confirmation_resent_at = models.DateTimeField(
        _("confirmation sent again at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "campaign",
                Lower("email"),
                name="one_appeal_per_email_per_campaign",
                violation_error_message=_("This e-mail address has already sent this appeal."),
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.country.code})"


class AppealDelivery(models.Model):
    """One confirmed appeal on its way to one target."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        MAILED = "mailed", _("handed to the outbox")
        PRINTED = "printed", _("printed, not yet posted")
        POSTED = "posted", _("posted")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("appeal")
    )
    target = models.ForeignKey(
        AppealTarget,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("target"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # The outbox row that carries it (one per appeal, or the day's digest).
    message = models.ForeignKey(
        "outbox.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("e-mail"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "target"], name="one_delivery_per_target"),
        ]
        indexes = [models.Index(fields=["target", "state"])]

    def __str__(self):
        return f"{self.appeal_id} → {self.target_id}: {self.state}"
