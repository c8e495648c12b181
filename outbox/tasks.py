import datetime as dt

from celery import shared_task
from django.conf import settings

from config.tasks import RETRY_TRANSIENT
from outbox import services


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def outbox_send(message_id: int) -> bool:
    return services.outbox_send(message_id=message_id)


@shared_task(**RETRY_TRANSIENT)
def outbox_sweep() -> int:
    return services.outbox_sweep()


@shared_task(**RETRY_TRANSIENT)
def outbox_purge() -> int:
    return services.outbox_purge(older_than=dt.timedelta(days=settings.OUTBOX_KEEP_DAYS))
