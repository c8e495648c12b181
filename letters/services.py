"""Letters: every state change goes through a function here.

Counting rules:

* An approved letter yields one action in the ledger (kind "letter", or
  "postcard" for postcards and birthday greetings) with the writer's country,
  the prisoner and the letter's campaign, in the approval's transaction.
  Rejecting or withdrawing it later withdraws the action.
* A letter whose writer did not choose a campaign (RUNNING_CAMPAIGN) is
  counted in the prisoner's campaign when exactly one published campaign for
  them is running that day; it is stored on the letter at submission, so
  moderators see where it counts. With none or several, or when the writer
  chose "No campaign" (None), the letter is in no campaign: its action has
  no campaign and counts on /map/ and the profile (the global tallies), not
  in any campaign's total.
* The profile counters on Prisoner (letters_sent, letters_last_posted_on,
  letters_recent) are written here when a batch is posted.
"""

import datetime as dt
import enum
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns import services as ledger
from campaigns.models import ActionKind, Campaign
from letters import wall
from letters.models import TRANSITIONS, DeliveryBatch, Letter, LetterLog
from outbox import services as outbox
from prisoners.models import Facility, Imprisonment, Prisoner

RECENT_DAYS = 30


class CampaignChoice(enum.Enum):
    RUNNING = "running"


# "Not chosen", as opposed to None, "chosen: no campaign".
RUNNING_CAMPAIGN = CampaignChoice.RUNNING


class _NotGiven(enum.Enum):
    NOT_GIVEN = "not given"


def _link(name: str, letter: Letter) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": letter.withdraw_token})


def _mail(letter: Letter, template: str, **context) -> None:
    # In the language the writer used the site in, whoever triggers the mail.
    outbox.mail_enqueue(
        to=letter.sender_email,
        template=template,
        context={"letter": letter, **context},
        language=letter.language_code,
    )


class LetterError(Exception):
    """A refused letter operation; the message is for people."""


# --- reads used by services and views ------------------------------------------


def prisoner_current_facility(*, prisoner: Prisoner) -> Facility | None:
    imprisonment = (
        Imprisonment.objects.filter(prisoner=prisoner, until__isnull=True)
        .select_related("facility")
        .first()
    )
    return imprisonment.facility if imprisonment else None


def prisoner_can_be_written_to(*, prisoner: Prisoner) -> bool:
    """Letters may be written: the person is behind bars (not released, not dead)."""
    # The instance form of Prisoner.objects.writable().
    return prisoner.is_published and prisoner.is_behind_bars


def prisoner_receives_letters_now(*, prisoner: Prisoner, facility: Facility | None) -> bool:
    return prisoner.is_behind_bars and prisoner.accepts_letters and facility is not None


def campaigns_running_for(*, prisoner: Prisoner, today: dt.date | None = None) -> list[Campaign]:
    return list(prisoner.campaigns.running(today=today))


def body_fingerprint(body: str) -> str:
    """Same text, ignoring case, spacing and Unicode form: same fingerprint."""
    normal = unicodedata.normalize("NFKC", body).casefold()
    normal = re.sub(r"\s+", " ", normal).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def _log(
    letter: Letter,
    *,
    actor,
    action: LetterLog.Action,
    before: str = "",
    note: str = "",
    batch: DeliveryBatch | None = None,
) -> None:
    LetterLog.objects.create(
        letter=letter,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=before,
        to_status=letter.status if before else "",
        note=note[:300],
        batch=batch,
    )


def _lock(letter: Letter) -> Letter:
    return (
        Letter.objects.select_for_update(of=("self",))
        .select_related("prisoner", "campaign")
        .get(pk=letter.pk)
    )


def _move(letter: Letter, to: str) -> str:
    before = letter.status
    if to not in TRANSITIONS[before]:
        raise LetterError(
            _("A letter that is “%(before)s” cannot become “%(after)s”.")
            % {
                "before": Letter.Status(before).label,
                "after": Letter.Status(to).label,
            }
        )
    letter.status = to
    return before


