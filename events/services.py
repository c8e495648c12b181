"""Events: submission, moderation, reports and what they add to the ledger."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns.models import ActionKind
from campaigns.services import ActionSpec, actions_replace
from config.photos import CleanPhoto
from events.models import Event, EventPhoto, EventReport
from outbox import services as outbox

# Photos per stage: up to ten with the announcement and ten more with the report.
MAX_PHOTOS = 10


class EventError(Exception):
    pass


def user_can_log_events(*, user) -> bool:
    return bool(
        user.is_authenticated and EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def event_photos_room(*, event: Event | None, stage: str) -> int:
    if event is None or event.pk is None:
        return MAX_PHOTOS
    return max(0, MAX_PHOTOS - event.photos.filter(stage=stage).count())


def _photos_store(
    *, event: Event, photos: list[tuple[CleanPhoto, str, str]], stage: str
) -> list[EventPhoto]:
    if len(photos) > event_photos_room(event=event, stage=stage):
        raise EventError("too many photos")
    start = event.photos.count()
    stored = []
    for offset, (clean, caption, credit) in enumerate(photos):
        photo = EventPhoto(
            event=event,
            caption=caption,
            credit=credit,
            stage=stage,
            order=start + offset,
            width=clean.width,
            height=clean.height,
        )
        # Names carry no trace of the uploaded file's name.
        photo.image.save(f"event-{event.pk}.{clean.extension}", ContentFile(clean.data), save=False)
        photo.thumbnail.save(f"event-{event.pk}.jpg", ContentFile(clean.thumbnail), save=False)
        photo.save()
        stored.append(photo)
    return stored


def event_photo_delete(*, photo: EventPhoto) -> None:
    """Take a photo down: the row now, its files once that is committed.

    Deleting the row alone would leave the picture at its old address under
    MEDIA_URL, which is not "removed" for the person in it.
    """
    files = [(f.storage, f.name) for f in (photo.image, photo.thumbnail) if f.name]
    with transaction.atomic():
        photo.delete()

        def remove_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files, robust=True)


def event_local_dates_set(*, event: Event) -> None:
    """Store the dates the event has on its own clocks, for the date filters.

    Every path that sets the start, the end or the zone calls this before
    saving: the organiser's forms (through the services), the admin, the demo.
    """
    zone = event.zone
    event.starts_on_local = event.starts_at.astimezone(zone).date()
    event.ends_on_local = event.ends_at.astimezone(zone).date()


def event_submit(
    *,
    event: Event,
    organiser,
    prisoners=(),
    photos: list[tuple[CleanPhoto, str, str]] = (),
) -> Event:
    """Save a new event from an activist; it waits for a moderator."""
    with transaction.atomic():
        event.organiser = organiser
        event.status = Event.Status.SUBMITTED
        event.rejection_reason = ""
        event.full_clean(exclude=["starts_on_local", "ends_on_local"])
        event_local_dates_set(event=event)
        event.save()
        event.prisoners.set(prisoners)
        _photos_store(event=event, photos=list(photos), stage=EventPhoto.Stage.ANNOUNCEMENT)
    return event


def event_update(
    *,
    event: Event,
    editor,
    prisoners=(),
    photos: list[tuple[CleanPhoto, str, str]] = (),
) -> Event:
    """An organiser's edit. A published or rejected event goes back to review."""
    if event.organiser_id != editor.pk:
        raise EventError("only the organiser edits an event")
    with transaction.atomic():
        locked = Event.objects.select_for_update(of=("self",)).get(pk=event.pk)
        changed = locked.status != Event.Status.SUBMITTED
        event.status = Event.Status.SUBMITTED
        event.rejection_reason = ""
        event.full_clean(exclude=["starts_on_local", "ends_on_local"])
        event_local_dates_set(event=event)
        event.save()
        event.prisoners.set(prisoners)
        _photos_store(event=event, photos=list(photos), stage=EventPhoto.Stage.ANNOUNCEMENT)
        event_ledger_sync(event=event)
        if changed:
            _status_mail(event)
    return event


def events_moderate(*, ids, moderator, status: str, reason: str = "") -> list[int]:
    """Publish or reject events in one transaction, set-based; the ids changed.

    Events already in that state (with that reason) are left as they were.
    The ledger follows in a few statements (events_ledger_sync) and each
    organiser's mail is one outbox row, written in one INSERT.
    """
    with transaction.atomic():
        # Lock order, step 1: the events' rows only, in id order.
        events = [
            event
            for event in Event.objects.select_for_update(of=("self",))
            .select_related("organiser")
            .filter(pk__in=sorted(set(ids)))
            .order_by("pk")
            if event.status != status or event.rejection_reason != reason
        ]
        if not events:
            return []
        now = timezone.now()
        Event.objects.filter(pk__in=[e.pk for e in events]).update(
            status=status,
            rejection_reason=reason,
            moderated_by=moderator,
            moderated_at=now,
            updated_at=now,
        )
        for event in events:
            event.status, event.rejection_reason = status, reason
            event.moderated_by, event.moderated_at = moderator, now
        events_ledger_sync(events=events)
        # A new reason for a rejection is news to the organiser too.
        _status_mails(events)
    return [e.pk for e in events]


