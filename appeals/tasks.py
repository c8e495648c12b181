import datetime as dt

from celery import shared_task
from django.conf import settings

from appeals import services
from config.tasks import RETRY_TRANSIENT


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def appeals_digest_send() -> int:
    """The daily digest per target; safe twice (nothing waits the second time)."""
    return services.appeals_digest_send()


@shared_task(**RETRY_TRANSIENT)
def appeals_purge_unconfirmed() -> int:
    return services.appeals_unconfirmed_purge(
        older_than=dt.timedelta(days=settings.SIGNATURES_UNCONFIRMED_DAYS)
    )
