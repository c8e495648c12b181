"""The action ledger and its tallies.

How a tally stays exact (DESIGN, "Tallies, precisely"):

* Recording, correcting or withdrawing an action applies its difference to
  the campaign's tally row (country, kind) and daily row in the same
  transaction as the ledger change: the rows are exact when it commits, and
  one more action costs the same whatever the size of the ledger.
* The campaign's totals (actions, countries), its tally time and its map are
  refreshed by a task, coalesced: after commit the campaign is marked dirty
  with a conditional UPDATE and only the caller that flipped the marker
  queues the task. The task claims the marker before it reads the tally
  rows, so a duplicate delivery does nothing and a burst costs one refresh.
* The full recompute (a SELECT ... GROUP BY over the ledger for the tally
  rows and one for the daily rows, replacing them) is the check: the periodic reconcile runs it
  for active and overdue campaigns and logs any drift it had to repair. On
  PostgreSQL, writers hold a shared advisory lock per campaign and the
  recompute an exclusive one, so it never interleaves with a difference.
* If Redis is down, the marker stays set and the reconcile finds it.
"""

import datetime as dt
import logging
import secrets
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
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
from campaigns.selectors import RECONCILED_AT_KEY
from prisoners.models import Prisoner

logger = logging.getLogger(__name__)


class LedgerError(Exception):
    pass


# Advisory lock key space for "the tallies of campaign N" (PostgreSQL only).
_TALLY_LOCK = 7001


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
    lookup = {
        "source_type": ContentType.objects.get_for_model(source),
        "source_id": source.pk,
        "kind": kind,
    }
    values = {
        "campaign_id": campaign.pk,
        "country": country or "",
        "quantity": quantity,
        "prisoner": prisoner,
        "occurred_at": occurred_at or timezone.now(),
    }
    with transaction.atomic():
        _tallies_lock_shared(campaign.pk)
        action = Action.objects.select_for_update().filter(**lookup).first()
        if action is None:
            try:
                with transaction.atomic():
                    action = Action.objects.create(**lookup, **values)
            except IntegrityError:
                # Another request recorded the same source meanwhile: correct it.
                action = Action.objects.select_for_update().get(**lookup)
            else:
                _tallies_apply([_contribution(action, +1)])
                tallies_refresh_on_commit(campaign_id=campaign.pk)
                return action
        before = _contribution(action, -1)
        if action.campaign_id != campaign.pk:
            _tallies_lock_shared(action.campaign_id)
        for field, value in values.items():
            setattr(action, field, value)
        action.save()
        _tallies_apply([before, _contribution(action, +1)])
    for campaign_id in {before.campaign_id, campaign.pk}:
        tallies_refresh_on_commit(campaign_id=campaign_id)
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
        for campaign_id in sorted({a.campaign_id for a in actions}):
            _tallies_lock_shared(campaign_id)
        Action.objects.filter(pk__in=[a.pk for a in actions]).delete()
        _tallies_apply([_contribution(a, -1) for a in actions])
    for campaign_id in {a.campaign_id for a in actions}:
        tallies_refresh_on_commit(campaign_id=campaign_id)
    return len(actions)


class _Contribution(NamedTuple):
    campaign_id: int
    country: str
    kind: str
    day: dt.date
    delta: int


def _contribution(action: Action, sign: int) -> _Contribution:
    """What an action adds to its rows (sign +1) or takes away from them (-1)."""
    return _Contribution(
        campaign_id=action.campaign_id,
        country=getattr(action.country, "code", action.country) or "",
        kind=action.kind,
        day=timezone.localtime(action.occurred_at, dt.UTC).date(),
        delta=sign * action.quantity,
    )


def _tallies_lock_shared(campaign_id: int) -> None:
    # Many writers at once; the full recompute takes the same key exclusively.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)", [_TALLY_LOCK, campaign_id]
            )


def _tallies_apply(contributions: list[_Contribution]) -> None:
    """Add differences to tally and daily rows; rows that reach zero go.

    Differences are netted first and applied in key order, so two requests
    touching the same rows never lock them in opposite orders.
    """
    by_tally: dict[tuple, int] = {}
    by_day: dict[tuple, int] = {}
    for campaign_id, country, kind, day, delta in contributions:
        key = (campaign_id, country, kind)
        by_tally[key] = by_tally.get(key, 0) + delta
        by_day[(campaign_id, day)] = by_day.get((campaign_id, day), 0) + delta
    tally, daily = Tally._meta.db_table, DailyTally._meta.db_table
    with connection.cursor() as cursor:
        for (campaign_id, country, kind), delta in sorted(by_tally.items()):
            _row_add(
                cursor, tally, {"campaign_id": campaign_id, "country": country, "kind": kind}, delta
            )
        for (campaign_id, day), delta in sorted(by_day.items()):
            _row_add(cursor, daily, {"campaign_id": campaign_id, "day": day}, delta)


