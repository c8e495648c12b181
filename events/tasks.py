from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from events.models import Event


@shared_task
def event_status_notify(event_id: int, status: str) -> bool:
    """Tell the organiser their event's status; a no-op once the status moved on."""
    claimed = (
        Event.objects.filter(pk=event_id, status=status)
        .exclude(notified_status=status)
        .update(notified_status=status)
    )
    if not claimed:
        return False
    event = Event.objects.select_related("organiser").get(pk=event_id)
    if not event.organiser.email:
        return False
    context = {"event": event, "site_url": settings.SITE_URL}
    subject = render_to_string("emails/event_status/subject.txt", context).strip()
    body = render_to_string("emails/event_status/body.txt", context)
    send_mail(subject, body, None, [event.organiser.email])
    return True
