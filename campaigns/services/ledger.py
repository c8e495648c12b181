"""Recording and withdrawing actions; offline reports, the editors' way in."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from campaigns.models import Action, ActionKind, Campaign, OfflineReport
from campaigns.services.tallies import (
    contribution,
    locks_take_shared,
    tallies_apply,
    tallies_refresh_on_commit,
)
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
