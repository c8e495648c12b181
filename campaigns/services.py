"""The action ledger and its tallies.

How a tally stays exact (DESIGN, "Tallies, precisely"):

* Recording or withdrawing an action commits first. Only then, in an
  on-commit hook, the campaign is marked dirty with a conditional UPDATE; the
  caller whose UPDATE flipped the marker from empty enqueues the recompute.
  Everyone else sees a marker already set, which means a task has not yet
  claimed it and will read the ledger after their commit. So a burst of
  actions costs one pending recompute per campaign, not one each.
* The task claims the marker (UPDATE ... SET dirty = NULL WHERE dirty IS NOT
  NULL) in its own committed statement before it reads the ledger. A
  duplicate delivery finds nothing to claim and does nothing.
* The recompute reads the ledger with one SELECT ... GROUP BY (country,
  kind, day) and replaces the campaign's tally and daily rows with the
  result, in one transaction, serialised per campaign.
* If Redis is down, the marker stays set and the periodic reconcile finds
  it; if the process dies between commit and marking, the reconcile's full
  recompute finds the drift and logs it.
"""

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    Action,
    ActionKind,
    Campaign,
    DailyTally,
    OfflineReport,
    Signature,
    Tally,
)
from prisoners.models import Prisoner

logger = logging.getLogger(__name__)


class LedgerError(Exception):
    pass


def action_record(
    *,
    source: models.Model,
    kind: str,
    campaign: Campaign,
    country: str,
    quantity: int = 1,
    prisoner: Prisoner | None = None,
    occurred_at: dt.datetime | None = None,
) -> Action | None:
    """Record (or correct) the action a source yields of this kind.

    Calling it again for the same source and kind replaces the earlier
    figures: a corrected report never adds up twice. A quantity of zero
    withdraws the action.
    """
    if kind not in ActionKind.values:
        raise LedgerError(f"unknown action kind {kind!r}")
    if quantity < 0:
        raise LedgerError("an action cannot have a negative quantity")
    if quantity == 0:
        action_withdraw(source=source, kind=kind)
        return None
    source_type = ContentType.objects.get_for_model(source)
    with transaction.atomic():
        previous_campaign_id = (
            Action.objects.filter(source_type=source_type, source_id=source.pk, kind=kind)
            .values_list("campaign_id", flat=True)
            .first()
        )
        action, _ = Action.objects.update_or_create(
            source_type=source_type,
            source_id=source.pk,
            kind=kind,
            defaults={
                "campaign": campaign,
                "country": country or "",
                "quantity": quantity,
                "prisoner": prisoner,
                "occurred_at": occurred_at or timezone.now(),
            },
        )
    tallies_refresh_on_commit(campaign_id=campaign.pk)
    if previous_campaign_id and previous_campaign_id != campaign.pk:
        tallies_refresh_on_commit(campaign_id=previous_campaign_id)
    return action


def action_withdraw(*, source: models.Model, kind: str | None = None) -> int:
    """Take a source's actions (or one kind of them) out of the ledger."""
    qs = Action.objects.filter(
        source_type=ContentType.objects.get_for_model(source), source_id=source.pk
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    with transaction.atomic():
        campaign_ids = set(qs.values_list("campaign_id", flat=True))
        deleted, _ = qs.delete()
    for campaign_id in campaign_ids:
        tallies_refresh_on_commit(campaign_id=campaign_id)
    return deleted


def tallies_refresh_on_commit(*, campaign_id: int) -> None:
    # robust: the submission is saved whatever happens to the broker; a
    # failure here is logged and repaired by the periodic reconcile.
    transaction.on_commit(lambda: _tallies_mark_dirty(campaign_id), robust=True)


def _tallies_mark_dirty(campaign_id: int) -> None:
    from campaigns.tasks import tally_recompute

    flipped = Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=True).update(
        tally_dirty_at=timezone.now()
    )
    if flipped:
        tally_recompute.apply_async(
            args=[campaign_id], countdown=settings.TALLY_COALESCE_SECONDS or None
        )


def tallies_claim(*, campaign_id: int) -> bool:
    """Take the pending-recompute marker; False when there was none to take."""
    return bool(
        Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=False).update(
            tally_dirty_at=None
        )
    )


