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
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.db.models import Case, Count, F, FilteredRelation, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname
from modeltranslation.utils import get_language as mt_get_language

from campaigns import services as ledger
from campaigns.models import ActionKind, Campaign, running_condition
from config.lookups import insert_rows  # and registers field__any_of
from letters import wall
from letters.models import TRANSITIONS, BulkJob, DeliveryBatch, Letter, LetterLog
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


class WriteTarget(NamedTuple):
    """What the write page needs about a prisoner (prisoner_write_target)."""

    prisoner: Prisoner
    facility: Facility | None
    campaigns: list[Campaign]


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


# Stand-ins compiled into the cached SQL (prisoner_write_target), replaced by
# the call's slug and day.
_SLUG_MARK = "\x00slug"
_DAY_MARK = dt.date(1, 1, 1)
_write_target_sql: dict[tuple, tuple] = {}


def _write_target_queryset(*, slug: str, today: dt.date, title_column: str):
    columns = (_columns(Prisoner), _columns(Facility), _columns(Campaign))
    qs = (
        # Raw columns, as a model query loads them (modeltranslation would
        # otherwise swap in each translated field's fallback value).
        Prisoner.objects.rewrite(False)
        .published()
        .filter(slug=slug)
        .annotate(
            current_stay=FilteredRelation(
                "imprisonments", condition=Q(imprisonments__until__isnull=True)
            ),
            running_campaign=FilteredRelation(
                "campaigns", condition=running_condition(today=today, prefix="campaigns__")
            ),
        )
        # Campaign.Meta.ordering, with the title in the page's language as
        # modeltranslation orders it there; then the id, for a stable order.
        .order_by(
            "-running_campaign__starts_on",
            f"running_campaign__{title_column}",
            "running_campaign__id",
        )
        .values_list(
            *columns[0],
            *(f"current_stay__facility__{c}" for c in columns[1]),
            *(f"running_campaign__{c}" for c in columns[2]),
        )
    )
    return qs, columns


def prisoner_write_target(*, slug: str, today: dt.date | None = None) -> WriteTarget | None:
    """A published prisoner, their current facility and their running
    campaigns (CampaignQuerySet.running), in one query; None if not published.

    The same as Prisoner.objects.published().get(), prisoner_current_facility()
    and campaigns_running_for() together, which cost three: the letter form
    is the busiest write on the site. Outer joins give one row per running
    campaign (one row when there is none), each carrying the prisoner and
    the facility. The query (about a hundred columns) is compiled once per
    language and database and reused: building it costs more than running it.
    """
    today = today or timezone.localdate()
    title_column = build_localized_fieldname("title", mt_get_language())
    db = Prisoner.objects.db
    ops = connections[db].ops
    key = (db, connections[db].vendor, title_column)
    compiled = _write_target_sql.get(key)
    if compiled is None:
        qs, columns = _write_target_queryset(
            slug=_SLUG_MARK, today=_DAY_MARK, title_column=title_column
        )
        compiler = qs.query.get_compiler(db)
        sql, params = compiler.as_sql()
        compiled = _write_target_sql[key] = (compiler, sql, params, columns)
    compiler, sql, params, columns = compiled
    day_mark, day = ops.adapt_datefield_value(_DAY_MARK), ops.adapt_datefield_value(today)
    params = [slug if p == _SLUG_MARK else day if p == day_mark else p for p in params]
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        return None
    # Django's converters (dates on SQLite, JSON, ...), as a queryset applies them.
    rows = list(compiler.results_iter(results=[fetched], tuple_expected=True))
    prisoner_cols, facility_cols, campaign_cols = columns
    a, b = len(prisoner_cols), len(prisoner_cols) + len(facility_cols)
    prisoner = Prisoner.from_db(db, prisoner_cols, rows[0][:a])
    facility = None
    if rows[0][a] is not None:
        facility = Facility.from_db(db, facility_cols, rows[0][a:b])
    campaigns = [Campaign.from_db(db, campaign_cols, row[b:]) for row in rows if row[b]]
    return WriteTarget(prisoner, facility, campaigns)


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