def _moderate(*, event: Event, moderator, status: str, reason: str = "") -> bool:
    changed = events_moderate(ids=[event.pk], moderator=moderator, status=status, reason=reason)
    event.status, event.rejection_reason = status, reason
    return bool(changed)


def events_publish(*, ids, moderator) -> list[int]:
    return events_moderate(ids=ids, moderator=moderator, status=Event.Status.PUBLISHED)


def events_reject(*, ids, moderator, reason: str) -> list[int]:
    reason = reason.strip()
    if not reason:
        raise EventError("a rejection needs a reason")
    return events_moderate(
        ids=ids, moderator=moderator, status=Event.Status.REJECTED, reason=reason
    )


def event_publish(*, event: Event, moderator) -> bool:
    return _moderate(event=event, moderator=moderator, status=Event.Status.PUBLISHED)


def event_reject(*, event: Event, moderator, reason: str) -> bool:
    reason = reason.strip()
    if not reason:
        raise EventError("a rejection needs a reason")
    return _moderate(event=event, moderator=moderator, status=Event.Status.REJECTED, reason=reason)


def event_report_save(
    *,
    event: Event,
    editor,
    report: EventReport,
    photos: list[tuple[CleanPhoto, str, str]] = (),
) -> EventReport:
    """Create or correct the organiser's report; the ledger follows, never doubles."""
    if event.organiser_id != editor.pk:
        raise EventError("only the organiser reports on an event")
    with transaction.atomic():
        # Lock order, step 1: the event's row, before its actions.
        list(Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).values("pk"))
        report.event = event
        report.full_clean()
        report.save()
        _photos_store(event=event, photos=list(photos), stage=EventPhoto.Stage.REPORT)
        event_ledger_sync(event=event)
    return report


# A report's figures, by the kind of action each adds to the ledger.
REPORT_FIGURES = {
    ActionKind.PARTICIPANT: "participants",
    ActionKind.LETTER: "letters_written",
    ActionKind.POSTCARD: "postcards",
    ActionKind.SIGNATURE: "signatures",
    ActionKind.OTHER: "other_actions",
}


def event_ledger_sync(*, event: Event) -> None:
    """Make the ledger say what a published event did (events_ledger_sync)."""
    events_ledger_sync(events=[event])


def events_ledger_sync(*, events: list[Event]) -> None:
    """Make the ledger say what these events did, in a few statements for any number.

    A published event counts as one event in its country (in its campaign if
    it has one, and in the global tallies either way); its published report
    adds participants, letters, postcards, signatures and other actions. An
    event that is not published yields nothing: whatever it yielded before
    (at publication, from its report) is withdrawn.
    """
    published = {e.pk: e for e in events if e.status == Event.Status.PUBLISHED}
    reports = {
        r.event_id: r for r in EventReport.objects.filter(event_id__in=published, is_published=True)
    }
    # "First" honoured prisoner: the first by name, so it does not change
    # with the order someone ticked the boxes.
    first_prisoner: dict[int, int] = {}
    for event_id, prisoner_id in (
        Event.prisoners.through.objects.filter(event_id__in=published)
        .order_by("event_id", "prisoner__name", "prisoner_id")
        .values_list("event_id", "prisoner_id")
    ):
        first_prisoner.setdefault(event_id, prisoner_id)
    specs = []
    for event in published.values():
        report = reports.get(event.pk)
        figures = {ActionKind.EVENT: 1}
        for kind, field in REPORT_FIGURES.items():
            # Zero (no report, a hidden one, or nothing of that kind) yields nothing.
            figures[kind] = getattr(report, field) if report is not None else 0
        specs += [
            ActionSpec(
                source_id=event.pk,
                kind=kind,
                campaign_id=event.campaign_id,
                country=getattr(event.country, "code", event.country),
                quantity=quantity,
                prisoner_id=first_prisoner.get(event.pk),
                occurred_at=event.starts_at,
            )
            for kind, quantity in figures.items()
            if quantity
        ]
    actions_replace(
        source_type=ContentType.objects.get_for_model(Event),
        source_ids=[e.pk for e in events],
        specs=specs,
    )


def _status_mails(events: list[Event]) -> None:
    outbox.mail_enqueue_many(
        mails=[
            outbox.Mail(
                to=event.organiser.email,
                template="event_status",
                context={"event": event},
                language=event.language or settings.LANGUAGE_CODE,
            )
            for event in events
            if event.organiser_id
        ]
    )


def _status_mail(event: Event) -> None:
    """Tell the organiser about the change, in this transaction (outbox).

    In the event's language (preselected from the address the organiser
    logged it at), not the moderator's admin language; links in it then
    point at that language's addresses.
    """
    organiser = event.organiser
    outbox.mail_enqueue(
        to=organiser.email,
        template="event_status",
        context={"event": event},
        language=event.language or settings.LANGUAGE_CODE,
    )


def event_is_reportable(*, event: Event, now: dt.datetime | None = None) -> bool:
    return event.starts_at <= (now or timezone.now())
