import datetime as dt

from celery import shared_task
from django.conf import settings

from campaigns import services
from config.tasks import RETRY_TRANSIENT


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def tallies_refresh(campaign_id: int) -> bool:
    """Refresh one campaign's totals and map if its ledger changed.

    Safe twice: a second delivery finds the marker already claimed. A run
    that fails leaves the marker (claimed in the same transaction), so a
    retry or the reconcile does what it could not.
    """
    return services.campaign_totals_refresh(campaign_id=campaign_id)


@shared_task(**RETRY_TRANSIENT)
def tallies_reconcile() -> list[int]:
    return services.tallies_reconcile()


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def map_render(campaign_id: int) -> bool:
    """Draw the campaign's map PNG/SVG for its latest tally; a no-op if drawn."""
    return services.campaign_map_render(campaign_id=campaign_id)


@shared_task(**RETRY_TRANSIENT)
def signatures_purge_unconfirmed() -> int:
    """Delete signatures left unconfirmed for SIGNATURES_UNCONFIRMED_DAYS; safe twice."""
    return services.signatures_unconfirmed_purge(
        older_than=dt.timedelta(days=settings.SIGNATURES_UNCONFIRMED_DAYS)
    )