def tallies_mark_dirty(*, campaign_id: int) -> None:
    """Put the marker back, e.g. after a recompute failed, for the reconcile to see."""
    Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=True).update(
        tally_dirty_at=timezone.now()
    )


def _tally_rows(campaign_id: int) -> dict[tuple[str, str], int]:
    return {
        (country, kind): quantity
        for country, kind, quantity in Tally.objects.filter(campaign_id=campaign_id).values_list(
            "country", "kind", "quantity"
        )
    }


def campaign_tallies_recompute(*, campaign_id: int) -> bool:
    """Replace a campaign's tallies with the ledger summed from scratch.

    Returns whether anything changed, so the reconcile can say when it had
    to repair drift.
    """
    action_table = Action._meta.db_table
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise recomputes of one campaign without locking the
            # campaign row, which the on-commit marker also updates.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7001, campaign_id])
        before = _tally_rows(campaign_id)
        # One scan of the ledger, as a plain SELECT: PostgreSQL runs it with
        # parallel workers, which it never does for INSERT ... SELECT. The
        # groups (country x kind x day) are few; they are rolled up here.
        # DATE() is SQLite's function and PostgreSQL's cast; both take the
        # day in the connection's time zone, which Django sets to UTC.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT country, kind, DATE(occurred_at), SUM(quantity) FROM {action_table} "  # noqa: S608
                "WHERE campaign_id = %s GROUP BY country, kind, DATE(occurred_at)",
                [campaign_id],
            )
            groups = cursor.fetchall()
        by_country_kind: dict[tuple[str, str], int] = {}
        by_day: dict[dt.date, int] = {}
        for country, kind, day, quantity in groups:
            if isinstance(day, str):  # SQLite returns the day as text
                day = dt.date.fromisoformat(day)
            by_country_kind[(country, kind)] = by_country_kind.get((country, kind), 0) + quantity
            by_day[day] = by_day.get(day, 0) + quantity
        Tally.objects.filter(campaign_id=campaign_id).delete()
        Tally.objects.bulk_create(
            Tally(campaign_id=campaign_id, country=country, kind=kind, quantity=quantity)
            for (country, kind), quantity in by_country_kind.items()
        )
        DailyTally.objects.filter(campaign_id=campaign_id).delete()
        DailyTally.objects.bulk_create(
            DailyTally(campaign_id=campaign_id, day=day, quantity=quantity)
            for day, quantity in by_day.items()
        )
        after = by_country_kind
        Campaign.objects.filter(pk=campaign_id).update(
            actions_total=sum(by_country_kind.values()),
            countries_total=len({country for country, _ in by_country_kind if country}),
            tallied_at=timezone.now(),
            tally_recomputes=F("tally_recomputes") + 1,
        )
        changed = before != after
        if changed or not Campaign.objects.filter(pk=campaign_id, map_version__gt=0).exists():
            # Its own task, after commit: drawing must not hold up the recompute.
            transaction.on_commit(lambda: _map_render_enqueue(campaign_id), robust=True)
    return changed


def _map_render_enqueue(campaign_id: int) -> None:
    from campaigns.tasks import map_render

    map_render.delay(campaign_id)


def tallies_reconcile(*, stale_after: dt.timedelta = dt.timedelta(minutes=1)) -> list[int]:
    """Recompute every active campaign and any whose recompute is overdue.

    Returns the ids of campaigns whose tallies had drifted from the ledger.
    """
    today = timezone.localdate()
    overdue = timezone.now() - stale_after
    campaign_ids = Campaign.objects.filter(
        Q(starts_on__lte=today, ends_on__isnull=True)
        | Q(starts_on__lte=today, ends_on__gte=today - dt.timedelta(days=7))
        | Q(tally_dirty_at__lte=overdue)
    ).values_list("pk", flat=True)
    drifted = []
    for campaign_id in campaign_ids:
        tallies_claim(campaign_id=campaign_id)
        if campaign_tallies_recompute(campaign_id=campaign_id):
            drifted.append(campaign_id)
    if drifted:
        logger.warning("tally reconcile repaired drift in campaigns %s", drifted)
    return drifted


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


