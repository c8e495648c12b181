from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from campaigns.models import Campaign
from prisoners.languages import LETTER_LANGUAGES
from prisoners.models import Facility, Prisoner


class DeliveryBatch(models.Model):
    """Approved letters for one facility, printed together and posted in one envelope run."""

    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="letter_batches",
        verbose_name=_("facility"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )

    class Meta:
        verbose_name = _("delivery batch")
        verbose_name_plural = _("delivery batches")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(posted_at__isnull=True) | Q(posted_at__gte=models.F("created_at")),
                name="batch_posted_after_made",
            ),
        ]

    def __str__(self):
        return _("Batch %(id)s for %(facility)s") % {"id": self.pk, "facility": self.facility}


class Letter(models.Model):
    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        POSTCARD = "postcard", _("Postcard")
        BIRTHDAY = "birthday", _("Birthday greeting")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        NEEDS_CHANGES = "needs_changes", _("Needs changes")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the writer")
        PRINTED = "printed", _("Printed")
        POSTED = "posted", _("Posted")
        RETURNED = "returned", _("Returned")
        REPLY_RECEIVED = "reply_received", _("Reply received")

    class RejectReason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or hateful")
        ENDANGERS = "endangers", _("Would endanger the prisoner (politics, the case)")
        CONFISCATED = "confiscated", _("The censor would confiscate it")
        DUPLICATE = "duplicate", _("Duplicate of another letter")
        NOT_A_LETTER = "not_a_letter", _("Not a letter")
        OTHER = "other", _("Other")

    prisoner = models.ForeignKey(
        Prisoner, on_delete=models.PROTECT, related_name="letters", verbose_name=_("prisoner")
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("campaign"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.LETTER)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    sender_name = models.CharField(_("signed as"), max_length=60)
    # Private: shown to moderators only, erased after posting
    # (LETTERS_EMAIL_RETENTION_DAYS, letters.tasks.letters_erase_emails).
    sender_email = models.EmailField(_("writer's e-mail"), blank=True)
    country = CountryField(_("writer's country"))
    language = models.CharField(_("language"), max_length=8, choices=LETTER_LANGUAGES)
    body = models.TextField(_("text"))
    # sha256 of the normalised text: identical letters are flagged, not refused.
    body_fingerprint = models.CharField(
        max_length=64, db_index=True, editable=False, verbose_name=_("text fingerprint")
    )
    is_duplicate = models.BooleanField(_("same text as another letter"), default=False)
    # Held: the prisoner could not receive letters when it was written; it is
    # moderated as usual but only batched once letters reach them again.
    is_held = models.BooleanField(_("held"), default=False)
    needs_translation = models.BooleanField(_("needs translation"), default=False)
    translation = models.TextField(
        _("translation"),
        blank=True,
        help_text=_("Into a language the prison accepts; printed under the original."),
    )
    # Separate from the consent to post the letter, and off unless ticked: a
    # moderator may then choose a short excerpt for the wall (WallExcerpt).
    wall_consent = models.BooleanField(_("may be quoted on the wall of solidarity"), default=False)
    withdraw_token = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("withdrawal token")
    )
    # The site's language when the letter was written: the writer's e-mails
    # are in it (``language`` above is the letter's own language).
    language_code = models.CharField(
        _("writer's site language"), max_length=15, default="en", editable=False
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    reject_reason = models.CharField(
        _("reason"), max_length=20, choices=RejectReason.choices, blank=True
    )
    # What the moderator asked the writer to change; e-mailed to them.
    changes_note = models.CharField(_("changes asked for"), max_length=300, blank=True)
    batch = models.ForeignKey(
        DeliveryBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("batch"),
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    email_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("e-mail erased at")
    )
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

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at"]
        # Granted to no role (config/roles.py); superusers have it.
        permissions = [
            ("export_letter_emails", _("Can export writers' e-mail addresses")),
        ]
        indexes = [models.Index(fields=["status", "prisoner"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "submitted",
                        "needs_changes",
                        "approved",
                        "rejected",
                        "withdrawn",
                        "printed",
                        "posted",
                        "returned",
                        "reply_received",
                    ]
                ),
                name="letter_status_known",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="letter_body_not_empty"),
            models.CheckConstraint(condition=~Q(sender_name=""), name="letter_signed"),
            models.CheckConstraint(condition=~Q(country=""), name="letter_country_given"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="letter_rejection_has_reason",
            ),
            # Printed letters and later belong to a batch; posted ones know when.
            models.CheckConstraint(
                condition=~Q(status__in=["printed", "posted", "returned", "reply_received"])
                | Q(batch__isnull=False),
                name="letter_printed_in_batch",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["posted", "returned", "reply_received"])
                | Q(posted_at__isnull=False),
                name="letter_posted_has_date",
            ),
        ]

    def __str__(self):
        return _("%(kind)s to %(prisoner)s from %(name)s") % {
            "kind": self.get_kind_display(),
            "prisoner": self.prisoner,
            "name": self.sender_name,
        }


# The state machine: what each status may move to, and only through
# letters.services.
TRANSITIONS: dict[str, set[str]] = {
    Letter.Status.SUBMITTED: {
        Letter.Status.APPROVED,
        Letter.Status.NEEDS_CHANGES,
        Letter.Status.REJECTED,
        Letter.Status.WITHDRAWN,
    },
    # The writer changes the text (letters.services.letter_resubmit) and it
    # is read again.
    Letter.Status.NEEDS_CHANGES: {
        Letter.Status.SUBMITTED,
        Letter.Status.APPROVED,
        Letter.Status.REJECTED,
        Letter.Status.WITHDRAWN,
    },
    # Until it is printed, a moderator can still change their mind and the
    # writer can still take it back.
    Letter.Status.APPROVED: {
        Letter.Status.PRINTED,
        Letter.Status.REJECTED,
        Letter.Status.WITHDRAWN,
    },
    Letter.Status.PRINTED: {Letter.Status.POSTED},
    Letter.Status.POSTED: {Letter.Status.RETURNED, Letter.Status.REPLY_RECEIVED},
    Letter.Status.REJECTED: set(),
    Letter.Status.WITHDRAWN: set(),
    Letter.Status.RETURNED: set(),
    Letter.Status.REPLY_RECEIVED: set(),
}


