"""The one owner of outbound mail.

Every e-mail the site sends is a Message row written by mail_enqueue() in the
same transaction as its cause (a letter saved, a batch posted, a signature
added, an event moderated): if the cause commits, the mail is owed; if it
rolls back, it never existed. Subject and body are rendered then, in the
recipient's language, so a worker needs nothing but the row.

Sending is at least once, never "marked before it happened":

1. claim: one conditional UPDATE sets status "sending" and a lease
   (claimed_until) on a due row; of two workers, one gets it;
2. send over SMTP, with a timeout well inside the lease;
3. mark sent (or, on failure, schedule the next try with exponential
   backoff, and give up as "failed" after OUTBOX_MAX_ATTEMPTS). Marking
   sent is tried again through a database outage while the lease holds.

A worker killed between 1 and 3 leaves the row "sending" with a lease that
runs out; then the row is due again and the sweep (beat, every
OUTBOX_SWEEP_SECONDS) sends it. The only duplicate possible is a crash after
the server took the mail and before step 3 (or a database down for longer
than the rest of the lease); the stable Message-ID lets the
recipient's side recognise it.

Why not django-post-office: it marks a mail by status but has no lease, and
its send_queued_mail command serialises senders with a file lock in the
machine's temp folder, which does not hold across containers; scaled-out
workers would both send. The part we need is this file.
"""

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from outbox.models import Message

logger = logging.getLogger(__name__)


class Mail:
    """One e-mail to render: a template under templates/emails/<template>/."""

    def __init__(self, *, to: str, template: str, context: dict, language: str | None = None):
        self.to, self.template, self.context, self.language = to, template, context, language


def _render(mail: Mail, now: dt.datetime) -> Message:
    context = {"site_url": settings.SITE_URL, **mail.context}
    language = mail.language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"emails/{mail.template}/subject.txt", context)
        body = render_to_string(f"emails/{mail.template}/body.txt", context)
    return _message(
        to=mail.to, template=mail.template, subject=subject, body=body, language=language, now=now
    )


def _message(
    *, to: str, template: str, subject: str, body: str, language: str, now: dt.datetime
) -> Message:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or None
    return Message(
        template=template,
        to=to,
        # One line, whatever the names in it hold: a line break in a subject
        # is a BadHeaderError (and, unchecked, a header injection).
        subject=" ".join(subject.split())[:300],
        body=body,
        language=language,
        message_id=make_msgid(domain=domain),
        next_attempt_at=now,
    )


def mail_enqueue_rendered(*, to: str, template: str, subject: str, body: str) -> int | None:
    """A mail whose text someone else rendered (allauth's account mails)."""
    if not to:
        return None
    message = _message(
        to=to,
        template=template,
        subject=subject,
        body=body,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        now=timezone.now(),
    )
    with transaction.atomic():
        message.save()
        transaction.on_commit(lambda: _queue([message.pk]), robust=True)
    return message.pk


def mail_enqueue_many(*, mails: Iterable[Mail]) -> list[int]:
    """Write the rows (one INSERT) and queue their sends after the commit.

    Call inside the cause's transaction. Mails to an empty address are
    dropped here, so callers need not check.
    """
    now = timezone.now()
    rows = [_render(m, now) for m in mails if m.to]
    if not rows:
        return []
    # No savepoint inside the cause's transaction (two round-trips fewer):
    # if the INSERT fails, the cause rolls back with it, as it must.
    with transaction.atomic(savepoint=False):
        created = Message.objects.bulk_create(rows)
        ids = [m.pk for m in created]
        transaction.on_commit(lambda: _queue(ids), robust=True)
    return ids


def mail_enqueue(
    *, to: str, template: str, context: dict, language: str | None = None
) -> int | None:
    ids = mail_enqueue_many(
        mails=[Mail(to=to, template=template, context=context, language=language)]
    )
    return ids[0] if ids else None