def _site_language() -> str:
    """The language the writer sees the site in (LocaleMiddleware activated it)."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def _action_kind(letter: Letter) -> str:
    return ActionKind.LETTER if letter.kind == Letter.Kind.LETTER else ActionKind.POSTCARD


# --- writing --------------------------------------------------------------------


def letter_submit(
    *,
    prisoner: Prisoner,
    kind: str,
    body: str,
    language: str,
    sender_name: str,
    sender_email: str,
    country: str,
    campaign: Campaign | None | CampaignChoice = RUNNING_CAMPAIGN,
    send_confirmation: bool = True,
    facility: Facility | None | _NotGiven = _NotGiven.NOT_GIVEN,
    running_campaigns: list[Campaign] | None = None,
    wall_consent: bool = False,
) -> Letter:
    """Save a letter from a writer. The write page passes the facility and
    running campaigns it already looked up, saving a submission two queries;
    anything else may leave them out."""
    if not prisoner_can_be_written_to(prisoner=prisoner):
        raise LetterError(_("Letters cannot be sent to this person."))
    if facility is _NotGiven.NOT_GIVEN:
        facility = prisoner_current_facility(prisoner=prisoner)
    if campaign is RUNNING_CAMPAIGN:
        if running_campaigns is None:
            running_campaigns = campaigns_running_for(prisoner=prisoner)
        campaign = running_campaigns[0] if len(running_campaigns) == 1 else None
    fingerprint = body_fingerprint(body)
    with transaction.atomic():
        letter = Letter.objects.create(
            prisoner=prisoner,
            campaign=campaign,
            kind=kind,
            body=body,
            language=language,
            sender_name=sender_name,
            sender_email=sender_email,
            country=country,
            body_fingerprint=fingerprint,
            is_duplicate=Letter.objects.filter(body_fingerprint=fingerprint).exists(),
            is_held=not prisoner_receives_letters_now(prisoner=prisoner, facility=facility),
            needs_translation=bool(prisoner.letter_language_codes)
            and language not in prisoner.letter_language_codes,
            withdraw_token=secrets.token_urlsafe(32),
            language_code=_site_language(),
            wall_consent=wall_consent,
        )
        _log(letter, actor=None, action=LetterLog.Action.SUBMITTED)
        if send_confirmation:
            _mail(letter, "letter_received", withdraw_url=_link("letters:withdraw", letter))
    return letter


def letter_withdraw(*, token: str) -> Letter:
    with transaction.atomic():
        try:
            letter = Letter.objects.select_for_update(of=("self",)).get(withdraw_token=token)
        except Letter.DoesNotExist:
            raise LetterError(_("This link does not match any letter.")) from None
        if letter.status == Letter.Status.WITHDRAWN:
            return letter
        if letter.status not in (
            Letter.Status.SUBMITTED,
            Letter.Status.NEEDS_CHANGES,
            Letter.Status.APPROVED,
        ):
            raise LetterError(
                _(
                    "This letter can no longer be withdrawn: it has been printed "
                    "or was not accepted."
                )
            )
        before = _move(letter, Letter.Status.WITHDRAWN)
        letter.save(update_fields=["status"])
        ledger.action_withdraw(source=letter)
        _log(letter, actor=None, action=LetterLog.Action.WITHDRAWN, before=before)
        if letter.wall_consent:
            # Its excerpts leave the wall with it (WallExcerpt.objects.public).
            wall.wall_pages_forget(letter=letter)
    return letter


# --- moderation -----------------------------------------------------------------


def letter_approve(*, letter: Letter, moderator) -> Letter:
    with transaction.atomic():
        letter = _lock(letter)
        before = _move(letter, Letter.Status.APPROVED)
        letter.moderated_by = moderator
        letter.moderated_at = timezone.now()
        letter.reject_reason = ""
        letter.save(update_fields=["status", "moderated_by", "moderated_at", "reject_reason"])
        ledger.action_record(
            source=letter,
            kind=_action_kind(letter),
            campaign=letter.campaign,
            country=letter.country.code,
            prisoner=letter.prisoner,
            occurred_at=letter.created_at,
        )
        _log(letter, actor=moderator, action=LetterLog.Action.APPROVED, before=before)
    return letter


def letter_reject(*, letter: Letter, moderator, reason: str, note: str = "") -> Letter:
    if reason not in Letter.RejectReason.values:
        raise LetterError(_("Choose a reason for rejecting the letter."))
    with transaction.atomic():
        letter = _lock(letter)
        before = _move(letter, Letter.Status.REJECTED)
        letter.moderated_by = moderator
        letter.moderated_at = timezone.now()
        letter.reject_reason = reason
        letter.save(update_fields=["status", "moderated_by", "moderated_at", "reject_reason"])
        ledger.action_withdraw(source=letter)
        _log(
            letter,
            actor=moderator,
            action=LetterLog.Action.REJECTED,
            before=before,
            note=f"{Letter.RejectReason(reason).label}{': ' + note if note else ''}",
        )
    return letter


def letter_request_changes(
    *, letter: Letter, moderator, note: str = "", notify: bool = True
) -> Letter:
    """Ask the writer to change the text: they get the note and a link to edit it."""
    with transaction.atomic():
        letter = _lock(letter)
        before = _move(letter, Letter.Status.NEEDS_CHANGES)
        letter.moderated_by = moderator
        letter.moderated_at = timezone.now()
        letter.changes_note = note.strip()[:300]
        letter.save(update_fields=["status", "moderated_by", "moderated_at", "changes_note"])
        _log(
            letter, actor=moderator, action=LetterLog.Action.NEEDS_CHANGES, before=before, note=note
        )
        if notify:
            _mail(
                letter,
                "letter_needs_changes",
                edit_url=_link("letters:edit", letter),
                withdraw_url=_link("letters:withdraw", letter),
            )
    return letter


def letter_resubmit(*, token: str, body: str) -> Letter:
    """The writer sends the changed text; it goes back to the moderators."""
    with transaction.atomic():
        try:
            letter = Letter.objects.select_for_update(of=("self",)).get(withdraw_token=token)
        except Letter.DoesNotExist:
            raise LetterError(_("This link does not match any letter.")) from None
        if letter.status != Letter.Status.NEEDS_CHANGES:
            raise LetterError(
                _("This letter can be changed only while our volunteers ask for changes.")
            )
        before = _move(letter, Letter.Status.SUBMITTED)
        letter.body = body
        letter.body_fingerprint = body_fingerprint(body)
        letter.is_duplicate = (
            Letter.objects.filter(body_fingerprint=letter.body_fingerprint)
            .exclude(pk=letter.pk)
            .exists()
        )
        letter.save(update_fields=["status", "body", "body_fingerprint", "is_duplicate"])
        _log(letter, actor=None, action=LetterLog.Action.RESUBMITTED, before=before)
    return letter


def letter_mark_needs_translation(*, letter: Letter, moderator, value: bool = True) -> Letter:
    """Flag the letter as needing a translation (value=False clears the flag)."""
    with transaction.atomic():
        letter = _lock(letter)
        if letter.needs_translation == value:
            return letter
        letter.needs_translation = value
        letter.save(update_fields=["needs_translation"])
        _log(
            letter,
            actor=moderator,
            action=(
                LetterLog.Action.NEEDS_TRANSLATION
                if value
                else LetterLog.Action.TRANSLATION_NOT_NEEDED
            ),
        )
    return letter


def letter_translation_save(*, letter: Letter, moderator, translation: str) -> Letter:
    with transaction.atomic():
        letter = _lock(letter)
        letter.translation = translation.strip()
        if letter.translation:
            letter.needs_translation = False
        letter.save(update_fields=["translation", "needs_translation"])
        _log(letter, actor=moderator, action=LetterLog.Action.TRANSLATION_SAVED)
    return letter


def letter_mark_outcome(*, letter: Letter, moderator, status: str) -> Letter:
    """After posting: the letter came back, or the prisoner answered."""
    if status not in (Letter.Status.RETURNED, Letter.Status.REPLY_RECEIVED):
        raise LetterError(_("Only “returned” or “reply received” can follow posting."))
    with transaction.atomic():
        letter = _lock(letter)
        before = _move(letter, status)
        letter.save(update_fields=["status"])
        _log(letter, actor=moderator, action=LetterLog.Action(status), before=before)
    return letter


# --- delivery -------------------------------------------------------------------


def batch_create(*, facility: Facility, letters: Iterable[Letter], moderator) -> DeliveryBatch:
    """Put approved letters for one facility into a new batch; they become printed.

    Refuses (and changes nothing) when a letter is not approved, is for a
    prisoner held elsewhere, or cannot be delivered now.
    """
    ids = [letter.pk for letter in letters]
    if not ids:
        raise LetterError(_("Choose at least one approved letter."))
    with transaction.atomic():
        locked = list(
            Letter.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("prisoner")
            .order_by("prisoner__name", "created_at")
        )
        current = dict(
            Imprisonment.objects.filter(
                prisoner_id__in={letter.prisoner_id for letter in locked}, until__isnull=True
            ).values_list("prisoner_id", "facility_id")
        )
        for letter in locked:
            if letter.status != Letter.Status.APPROVED:
                raise LetterError(
                    _("Only approved letters can be batched; letter %(id)s is “%(status)s”.")
                    % {"id": letter.pk, "status": letter.get_status_display()}
                )
            if current.get(letter.prisoner_id) != facility.pk:
                raise LetterError(
                    _(
                        "A batch is for one facility: %(prisoner)s is not held at %(facility)s. "
                        "Choose letters for one facility only."
                    )
                    % {"prisoner": letter.prisoner, "facility": facility}
                )
            if not letter.prisoner.accepts_letters or not letter.prisoner.is_behind_bars:
                raise LetterError(
                    _("Letters do not reach %(prisoner)s now; their letters stay held.")
                    % {"prisoner": letter.prisoner}
                )
        batch = DeliveryBatch.objects.create(facility=facility, created_by=moderator)
        for letter in locked:
            before = _move(letter, Letter.Status.PRINTED)
            letter.batch = batch
            letter.is_held = False
            letter.save(update_fields=["status", "batch", "is_held"])
            _log(
                letter,
                actor=moderator,
                action=LetterLog.Action.PRINTED,
                before=before,
                batch=batch,
            )
    return batch


def batch_letters_facility(*, letters: Iterable[Letter]) -> Facility:
    """The one facility these letters go to, or a clear refusal."""
    prisoner_ids = {letter.prisoner_id for letter in letters}
    facilities = set(
        Imprisonment.objects.filter(prisoner_id__in=prisoner_ids, until__isnull=True).values_list(
            "facility_id", flat=True
        )
    )
    held_nowhere = prisoner_ids - set(
        Imprisonment.objects.filter(prisoner_id__in=prisoner_ids, until__isnull=True).values_list(
            "prisoner_id", flat=True
        )
    )
    if held_nowhere:
        raise LetterError(_("Some of these prisoners have no current facility to post to."))
    if len(facilities) != 1:
        raise LetterError(
            _(
                "These letters go to %(n)d different facilities. A batch is for one facility: "
                "filter the list by facility and try again."
            )
            % {"n": len(facilities)}
        )
    return Facility.objects.get(pk=facilities.pop())


def batch_mark_posted(*, batch: DeliveryBatch, moderator, notify: bool = True) -> DeliveryBatch:
    with transaction.atomic():
        batch = DeliveryBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        if batch.posted_at is not None:
            raise LetterError(_("This batch was already marked posted."))
        now = timezone.now()
        batch.posted_at = now
        batch.posted_by = moderator
        batch.save(update_fields=["posted_at", "posted_by"])
        letters = list(
            batch.letters.select_for_update(of=("self",))
            .select_related("prisoner")
            .filter(status=Letter.Status.PRINTED)
        )
        per_prisoner: dict[int, int] = {}
        for letter in letters:
            before = _move(letter, Letter.Status.POSTED)
            letter.posted_at = now
            letter.save(update_fields=["status", "posted_at"])
            _log(
                letter,
                actor=moderator,
                action=LetterLog.Action.POSTED,
                before=before,
                batch=batch,
            )
            per_prisoner[letter.prisoner_id] = per_prisoner.get(letter.prisoner_id, 0) + 1
        for prisoner_id, n in per_prisoner.items():
            Prisoner.objects.filter(pk=prisoner_id).update(
                letters_sent=F("letters_sent") + n, letters_last_posted_on=now.date()
            )
        prisoners_letters_recent_refresh(prisoner_ids=list(per_prisoner))
        if notify:
            # One INSERT for the batch's mails, in the posting's transaction.
            outbox.mail_enqueue_many(
                mails=[
                    outbox.Mail(
                        to=letter.sender_email,
                        template="letter_posted",
                        context={"letter": letter},
                        language=letter.language_code,
                    )
                    for letter in letters
                ]
            )
    return batch


# --- counters and privacy -------------------------------------------------------


def prisoners_letters_recent_refresh(
    *, prisoner_ids: list[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Recount letters posted in the last 30 days; returns how many prisoners changed."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    counts = dict(
        Letter.objects.filter(posted_at__gte=since)
        .filter(**({"prisoner_id__in": prisoner_ids} if prisoner_ids is not None else {}))
        .values("prisoner_id")
        .annotate(n=Count("id"))
        .values_list("prisoner_id", "n")
    )
    qs = Prisoner.objects.all()
    if prisoner_ids is not None:
        qs = qs.filter(pk__in=prisoner_ids)
    changed = 0
    # Few prisoners, few changes: only rows whose figure moved are written.
    for pk, recent in qs.values_list("pk", "letters_recent"):
        if recent != counts.get(pk, 0):
            changed += Prisoner.objects.filter(pk=pk).update(letters_recent=counts.get(pk, 0))
    return changed


def letters_erase_emails(*, retention_days: int, now: dt.datetime | None = None) -> int:
    """Erase writers' e-mail addresses once they are no longer needed.

    Posted letters keep it `retention_days` after posting (to tell the writer
    about a returned letter or a reply); rejected and withdrawn letters as
    long after they were written.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days)
    done = Q(posted_at__lt=cutoff) | Q(
        status__in=[Letter.Status.REJECTED, Letter.Status.WITHDRAWN], created_at__lt=cutoff
    )
    return (
        Letter.objects.filter(done)
        .exclude(sender_email="")
        .update(sender_email="", email_erased_at=now or timezone.now())
    )