class LetterLog(models.Model):
    """Who did what to a letter, and when: the moderators' audit trail."""

    # Stored as codes, shown in the reader's language.
    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        NEEDS_CHANGES = "needs_changes", _("Changes asked for")
        RESUBMITTED = "resubmitted", _("Changed by the writer")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the writer")
        NEEDS_TRANSLATION = "needs_translation", _("Marked as needing translation")
        TRANSLATION_NOT_NEEDED = "translation_not_needed", _("Marked as needing no translation")
        TRANSLATION_SAVED = "translation_saved", _("Translation saved")
        PRINTED = "printed", _("Printed")
        POSTED = "posted", _("Posted")
        RETURNED = "returned", _("Returned")
        REPLY_RECEIVED = "reply_received", _("Reply received")
        WALL_CONSENT_WITHDRAWN = (
            "wall_consent_withdrawn",
            _("Consent to be quoted withdrawn by the writer"),
        )

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="log", verbose_name=_("letter")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=40, choices=Action.choices)
    from_status = models.CharField(
        _("from"), max_length=20, choices=Letter.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Letter.Status.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The batch a letter was printed or posted in: a reference, shown in the
    # reader's language, not a note written in the language of the moment.
    batch = models.ForeignKey(
        DeliveryBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery batch"),
    )

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("audit log")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


# Where an excerpt can be quoted from: a letter that a moderator approved
# (and that was not withdrawn or rejected since).
QUOTABLE_STATUSES = [
    Letter.Status.APPROVED,
    Letter.Status.PRINTED,
    Letter.Status.POSTED,
    Letter.Status.RETURNED,
    Letter.Status.REPLY_RECEIVED,
]
WALL_EXCERPT_MAX_CHARS = 280


class WallExcerptQuerySet(models.QuerySet):
    def public(self):
        """The one rule for what the wall shows: approved, consented, still quotable.

        A letter's excerpt needs its writer's consent, checked here on every
        read: withdrawing it takes the excerpt off at once. A reply's excerpt
        needs the consent noted by staff (a constraint) and the letter's state
        "reply received".
        """
        return self.filter(
            approved_at__isnull=False,
            letter__prisoner__is_published=True,
        ).filter(
            Q(source=WallExcerpt.Source.LETTER, letter__wall_consent=True)
            & Q(letter__status__in=QUOTABLE_STATUSES)
            | Q(source=WallExcerpt.Source.REPLY, letter__status=Letter.Status.REPLY_RECEIVED)
        )


class WallExcerpt(models.Model):
    """A short quotation on the wall of solidarity, chosen and approved by a moderator."""

    class Source(models.TextChoices):
        LETTER = "letter", _("From the writer's letter")
        REPLY = "reply", _("From the prisoner's reply")

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="wall_excerpts", verbose_name=_("letter")
    )
    source = models.CharField(
        _("quoted from"), max_length=10, choices=Source.choices, default=Source.LETTER
    )
    text = models.TextField(
        _("excerpt"),
        max_length=WALL_EXCERPT_MAX_CHARS,
        help_text=_(
            "At most 280 characters. From a letter: copied from its text or its translation."
        ),
    )
    consent_note = models.CharField(
        _("consent"),
        max_length=300,
        blank=True,
        help_text=_(
            "For a reply: who agreed that it is quoted (the prisoner or their family), "
            "when and how."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("chosen by"),
    )
    created_at = models.DateTimeField(_("chosen at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    objects = WallExcerptQuerySet.as_manager()

    class Meta:
        verbose_name = _("wall excerpt")
        verbose_name_plural = _("wall of solidarity")
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="wall_excerpt_not_empty"),
            models.CheckConstraint(
                condition=~Q(source="reply") | ~Q(consent_note=""),
                name="wall_reply_consent_noted",
                violation_error_message=_("Note who agreed that the reply is quoted."),
            ),
        ]

    def __str__(self):
        return self.text[:60]


class BulkJob(models.Model):
    """A moderator's decision on more items than one request should carry.

    The worker runs it in chunks, each chunk one transaction that also
    advances ``position``: a chunk is all done or not at all, a task
    delivered twice resumes where the last one committed, and the page
    shows how far it got (letters.services.bulk_job_*).
    """

    class Kind(models.TextChoices):
        LETTERS_APPROVE = "letters_approve", _("Approve letters")
        LETTERS_REJECT = "letters_reject", _("Reject letters")
        EVENTS_PUBLISH = "events_publish", _("Publish events")
        EVENTS_REJECT = "events_reject", _("Reject events")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    ids = models.JSONField(_("items"), default=list)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("items chosen"), default=0)
    position = models.PositiveIntegerField(_("items handled"), default=0)
    done = models.PositiveIntegerField(_("items changed"), default=0)
    skipped = models.PositiveIntegerField(_("items left as they were"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("moderator"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk decision")
        verbose_name_plural = _("bulk decisions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(position__lte=models.F("total")), name="bulkjob_position_in_range"
            ),
        ]

    def __str__(self):
        return _("%(kind)s: %(position)d of %(total)d") % {
            "kind": self.get_kind_display(),
            "position": self.position,
            "total": self.total,
        }
