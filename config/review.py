"""The review queue's claim: one moderator per item, for a short lease.

Letters and events carry ``claimed_by`` and ``claimed_until``. A moderator
claims the oldest waiting item that nobody holds (or whose lease ran out);
the claim is released on a decision or a skip and expires by itself when a
moderator walks away. Taking it is one transaction that locks the candidate
row with ``FOR UPDATE SKIP LOCKED``: two moderators asking at the same
moment lock different rows, and one asking after the other committed sees
the lease and passes the row by. The claim only hides an item from the
other moderators' queues; the decision itself still goes through the
item's service, which locks the row again.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

LEASE = dt.timedelta(minutes=5)


def _free(user, now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=user)


def claim_next(*, waiting: QuerySet, user, skip: list[int] = (), lease=LEASE) -> Model | None:
    """Claim the first of ``waiting`` (in its order) that is free; None when none is."""
    now = timezone.now()
    with transaction.atomic():
        # Our own live claim first: a reload shows the same item.
        mine = (
            waiting.select_for_update(skip_locked=True, of=("self",))
            .filter(claimed_by=user, claimed_until__gte=now)
            .exclude(pk__in=skip)
            .first()
        )
        item = mine or (
            waiting.select_for_update(skip_locked=True, of=("self",))
            .filter(_free(user, now))
            .exclude(pk__in=skip)
            .first()
        )
        if item is None:
            return None
        item.claimed_by, item.claimed_until = user, now + lease
        type(item).objects.filter(pk=item.pk).update(
            claimed_by=user, claimed_until=item.claimed_until
        )
    return item


def claim_holds(*, model, pk: int, user) -> bool:
    """Whether ``user`` may decide on the item: nobody else holds a live claim."""
    return model.objects.filter(pk=pk).filter(_free(user, timezone.now())).exists()


def claim_release(*, model, pk: int, user) -> None:
    model.objects.filter(pk=pk, claimed_by=user).update(claimed_by=None, claimed_until=None)


def claims_waiting(*, waiting: QuerySet, user) -> int:
    """How many waiting items this user could claim (not held by someone else)."""
    return waiting.filter(_free(user, timezone.now())).count()
