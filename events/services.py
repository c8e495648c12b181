"""Events: submission, moderation, reports and what they add to the ledger."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns.models import ActionKind
from campaigns.services import action_record, action_withdraw
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
        locked = Event.objects.select_for_update().get(pk=event.pk)
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


def _moderate(*, event: Event, moderator, status: str, reason: str = "") -> bool:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status == status and locked.rejection_reason == reason:
            return False
        locked.status = status
        locked.rejection_reason = reason
        locked.moderated_by = moderator
        locked.moderated_at = timezone.now()
        locked.save(
            update_fields=[
                "status",
                "rejection_reason",
                "moderated_by",
                "moderated_at",
                "updated_at",
            ]
        )
        event_ledger_sync(event=locked)
        # A new reason for a rejection is news to the organiser too.
        _status_mail(locked)
    event.status, event.rejection_reason = status, reason
    return True


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
    """Make the ledger say what a published event did.

    A published event counts as one event in its country (in its campaign if
    it has one, and in the global tallies either way); its published report
    adds participants, letters, postcards, signatures and other actions. An
    event that is not published yields nothing: whatever it yielded before
    (at publication, from its report) is withdrawn.
    """
    if event.status != Event.Status.PUBLISHED:
        action_withdraw(source=event)
        return
    report = EventReport.objects.filter(event=event, is_published=True).first()
    # "First" honoured prisoner: the first by name, so it does not change
    # with the order someone ticked the boxes.
    prisoner = event.prisoners.order_by("name", "pk").first()
    figures = {ActionKind.EVENT: 1}
    for kind, field in REPORT_FIGURES.items():
        # Zero (no report, a hidden one, or nothing of that kind) withdraws.
        figures[kind] = getattr(report, field) if report is not None else 0
    for kind, quantity in figures.items():
        action_record(
            source=event,
            kind=kind,
            campaign=event.campaign,
            country=event.country.code,
            quantity=quantity,
            prisoner=prisoner,
            occurred_at=event.starts_at,
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