def _row_add(cursor, table: str, key: dict, delta: int) -> None:
    if delta == 0:
        return
    columns = ", ".join(key)
    where = " AND ".join(f"{column} = %s" for column in key)
    if delta > 0:
        # An upsert both SQLite (3.24+) and PostgreSQL understand.
        placeholders = ", ".join(["%s"] * (len(key) + 1))
        cursor.execute(
            f"INSERT INTO {table} ({columns}, quantity) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT ({columns}) "
            f"DO UPDATE SET quantity = {table}.quantity + excluded.quantity",
            [*key.values(), delta],
        )
        return
    cursor.execute(
        f"UPDATE {table} SET quantity = quantity - %s WHERE {where} AND quantity >= %s",  # noqa: S608
        [-delta, *key.values(), -delta],
    )
    if cursor.rowcount != 1:
        # The row was already short of what is withdrawn: drift. Leave it for
        # the reconcile, which recomputes from the ledger and says so.
        logger.warning("tally row %s %s short by more than %s", table, key, -delta)
        tallies_mark_dirty(campaign_id=key["campaign_id"])
        return
    cursor.execute(f"DELETE FROM {table} WHERE {where} AND quantity = 0", [*key.values()])  # noqa: S608


def tallies_refresh_on_commit(*, campaign_id: int) -> None:
    # robust: the submission is saved whatever happens to the broker; a
    # failure here is logged and repaired by the periodic reconcile.
    transaction.on_commit(lambda: _tallies_mark_dirty(campaign_id), robust=True)


def _tallies_mark_dirty(campaign_id: int) -> None:
    from campaigns.tasks import tallies_refresh

    flipped = Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=True).update(
        tally_dirty_at=timezone.now()
    )
    if flipped:
        tallies_refresh.apply_async(
            args=[campaign_id], countdown=settings.TALLY_COALESCE_SECONDS or None
        )


def tallies_claim(*, campaign_id: int) -> bool:
    """Take the pending-refresh marker; False when there was none to take."""
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


def campaign_totals_refresh(*, campaign_id: int) -> None:
    """Totals and tally time from the tally rows (a few hundred), then the map."""
    with transaction.atomic():
        rows = list(
            Tally.objects.filter(campaign_id=campaign_id).values_list("country", "quantity")
        )
        Campaign.objects.filter(pk=campaign_id).update(
            actions_total=sum(quantity for _, quantity in rows),
            countries_total=len({country for country, _ in rows if country}),
            tallied_at=timezone.now(),
            tally_recomputes=F("tally_recomputes") + 1,
        )
        # Its own task, after commit: drawing must not hold up the counters.
        transaction.on_commit(lambda: _map_render_enqueue(campaign_id), robust=True)


def campaign_tallies_recompute(*, campaign_id: int) -> bool:
    """Replace a campaign's tallies with the ledger summed from scratch.

    Returns whether anything changed, so the reconcile can say when it had
    to repair drift.
    """
    action_table = Action._meta.db_table
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Exclusive: waits for writers applying differences, and keeps
            # them out until the rows are replaced. Not the campaign row,
            # which the on-commit marker also updates.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_TALLY_LOCK, campaign_id])
        before = _tally_rows(campaign_id)
        # Plain SELECTs, which PostgreSQL runs with parallel workers (it never
        # does for INSERT ... SELECT); one per kind of row, because grouping
        # by country, kind and day at once makes ten times the groups and
        # costs more than the two aggregates together. DATE() is SQLite's
        # function and PostgreSQL's cast; both take the day in the
        # connection's time zone, which Django sets to UTC.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT country, kind, SUM(quantity) FROM {action_table} "  # noqa: S608
                "WHERE campaign_id = %s GROUP BY country, kind",
                [campaign_id],
            )
            by_country_kind = {(country, kind): q for country, kind, q in cursor.fetchall()}
            cursor.execute(
                f"SELECT DATE(occurred_at), SUM(quantity) FROM {action_table} "  # noqa: S608
                "WHERE campaign_id = %s GROUP BY DATE(occurred_at)",
                [campaign_id],
            )
            by_day = {
                # SQLite returns the day as text.
                dt.date.fromisoformat(day) if isinstance(day, str) else day: quantity
                for day, quantity in cursor.fetchall()
            }
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
    try:
        # /healthz reports the age of this (selectors.tallies_reconciled_at).
        cache.set(RECONCILED_AT_KEY, timezone.now().timestamp(), timeout=None)
    except Exception:
        # Bookkeeping for the monitor must never undo the repair just made.
        logger.warning("could not record the reconcile time", exc_info=True)
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


