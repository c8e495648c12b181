from celery import shared_task
from django.conf import settings

from config.tasks import RETRY_TRANSIENT
from letters import services

# Writers' e-mails (confirmation, changes requested, posted) are outbox rows
# written with their cause: see letters.services and outbox.services.


@shared_task(**RETRY_TRANSIENT)
def letters_erase_emails() -> int:
    return services.letters_erase_emails(retention_days=settings.LETTERS_EMAIL_RETENTION_DAYS)


@shared_task(**RETRY_TRANSIENT)
def letters_recent_refresh() -> int:
    return services.prisoners_letters_recent_refresh()