# --- the rendered map ----------------------------------------------------------


def map_file_names(*, slug: str, version: int) -> dict[str, str]:
    return {ext: f"maps/{slug}-{version}.{ext}" for ext in ("png", "svg")}


def campaign_map_render(*, campaign_id: int) -> bool:
    """Draw the campaign's map as of its last tally, if not drawn yet.

    Safe twice or concurrently: files are named by tally time, so two runs
    write the same picture; the version on the campaign only moves forward,
    and a run that lost the race removes its own files.
    """
    from campaigns import rendering

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.tallied_at is None:
        return False
    # Milliseconds: two recomputes within a second must not share a picture.
    version = int(campaign.tallied_at.timestamp() * 1000)
    if version <= campaign.map_version:
        return False
    counts: dict[str, int] = {}
    for country, quantity in Tally.objects.filter(campaign_id=campaign_id).values_list(
        "country", "quantity"
    ):
        if country:
            counts[country] = counts.get(country, 0) + quantity
    figures = {
        "title": campaign.title,
        "counts": counts,
        "total": campaign.actions_total,
        "countries": campaign.countries_total,
    }
    names = map_file_names(slug=campaign.slug, version=version)
    contents = {"png": rendering.render_png(**figures), "svg": rendering.render_svg(**figures)}
    for ext, name in names.items():
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(contents[ext]))
    moved = Campaign.objects.filter(pk=campaign_id, map_version__lt=version).update(
        map_version=version
    )
    old_version = campaign.map_version if moved else version
    if old_version:
        for name in map_file_names(slug=campaign.slug, version=old_version).values():
            default_storage.delete(name)
    return bool(moved)


# --- signatures ------------------------------------------------------------------


class SignatureError(Exception):
    pass


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def signature_submit(
    *, campaign: Campaign, display_name: str, country: str, email: str
) -> tuple[Signature, bool]:
    """Add a pending signature and mail its confirmation link.

    Returns (signature, created). For an address that already signed, nothing
    is stored; if that signature is still unconfirmed its link is sent again,
    to that address only.
    """
    if not campaign.is_published or campaign.has_ended:
        raise SignatureError(_("This campaign is not collecting signatures."))
    email = _normalise_email(email)
    existing = Signature.objects.filter(campaign=campaign, email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    campaign=campaign,
                    display_name=display_name.strip(),
                    country=country,
                    email=email,
                    token=secrets.token_urlsafe(32),
                )
        except IntegrityError:
            # Someone sent the same address at the same moment.
            existing = Signature.objects.get(campaign=campaign, email__iexact=email)
        else:
            transaction.on_commit(lambda: _signature_mail(signature), robust=True)
            return signature, True
    if existing.confirmed_at is None:
        transaction.on_commit(lambda: _signature_mail(existing), robust=True)
    return existing, False


def _signature_mail(signature: Signature) -> None:
    path = reverse(
        "campaigns:sign_confirm",
        kwargs={"slug": signature.campaign.slug, "token": signature.token},
    )
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "confirm_url": settings.SITE_URL + path,
    }
    send_mail(
        render_to_string("emails/signature_confirm/subject.txt", context).strip(),
        render_to_string("emails/signature_confirm/body.txt", context),
        None,
        [signature.email],
    )


def signature_confirm(*, token: str) -> tuple[Signature, bool]:
    """Confirm a signature and count it; (signature, newly confirmed).

    Confirming twice is a no-op: the row is locked, and the ledger's
    one-action-per-source constraint backs that up.
    """
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update().select_related("campaign").get(token=token)
        )
        if signature.confirmed_at is not None:
            return signature, False
        signature.confirmed_at = timezone.now()
        signature.save(update_fields=["confirmed_at"])
        action_record(
            source=signature,
            kind=ActionKind.SIGNATURE,
            campaign=signature.campaign,
            country=signature.country.code,
            quantity=1,
            occurred_at=signature.confirmed_at,
        )
    return signature, True


def signature_delete(*, signature: Signature) -> None:
    """Remove a signature (e.g. on its signer's request) and its action with it."""
    with transaction.atomic():
        action_withdraw(source=signature)
        signature.delete()