class BulkResult(NamedTuple):
    """What a bulk decision did: the letters it changed and those it left as they were."""

    done: list[int]
    skipped: list[int]


_LOCKED_FIELDS = ("pk", "status", "kind", "campaign_id", "country", "prisoner_id", "created_at")


def _letters_lock(ids: Iterable[int]) -> list[SimpleNamespace]:
    """Step 1 of the ledger's lock order: the letters' rows only, in id order.

    Plain values, not model instances: a bulk decision reads five fields of
    each letter, and building 500 instances cost more than the statements.
    """
    return [
        SimpleNamespace(**dict(zip(_LOCKED_FIELDS, row, strict=True)))
        for row in Letter.objects.select_for_update(of=("self",))
        .filter(pk__any_of=sorted(set(ids)))
        .order_by("pk")
        .values_list(*_LOCKED_FIELDS)
    ]


def _logs_write(letters, *, actor, action, before: dict, note: str = "", batch=None) -> None:
    """One INSERT for the log rows of letters that all moved to one status."""
    # Ids, not instances: setting a relation costs more than the INSERT's share.
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    batch_id = batch.pk if batch is not None else None
    note = note[:300]
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_rows(
        LetterLog._meta.db_table,
        ["letter_id", "at", "actor_id", "action", "from_status", "to_status", "note", "batch_id"],
        [
            (letter.pk, at, actor_id, action, before[letter.pk], letter.status, note, batch_id)
            for letter in letters
        ],
    )


def _letter_actions(letters: list[Letter]) -> list[ledger.ActionSpec]:
    """What approved letters yield: one action each (the counting rules above)."""
    return [
        ledger.ActionSpec(
            source_id=letter.pk,
            kind=_action_kind(letter),
            campaign_id=letter.campaign_id,
            country=getattr(letter.country, "code", letter.country),
            quantity=1,
            prisoner_id=letter.prisoner_id,
            occurred_at=letter.created_at,
        )
        for letter in letters
    ]


def _decide(ids: Iterable[int], to: str) -> tuple[list[Letter], list[int], dict]:
    letters = _letters_lock(ids)
    movable = [letter for letter in letters if to in TRANSITIONS[letter.status]]
    before = {letter.pk: letter.status for letter in movable}
    for letter in movable:
        letter.status = to
    moved = {letter.pk for letter in movable}
    skipped = sorted(set(ids) - moved)
    return movable, skipped, before


def letters_approve(*, ids: Iterable[int], moderator) -> BulkResult:
    """Approve letters in one transaction, set-based; those that cannot be are left.

    The letters become approved, each yields its action (the tallies take
    them in one statement per table), and each gets its log row: about a
    dozen statements for 3 letters or for 500.
    """
    ids = list(ids)
    with transaction.atomic():
        letters, skipped, before = _decide(ids, Letter.Status.APPROVED)
        if letters:
            Letter.objects.filter(pk__any_of=list(before)).update(
                status=Letter.Status.APPROVED,
                moderated_by=moderator,
                moderated_at=timezone.now(),
                reject_reason="",
            )
            ledger.actions_replace(
                source_type=ContentType.objects.get_for_model(Letter),
                source_ids=before,
                specs=_letter_actions(letters),
            )
            _logs_write(letters, actor=moderator, action=LetterLog.Action.APPROVED, before=before)
    return BulkResult(done=sorted(before), skipped=skipped)


