import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from letters import services
from letters.models import Letter

logger = logging.getLogger(__name__)

# A writer's e-mail not sent this long after it was due is queued again.
MAIL_SWEEP_AFTER = dt.timedelta(minutes=10)


def _send(letter: Letter, template: str, context: dict) -> None:
    context = {"letter": letter, "site_url": settings.SITE_URL, **context}
    # In the language the writer used the site in, not the worker's.
    with translation.override(letter.language_code):
        subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
        body = render_to_string(f"emails/{template}/body.txt", context)
    send_mail(subject, body, None, [letter.sender_email])


def _claim_and_send(letter_id: int, field: str, template: str, context_for, **only) -> bool:
    """E-mail at most once: the UPDATE ... WHERE <field> IS NULL is the claim.

    A second delivery of the task finds the field set and sends nothing; a
    failed send gives the claim back so a retry can send. ``only`` narrows
    the claim (e.g. to a status the e-mail still makes sense in).
    """
    claimed = (
        Letter.objects.filter(pk=letter_id, **{f"{field}__isnull": True}, **only)
        .exclude(sender_email="")
        .update(**{field: timezone.now()})
    )
    if not claimed:
        return False
    letter = Letter.objects.select_related("prisoner").get(pk=letter_id)
    try:
        _send(letter, template, context_for(letter))
    except Exception:
        Letter.objects.filter(pk=letter_id).update(**{field: None})
        raise
    return True


def _link(name: str, letter: Letter) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": letter.withdraw_token})


@shared_task(acks_late=True)
def letter_confirmation_send(letter_id: int) -> bool:
    return _claim_and_send(
        letter_id,
        "confirmation_sent_at",
        "letter_received",
        lambda letter: {"withdraw_url": _link("letters:withdraw", letter)},
    )


@shared_task(acks_late=True)
def letter_changes_requested_send(letter_id: int) -> bool:
    # Only while the changes are still wanted: not once the letter was
    # changed, withdrawn or decided on.
    return _claim_and_send(
        letter_id,
        "changes_notified_at",
        "letter_needs_changes",
        lambda letter: {
            "edit_url": _link("letters:edit", letter),
            "withdraw_url": _link("letters:withdraw", letter),
        },
        status=Letter.Status.NEEDS_CHANGES,
    )


@shared_task(acks_late=True)
def batch_posted_notify(batch_id: int) -> int:
    sent, failed = 0, None
    ids = Letter.objects.filter(
        batch_id=batch_id, status=Letter.Status.POSTED, posted_notified_at__isnull=True
    ).values_list("pk", flat=True)
    for letter_id in list(ids):
        # One failed address does not keep the other writers waiting; its
        # claim was given back for the sweep.
        try:
            sent += _claim_and_send(letter_id, "posted_notified_at", "letter_posted", lambda _: {})
        except Exception as e:
            failed = e
    if failed is not None:
        raise failed
    return sent


@shared_task
def letters_mail_sweep() -> int:
    """Queue again the writers' e-mails that should have gone out ten minutes ago.

    Each send task claims its letter, so a mail queued twice (a slow first
    try, then the sweep) still goes out once.
    """
    overdue = services.letters_mail_overdue(now=timezone.now(), after=MAIL_SWEEP_AFTER)
    queued = 0
    for task, ids in (
        (letter_confirmation_send, overdue.confirmations),
        (letter_changes_requested_send, overdue.change_requests),
        (batch_posted_notify, overdue.posted_batches),
    ):
        for pk in ids:
            try:
                task.delay(pk)
            except Exception:
                # One broken address or a broker hiccup must not stop the
                # rest; the next sweep tries again.
                logger.exception("letters: could not queue %s(%s)", task.name, pk)
            else:
                queued += 1
    return queued


@shared_task
def letters_erase_emails() -> int:
    return services.letters_erase_emails(retention_days=settings.LETTERS_EMAIL_RETENTION_DAYS)


@shared_task
def letters_recent_refresh() -> int:
    return services.prisoners_letters_recent_refresh()
