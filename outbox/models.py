from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageQuerySet(models.QuerySet):
    def owed(self):
        """Not sent yet and not given up: queued, or claimed by a worker."""
        return self.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING])

    def oldest_owed_at(self):
        return self.owed().aggregate(oldest=models.Min("created_at"))["oldest"]

    def due(self, now):
        """Owed and free to claim: not sent or given up, its next try has come,
        and nobody holds a lease on it (or the holder's lease ran out: a
        worker that died between claim and send)."""
        return self.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status__in=[Message.Status.QUEUED, Message.Status.SENDING],
            next_attempt_at__lte=now,
        )


class Message(models.Model):
    """One e-mail owed to someone, written in the transaction that caused it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        # Claimed by a worker until claimed_until; after that, due again.
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (gave up)")

    template = models.CharField(_("kind"), max_length=60)
    to = models.EmailField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Generated once when the row is written, reused on every try: a mail
    # server or client that sees it twice can tell it is the same message.
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_owed_by_next_attempt",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["created_at"], name="outbox_by_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_iff_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.template} #{self.pk}"