def letters_reject(*, ids: Iterable[int], moderator, reason: str, note: str = "") -> BulkResult:
    """Reject letters in one transaction; approved ones leave the ledger with it."""
    if reason not in Letter.RejectReason.values:
        raise LetterError(_("Choose a reason for rejecting the letter."))
    ids = list(ids)
    with transaction.atomic():
        letters, skipped, before = _decide(ids, Letter.Status.REJECTED)
        if letters:
            Letter.objects.filter(pk__any_of=list(before)).update(
                status=Letter.Status.REJECTED,
                moderated_by=moderator,
                moderated_at=timezone.now(),
                reject_reason=reason,
            )
            ledger.actions_replace(
                source_type=ContentType.objects.get_for_model(Letter),
                source_ids=before,
                specs=[],
            )
            _logs_write(
                letters,
                actor=moderator,
                action=LetterLog.Action.REJECTED,
                before=before,
                note=f"{Letter.RejectReason(reason).label}{': ' + note if note else ''}",
            )
    return BulkResult(done=sorted(before), skipped=skipped)


def _one(letter: Letter, result: BulkResult, to: str) -> Letter:
    if result.skipped:
        current = Letter.objects.get(pk=letter.pk)
        raise LetterError(
            _("A letter that is “%(before)s” cannot become “%(after)s”.")
            % {"before": current.get_status_display(), "after": Letter.Status(to).label}
        )
    return Letter.objects.select_related("prisoner", "campaign").get(pk=letter.pk)


# --- bulk decisions, in the request or by the worker ------------------------------


def bulk_decide(*, kind: str, ids: list[int], params: dict, moderator) -> BulkResult:
    """One transaction: the decision ``kind`` on these items (letters or events)."""
    from events import services as events

    if kind == BulkJob.Kind.LETTERS_APPROVE:
        return letters_approve(ids=ids, moderator=moderator)
    if kind == BulkJob.Kind.LETTERS_REJECT:
        return letters_reject(
            ids=ids, moderator=moderator, reason=params["reason"], note=params.get("note", "")
        )
    if kind in (BulkJob.Kind.EVENTS_PUBLISH, BulkJob.Kind.EVENTS_REJECT):
        if kind == BulkJob.Kind.EVENTS_PUBLISH:
            done = events.events_publish(ids=ids, moderator=moderator)
        else:
            done = events.events_reject(ids=ids, moderator=moderator, reason=params["reason"])
        return BulkResult(done=sorted(done), skipped=sorted(set(ids) - set(done)))
    raise ValueError(f"unknown bulk decision {kind!r}")


def bulk_job_start(*, kind: str, ids: list[int], params: dict, moderator) -> BulkJob:
    """Hand a large selection to the worker; it starts once this commits."""
    from letters.tasks import bulk_job_run

    with transaction.atomic():
        job = BulkJob.objects.create(
            kind=kind,
            ids=sorted(set(ids)),
            params=params,
            total=len(set(ids)),
            created_by=moderator,
        )
        transaction.on_commit(lambda: bulk_job_run.delay(job.pk), robust=True)
    return job


def bulk_job_step(*, job_id: int) -> bool:
    """Decide the job's next chunk in one transaction; False when nothing is left.

    The job's row is locked and advanced in the chunk's transaction: a
    failed chunk leaves both as they were, to be retried, and a second
    delivery of the task waits here and then finds the chunk done.
    """
    with transaction.atomic():
        job = (
            BulkJob.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .get(pk=job_id)
        )
        if job.status in (BulkJob.Status.DONE, BulkJob.Status.FAILED):
            return False
        chunk = job.ids[job.position : job.position + settings.BULK_CHUNK]
        if chunk:
            result = bulk_decide(
                kind=job.kind, ids=chunk, params=job.params, moderator=job.created_by
            )
            job.done += len(result.done)
            job.skipped += len(result.skipped)
            job.position += len(chunk)
        job.status = BulkJob.Status.RUNNING
        if job.position >= job.total:
            job.status = BulkJob.Status.DONE
            job.finished_at = timezone.now()
        job.save(update_fields=["status", "position", "done", "skipped", "finished_at"])
        return job.status == BulkJob.Status.RUNNING


