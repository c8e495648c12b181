from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from events.models import Event

# The claim's row lock is held while the mail goes out (see below): never
# wait on a silent mail server for longer than this.
SMTP_TIMEOUT_SECONDS = 30


# OSError covers smtplib.SMTPException and the socket errors of a mail server
# that is down or drops the connection. Retries back off up to 10 minutes;
# past the last one the mail stays owed (notified_change is behind) and a
# later delivery of the task still sends it.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def event_status_notify(event_id: int, change: int | str) -> bool:
    """Tell the organiser about one status change; a no-op once told or moved on."""
    if isinstance(change, str):
        # Queued by the code before status_changes, as (id, status).
        change = (
            Event.objects.filter(pk=event_id, status=change)
            .values_list("status_changes", flat=True)
            .first()
        )
        if change is None:
            return False
    # Claim and send in one transaction: a failed send rolls the claim back,
    # so the retry (or any later delivery) sends it; a concurrent duplicate
    # waits on the row lock and then finds the change already claimed.
    with transaction.atomic():
        claimed = Event.objects.filter(
            pk=event_id, status_changes=change, notified_change__lt=change
        ).update(notified_change=change)
        if not claimed:
            return False
        event = Event.objects.select_related("organiser").get(pk=event_id)
        if not event.organiser.email:
            return False
        context = {"event": event, "site_url": settings.SITE_URL}
        # In the organiser's language (the event's, preselected from the
        # address they logged it at), not the worker's or the moderator's;
        # links in it then point at that language's addresses.
        with translation.override(event.language):
            # One line, whatever the title holds: a line break in a subject is
            # a BadHeaderError (and, unchecked, a header injection).
            subject = " ".join(render_to_string("emails/event_status/subject.txt", context).split())
            body = render_to_string("emails/event_status/body.txt", context)
        send_mail(
            subject,
            body,
            None,
            [event.organiser.email],
            connection=get_connection(timeout=SMTP_TIMEOUT_SECONDS),
        )
    return True
