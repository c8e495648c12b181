import logging

from celery import shared_task
from django.conf import settings

from config.tasks import RETRY_TRANSIENT, TRANSIENT_ERRORS
from letters import services

logger = logging.getLogger(__name__)

# Writers' e-mails (confirmation, changes requested, posted) are outbox rows
# written with their cause: see letters.services and outbox.services.


@shared_task(**RETRY_TRANSIENT)
def letters_erase_emails() -> int:
    return services.letters_erase_emails(retention_days=settings.LETTERS_EMAIL_RETENTION_DAYS)


@shared_task(**RETRY_TRANSIENT)
def letters_recent_refresh() -> int:
    return services.prisoners_letters_recent_refresh()


@shared_task(**RETRY_TRANSIENT, acks_late=True)
def bulk_job_run(job_id: int) -> None:
    """Run a large bulk decision chunk by chunk (letters.services.bulk_job_step).

    A passing outage retries from the last committed chunk; any other error
    stops the job and says so on its page, with the chunks before it done.
    """
    try:
        while services.bulk_job_step(job_id=job_id):
            pass
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        logger.exception("bulk job %s stopped", job_id)
        services.bulk_job_fail(job_id=job_id, error=f"{type(error).__name__}: {error}")