def bulk_job_fail(*, job_id: int, error: str) -> None:
    """Say where a job stopped: every chunk before it is done, the rest untouched."""
    BulkJob.objects.filter(pk=job_id).exclude(status=BulkJob.Status.DONE).update(
        status=BulkJob.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def letter_approve(*, letter: Letter, moderator) -> Letter:
    result = letters_approve(ids=[letter.pk], moderator=moderator)
    return _one(letter, result, Letter.Status.APPROVED)


def letter_reject(*, letter: Letter, moderator, reason: str, note: str = "") -> Letter:
    result = letters_reject(ids=[letter.pk], moderator=moderator, reason=reason, note=note)
    return _one(letter, result, Letter.Status.REJECTED)


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


def letters_mark_outcome(*, ids: Iterable[int], moderator, status: str) -> BulkResult:
    """After posting, set-based: the letters came back, or the prisoners answered.

    One transaction, a fixed number of statements whatever the number of
    letters; letters not in a state to take the outcome are left as they were.
    """
    if status not in (Letter.Status.RETURNED, Letter.Status.REPLY_RECEIVED):
        raise LetterError(_("Only “returned” or “reply received” can follow posting."))
    ids = list(ids)
    with transaction.atomic():
        letters, skipped, before = _decide(ids, status)
        if letters:
            Letter.objects.filter(pk__any_of=list(before)).update(status=status)
            _logs_write(letters, actor=moderator, action=LetterLog.Action(status), before=before)
    return BulkResult(done=sorted(before), skipped=skipped)


def letter_mark_outcome(*, letter: Letter, moderator, status: str) -> Letter:
    """After posting: the letter came back, or the prisoner answered."""
    result = letters_mark_outcome(ids=[letter.pk], moderator=moderator, status=status)
    return _one(letter, result, status)


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
        before = {letter.pk: letter.status for letter in locked}
        for letter in locked:
            letter.status = Letter.Status.PRINTED
        # Set-based: one UPDATE and one INSERT of log rows, whatever the size.
        Letter.objects.filter(pk__any_of=list(before)).update(
            status=Letter.Status.PRINTED, batch=batch, is_held=False
        )
        _logs_write(
            locked, actor=moderator, action=LetterLog.Action.PRINTED, before=before, batch=batch
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
            .order_by("pk")
        )
        before = {letter.pk: letter.status for letter in letters}
        per_prisoner: dict[int, int] = {}
        for letter in letters:
            letter.status = Letter.Status.POSTED
            letter.posted_at = now
            per_prisoner[letter.prisoner_id] = per_prisoner.get(letter.prisoner_id, 0) + 1
        Letter.objects.filter(pk__any_of=list(before)).update(
            status=Letter.Status.POSTED, posted_at=now
        )
        _logs_write(
            letters, actor=moderator, action=LetterLog.Action.POSTED, before=before, batch=batch
        )
        if per_prisoner:
            # One UPDATE for every prisoner in the batch, each by their own count.
            Prisoner.objects.filter(pk__in=per_prisoner).update(
                letters_sent=F("letters_sent")
                + Case(
                    *(When(pk=pk, then=Value(n)) for pk, n in sorted(per_prisoner.items())),
                    output_field=IntegerField(),
                ),
                letters_last_posted_on=now.date(),
            )
        prisoners_letters_recent_refresh(prisoner_ids=list(per_prisoner))
        if notify:
            # One INSERT for the batch's mails, in the posting's transaction.
            outbox.mail_enqueue_many(
                mails=[
                    outbox.Mail(
                        to=letter.sender_email,
                        template="letter_posted",
                        # A writer who let us quote the letter keeps the way
                        # to take that back after posting.
                        context={
                            "letter": letter,
                            "withdraw_url": _link("letters:withdraw", letter)
                            if letter.wall_consent
                            else "",
                        },
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
    moved = {
        pk: counts.get(pk, 0)
        for pk, recent in qs.values_list("pk", "letters_recent")
        if recent != counts.get(pk, 0)
    }
    if not moved:
        return 0
    # Only rows whose figure moved are written, in one UPDATE.
    return Prisoner.objects.filter(pk__in=moved).update(
        letters_recent=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in sorted(moved.items())),
            output_field=IntegerField(),
        )
    )


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