def map_file_names(*, campaign_id: int, version: int) -> dict[str, str]:
    # By id, not slug: a renamed campaign keeps its files, and the drawing
    # after it still finds (and removes) the previous ones.
    return {ext: f"maps/campaign-{campaign_id}-{version}.{ext}" for ext in ("png", "svg")}


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
    names = map_file_names(campaign_id=campaign_id, version=version)
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
        for name in map_file_names(campaign_id=campaign_id, version=old_version).values():
            default_storage.delete(name)
    return bool(moved)


# --- signatures ------------------------------------------------------------------


class SignatureError(Exception):
    pass


def _normalise_email(email: str) -> str:
    return email.strip().lower()


# Resubmitting an unconfirmed address sends its link again once, then no
# more until this long after that re-send: the form cannot be used to flood
# someone's mailbox.
SIGNATURE_RESEND_AFTER = dt.timedelta(hours=24)


class SignatureSubmission(NamedTuple):
    signature: Signature
    created: bool
    # Whether a confirmation e-mail goes out for this submission.
    mailed: bool


def signature_submit(
    *, campaign: Campaign, display_name: str, country: str, email: str
) -> SignatureSubmission:
    """Add a pending signature and mail its confirmation link.

    For an address that already signed, nothing is stored; that address
    (and only it) is mailed again at most once per SIGNATURE_RESEND_AFTER:
    the link if still unconfirmed, a note that it already counts if not.
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
            return SignatureSubmission(signature, created=True, mailed=True)
    # A conditional UPDATE claims the mail: of two submissions at the same
    # moment, one sends it, and an address gets at most one a day. A
    # confirmed signature gets a short "you already signed" note instead of
    # a link, so the page can answer every submission the same way.
    now = timezone.now()
    mailed = bool(
        Signature.objects.filter(pk=existing.pk)
        .filter(
            Q(confirmation_resent_at__isnull=True)
            | Q(confirmation_resent_at__lte=now - SIGNATURE_RESEND_AFTER)
        )
        .update(confirmation_resent_at=now)
    )
    if mailed:
        transaction.on_commit(lambda: _signature_mail(existing), robust=True)
    return SignatureSubmission(existing, created=False, mailed=mailed)


def _signature_mail(signature: Signature) -> None:
    template = "signature_confirm" if signature.confirmed_at is None else "signature_already"
    path = reverse(
        "campaigns:sign_confirm",
        kwargs={"slug": signature.campaign.slug, "token": signature.token},
    )
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "confirm_url": settings.SITE_URL + path,
        "days": settings.SIGNATURES_UNCONFIRMED_DAYS,
    }
    send_mail(
        render_to_string(f"emails/{template}/subject.txt", context).strip(),
        render_to_string(f"emails/{template}/body.txt", context),
        None,
        [signature.email],
    )


def signature_confirm(*, token: str) -> tuple[Signature, bool]:
    """Confirm a signature and count it; (signature, newly confirmed).

    Confirming twice is a no-op: the row is locked, and the ledger's
    one-action-per-source constraint backs that up. SignatureError when no
    signature has this token (any more).
    """
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update()
            .select_related("campaign")
            .filter(token=token)
            .first()
        )
        if signature is None:
            # Never issued, or deleted meanwhile (the purge of unconfirmed ones).
            raise SignatureError(_("This confirmation link is not valid."))
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


def signatures_unconfirmed_purge(*, older_than: dt.timedelta) -> int:
    """Delete signatures never confirmed within ``older_than``; how many went.

    They were never counted, so there is no action to withdraw. The rows are
    locked first (skipping any being confirmed right now) and deleted only if
    still unconfirmed: a confirmation never loses its signature.
    """
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        ids = list(
            Signature.objects.select_for_update(skip_locked=True)
            .filter(confirmed_at__isnull=True, created_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        deleted, _by_model = Signature.objects.filter(
            pk__in=ids, confirmed_at__isnull=True
        ).delete()
    return deleted


def signature_delete(*, signature: Signature) -> None:
    """Remove a signature (e.g. on its signer's request) and its action with it."""
    with transaction.atomic():
        action_withdraw(source=signature)
        signature.delete()