def _queue(ids: list[int]) -> None:
    if not settings.OUTBOX_SEND_ON_COMMIT:
        # The sweep (beat, every OUTBOX_SWEEP_SECONDS) sends the rows: a
        # request that owes a mail pays no broker publish for it.
        return
    from outbox.tasks import outbox_send

    for pk in ids:
        try:
            outbox_send.delay(pk)
        except Exception:
            # The broker is down: the row is saved and due, the sweep sends
            # it once the worker and beat are back.
            logger.warning("outbox: could not queue message %s; the sweep will send it", pk)
            return


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def outbox_claim(*, message_id: int, now: dt.datetime | None = None) -> Message | None:
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = (
        Message.objects.due(now)
        .filter(pk=message_id)
        .update(
            status=Message.Status.SENDING,
            claimed_until=now + lease,
            attempts=F("attempts") + 1,
        )
    )
    return Message.objects.get(pk=message_id) if claimed else None


def _deliver(message: Message) -> None:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.to],
        headers={"Message-ID": message.message_id},
    )
    connection = get_connection(timeout=settings.OUTBOX_SMTP_TIMEOUT_SECONDS)
    connection.send_messages([email])


def outbox_send(*, message_id: int) -> bool:
    """Send one owed message if it is due; True if this call sent it.

    Safe twice and concurrently: only the holder of the claim sends.
    """
    message = outbox_claim(message_id=message_id)
    if message is None:
        return False
    try:
        _deliver(message)
    except Exception as e:
        failed = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED if failed else Message.Status.QUEUED,
            claimed_until=None,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            last_error=f"{type(e).__name__}: {e}"[:1000],
        )
        log = logger.error if failed else logger.warning
        log(
            "outbox: message %s (%s) attempt %s failed%s: %s",
            message.pk,
            message.template,
            message.attempts,
            ", giving up" if failed else "",
            type(e).__name__,
        )
        return False
    _sent_record(message)
    return True


def _mark_sent(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(
        status=Message.Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )


def _sent_record(message: Message) -> None:
    """Record that the server took the mail, waiting out a short database outage.

    The mail is gone either way: if this write were lost, the lease would
    run out and the mail go a second time. So a failed write is tried again,
    on a new connection, until a second before the lease ends; only an
    outage longer than that leaves the duplicate the module docstring allows.
    """
    deadline = message.claimed_until - dt.timedelta(seconds=1)
    delay = 0.25
    while True:
        try:
            _mark_sent(message.pk)
            return
        except (OperationalError, InterfaceError):
            late = timezone.now() + dt.timedelta(seconds=delay) > deadline
            if connection.in_atomic_block or late:
                logger.error(
                    "outbox: message %s was sent but could not be recorded; "
                    "it goes again when its lease ends",
                    message.pk,
                )
                raise
            logger.warning(
                "outbox: message %s was sent; recording it failed, trying again", message.pk
            )
            connection.close()  # the next query opens a new one
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def outbox_sweep(*, limit: int = 500) -> int:
    """Send what is due (queued while the broker was down, retries whose time
    has come, leases of dead workers run out); how many went out.

    It stops once it has run for OUTBOX_SWEEP_SECONDS (after at least one
    message): with a slow mail server, sweeps started every interval would
    otherwise pile up and hold every worker. The next sweep goes on.
    """
    now = timezone.now()
    deadline = time.monotonic() + settings.OUTBOX_SWEEP_SECONDS
    ids = list(
        Message.objects.due(now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for i, pk in enumerate(ids):
        if i and time.monotonic() >= deadline:
            break
        sent += outbox_send(message_id=pk)
    return sent


def outbox_resend(*, message_ids: Iterable[int]) -> int:
    """Give failed messages a fresh set of tries (the admin's action)."""
    ids = list(message_ids)
    with transaction.atomic():
        n = Message.objects.filter(pk__in=ids, status=Message.Status.FAILED).update(
            status=Message.Status.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_until=None,
        )
        transaction.on_commit(lambda: _queue(ids), robust=True)
    return n


def outbox_purge(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete messages written longer ago than ``older_than``, sent or not.

    They hold addresses (letter writers', signers') and the text sent to
    them; OUTBOX_KEEP_DAYS is shorter than LETTERS_EMAIL_RETENTION_DAYS, so
    the outbox never keeps an address the letters have erased. Anything
    still owed that long is long past its last try.
    """
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(Q(status=Message.Status.SENDING) & Q(claimed_until__gte=now or timezone.now()))
        .delete()
    )
    return deleted
