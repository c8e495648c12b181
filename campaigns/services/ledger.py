"""Recording and withdrawing actions; offline reports, the editors' way in."""

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from campaigns.models import Action, ActionKind, Campaign, OfflineReport
from campaigns.services.tallies import (
    Contribution,
    contribution,
    locks_take_shared,
    tallies_apply,
    tallies_refresh_on_commit,
)
from config.lookups import insert_rows  # and registers field__any_of
from prisoners.models import Prisoner


class LedgerError(Exception):
    pass


def action_record(
    *,
    source: models.Model,
    kind: str,
    campaign: Campaign | None,
    country: str,
    quantity: int = 1,
    prisoner: Prisoner | None = None,
    occurred_at: dt.datetime | None = None,
) -> Action | None:
    """Record (or correct) the action a source yields of this kind.

    Calling it again for the same source and kind replaces the earlier
    figures: a corrected report never adds up twice. A quantity of zero
    withdraws the action. ``campaign=None``: an act outside any campaign,
    counted in the global tallies only.
    """
    if kind not in ActionKind.values:
        raise LedgerError(f"unknown action kind {kind!r}")
    if quantity < 0:
        raise LedgerError("an action cannot have a negative quantity")
    if quantity == 0:
        action_withdraw(source=source, kind=kind)
        return None
    campaign_id = campaign.pk if campaign is not None else None
    lookup = {
        "source_type": ContentType.objects.get_for_model(source),
        "source_id": source.pk,
        "kind": kind,
    }
    values = {
        "campaign_id": campaign_id,
        "country": country or "",
        "quantity": quantity,
        "prisoner": prisoner,
        "occurred_at": occurred_at or timezone.now(),
    }
    with transaction.atomic():
        action = Action.objects.select_for_update().filter(**lookup).first()
        # Keys after the action's row (see the package docstring): both
        # campaigns', as a correction may move the action between them.
        locks_take_shared([campaign_id, action.campaign_id if action else None])
        if action is None:
            try:
                with transaction.atomic():
                    action = Action.objects.create(**lookup, **values)
            except IntegrityError:
                # Another request recorded the same source meanwhile: correct it.
                action = Action.objects.select_for_update().get(**lookup)
                locks_take_shared([action.campaign_id])
            else:
                tallies_apply([contribution(action, +1)])
                tallies_refresh_on_commit(campaign_id=campaign_id)
                return action
        before = contribution(action, -1)
        for field, value in values.items():
            setattr(action, field, value)
        action.save()
        tallies_apply([before, contribution(action, +1)])
    for changed in {before.campaign_id, campaign_id}:
        tallies_refresh_on_commit(campaign_id=changed)
    return action


def action_withdraw(*, source: models.Model, kind: str | None = None) -> int:
    """Take a source's actions (or one kind of them) out of the ledger."""
    qs = Action.objects.filter(
        source_type=ContentType.objects.get_for_model(source), source_id=source.pk
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    with transaction.atomic():
        actions = list(qs.select_for_update())
        if not actions:
            return 0
        locks_take_shared(a.campaign_id for a in actions)
        Action.objects.filter(pk__in=[a.pk for a in actions]).delete()
        tallies_apply([contribution(a, -1) for a in actions])
    for campaign_id in {a.campaign_id for a in actions}:
        tallies_refresh_on_commit(campaign_id=campaign_id)
    return len(actions)


class ActionSpec(NamedTuple):
    """One action a source yields, for actions_replace."""

    source_id: int
    kind: str
    campaign_id: int | None
    country: str
    quantity: int
    prisoner_id: int | None
    occurred_at: dt.datetime


def _spec_contribution(spec: ActionSpec) -> Contribution:
    return Contribution(
        campaign_id=spec.campaign_id,
        prisoner_id=spec.prisoner_id,
        country=spec.country or "",
        kind=spec.kind,
        day=timezone.localtime(spec.occurred_at, dt.UTC).date(),
        delta=spec.quantity,
    )


def actions_replace(
    *, source_type: ContentType, source_ids: Iterable[int], specs: Iterable[ActionSpec]
) -> None:
    """Make the ledger hold exactly ``specs`` for these sources, set-based.

    Whatever the sources yielded before goes, what the specs say comes in,
    and the tallies take the netted difference: a few statements whatever
    the number of sources (a bulk approval of 500 letters, the publication
    of 50 events). The caller has locked the sources (lock order, step 1).
    """
    source_ids = sorted(set(source_ids))
    specs = [s for s in specs if s.quantity]
    for spec in specs:
        if spec.kind not in ActionKind.values:
            raise LedgerError(f"unknown action kind {spec.kind!r}")
        if spec.quantity < 0 or spec.source_id not in source_ids:
            raise LedgerError("an action needs a positive quantity and one of the sources")
    if not source_ids:
        return
    # No savepoint: a failure here fails the caller's whole decision anyway.
    with transaction.atomic(savepoint=False):
        # Step 2: the actions' rows, in id order.
        before = list(
            Action.objects.select_for_update(of=("self",))
            .filter(source_type=source_type, source_id__any_of=source_ids)
            .order_by("pk")
        )
        campaign_ids = {a.campaign_id for a in before} | {s.campaign_id for s in specs}
        locks_take_shared(campaign_ids)  # step 3
        if before:
            Action.objects.filter(pk__any_of=[a.pk for a in before]).delete()
        # Plain rows, not model instances: the 500 instances would cost
        # more than the INSERT (bench: bulk approval).
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(timezone.now())
        insert_rows(
            Action._meta.db_table,
            [
                "source_type_id",
                "source_id",
                "kind",
                "campaign_id",
                "country",
                "quantity",
                "prisoner_id",
                "occurred_at",
                "recorded_at",
            ],
            [
                (
                    source_type.pk,
                    s.source_id,
                    s.kind,
                    s.campaign_id,
                    s.country or "",
                    s.quantity,
                    s.prisoner_id,
                    adapt(s.occurred_at),
                    now,
                )
                for s in specs
            ],
        )
        # Step 4, netted: an unchanged action moves no tally row.
        tallies_apply(
            [contribution(a, -1) for a in before] + [_spec_contribution(s) for s in specs]
        )
    for campaign_id in campaign_ids:
        tallies_refresh_on_commit(campaign_id=campaign_id)


def offline_report_save(*, report: OfflineReport, user=None) -> OfflineReport:
    """Create or correct an offline report; its action is replaced, never added."""
    with transaction.atomic():
        if report.pk is None and user is not None:
            report.created_by = user
        report.full_clean()
        previous_kind = (
            OfflineReport.objects.filter(pk=report.pk).values_list("kind", flat=True).first()
            if report.pk
            else None
        )
        report.save()
        if previous_kind and previous_kind != report.kind:
            action_withdraw(source=report, kind=previous_kind)
        action_record(
            source=report,
            kind=report.kind,
            campaign=report.campaign,
            country=report.country.code,
            quantity=report.quantity,
            occurred_at=timezone.make_aware(
                dt.datetime.combine(report.reported_on, dt.time(12, 0))
            ),
        )
    return report


def offline_report_delete(*, report: OfflineReport) -> None:
    with transaction.atomic():
        action_withdraw(source=report)
        report.delete()
