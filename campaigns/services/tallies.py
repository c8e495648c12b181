"""Tally rows: differences applied with the ledger write, refresh, recompute, reconcile.

Two families of rows, kept by the same mechanism:

* per campaign: Tally (country, kind) and DailyTally (day), plus the totals
  on the campaign row, refreshed by a coalesced task;
* global, over the whole ledger, campaign or not: GlobalTally (country,
  kind), GlobalDailyTally (day) and PrisonerTally (prisoner, kind). They
  need no totals on a row (a page sums a few hundred rows), so there is
  nothing to refresh: they are exact when the ledger write commits.

See the package docstring for the lock order.
"""

import datetime as dt
import logging
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import (
    Action,
    Campaign,
    DailyTally,
    GlobalDailyTally,
    GlobalTally,
    PrisonerTally,
    Tally,
)
from campaigns.selectors import RECONCILED_AT_KEY

logger = logging.getLogger(__name__)

# Advisory lock key space (PostgreSQL only): (_TALLY_LOCK, campaign id) for
# "the tallies of campaign N", (_GLOBAL_LOCK, 0) for the global tallies.
_TALLY_LOCK = 7001
_GLOBAL_LOCK = 7002


class Contribution(NamedTuple):
    campaign_id: int | None
    prisoner_id: int | None
    country: str
    kind: str
    day: dt.date
    delta: int


def contribution(action: Action, sign: int) -> Contribution:
    """What an action adds to its rows (sign +1) or takes away from them (-1)."""
    return Contribution(
        campaign_id=action.campaign_id,
        prisoner_id=action.prisoner_id,
        country=getattr(action.country, "code", action.country) or "",
        kind=action.kind,
        day=timezone.localtime(action.occurred_at, dt.UTC).date(),
        delta=sign * action.quantity,
    )


def _advisory(function: str, space: int, key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [space, key])


def locks_take_shared(campaign_ids) -> None:
    """A ledger writer's locks: its campaigns' keys in id order, then the global key.

    Shared: writers never wait for each other here; only a recompute, which
    takes one of these keys exclusively, waits for them and holds them off.
    One statement, the keys taken in the order listed.
    """
    if connection.vendor != "postgresql":
        return
    keys = [(_TALLY_LOCK, c) for c in sorted({c for c in campaign_ids if c is not None})]
    keys.append((_GLOBAL_LOCK, 0))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(space, key) FROM (VALUES "  # noqa: S608
            + ", ".join(["(%s::int, %s::int)"] * len(keys))
            + ") AS keys (space, key)",
            [value for pair in keys for value in pair],
        )


def tallies_apply(contributions: list[Contribution]) -> None:
    """Add differences to every tally row they touch; rows that reach zero go.

    Differences are netted first and applied table by table in key order, so
    two requests touching the same rows never lock them in opposite orders.
    One statement per table (three when taking away, on PostgreSQL), however
    many actions: a bulk approval of 500 letters costs what one costs.
    """
    campaign_rows: dict[tuple, int] = {}
    campaign_days: dict[tuple, int] = {}
    global_rows: dict[tuple, int] = {}
    global_days: dict[tuple, int] = {}
    prisoner_rows: dict[tuple, int] = {}

    def add(bucket, key, delta):
        bucket[key] = bucket.get(key, 0) + delta

    for c in contributions:
        if c.campaign_id is not None:
            add(campaign_rows, (c.campaign_id, c.country, c.kind), c.delta)
            add(campaign_days, (c.campaign_id, c.day), c.delta)
        add(global_rows, (c.country, c.kind), c.delta)
        add(global_days, (c.day,), c.delta)
        if c.prisoner_id is not None:
            add(prisoner_rows, (c.prisoner_id, c.kind), c.delta)
    tables = [
        (Tally, ("campaign_id", "country", "kind"), campaign_rows),
        (DailyTally, ("campaign_id", "day"), campaign_days),
        (GlobalTally, ("country", "kind"), global_rows),
        (GlobalDailyTally, ("day",), global_days),
        (PrisonerTally, ("prisoner_id", "kind"), prisoner_rows),
    ]
    with connection.cursor() as cursor:
        for model, columns, bucket in tables:
            rows = sorted((key, delta) for key, delta in bucket.items() if delta)
            table = model._meta.db_table
            if all(delta > 0 for _, delta in rows):
                _rows_add(cursor, table, columns, rows)
            elif all(delta < 0 for _, delta in rows):
                _rows_take(cursor, table, columns, rows)
            else:
                # A correction moving an action between rows: a few keys,
                # one statement each, still in key order.
                for key, delta in rows:
                    _row_add(cursor, table, dict(zip(columns, key, strict=True)), delta)


# Parameters per statement: SQLite's limit (32766 here) and PostgreSQL's
# (65535) are both well above it.
_PARAMS_PER_STATEMENT = 6000

# PostgreSQL types a VALUES list's untyped parameters as text; say what they are.
_PG_CASTS = {
    "campaign_id": "::bigint",
    "prisoner_id": "::bigint",
    "day": "::date",
    "delta": "::bigint",
}


def _values(columns, rows) -> tuple[str, list]:
    casts = _PG_CASTS if connection.vendor == "postgresql" else {}
    one = "(" + ", ".join(f"%s{casts.get(c, '')}" for c in (*columns, "delta")) + ")"
    params = [value for key, delta in rows for value in (*key, abs(delta))]
    return ", ".join([one] * len(rows)), params


def _chunks(columns, rows):
    size = max(1, _PARAMS_PER_STATEMENT // (len(columns) + 1))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _rows_add(cursor, table: str, columns: tuple, rows: list) -> None:
    """Add positive differences: one upsert for all the rows, in key order."""
    names = ", ".join(columns)
    for chunk in _chunks(columns, rows):
        values, params = _values(columns, chunk)
        cursor.execute(
            f"INSERT INTO {table} ({names}, quantity) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({names}) "
            f"DO UPDATE SET quantity = {table}.quantity + excluded.quantity",
            params,
        )


def _rows_take(cursor, table: str, columns: tuple, rows: list) -> None:
    """Take differences away: lock the rows in key order, subtract, drop zeros.

    A row already short of what is taken is drift: it is left as it is for
    the reconcile, as _row_add does for one row.
    """
    names = ", ".join(columns)
    match = " AND ".join(f"{table}.{c} = v.{c}" for c in columns)
    # VALUES names its columns column1, column2... in both databases; the
    # statements start with their verb so that drivers report a row count.
    renamed = ", ".join(f"column{i} AS {c}" for i, c in enumerate((*columns, "delta"), start=1))
    for chunk in _chunks(columns, rows):
        values, params = _values(columns, chunk)
        v = f"(SELECT {renamed} FROM (VALUES {values}) AS given) AS v"  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE EXISTS (SELECT 1 FROM {v} WHERE {match}) "  # noqa: S608
                f"ORDER BY {names} FOR UPDATE",
                params,
            )
        cursor.execute(
            f"UPDATE {table} SET quantity = {table}.quantity - v.delta FROM {v} "  # noqa: S608
            f"WHERE {match} AND {table}.quantity >= v.delta",
            params,
        )
        if cursor.rowcount != len(chunk):
            logger.warning(
                "%s of %s rows of %s short by more than %s (the most taken from one)",
                len(chunk) - cursor.rowcount,
                len(chunk),
                table,
                max(-delta for _key, delta in chunk),
            )
            if "campaign_id" in columns:
                for key, _delta in chunk:
                    tallies_mark_dirty(campaign_id=key[columns.index("campaign_id")])
        cursor.execute(
            f"DELETE FROM {table} WHERE quantity = 0 "  # noqa: S608
            f"AND EXISTS (SELECT 1 FROM {v} WHERE {match})",
            params,
        )


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
        # the reconcile, which recomputes from the ledger and says so (it
        # recomputes the global rows every time; a campaign's once marked).
        logger.warning("tally row %s %s short by more than %s", table, key, -delta)
        if "campaign_id" in key:
            tallies_mark_dirty(campaign_id=key["campaign_id"])
        return
    cursor.execute(f"DELETE FROM {table} WHERE {where} AND quantity = 0", [*key.values()])  # noqa: S608


def tallies_refresh_on_commit(*, campaign_id: int | None) -> None:
    """After commit, mark the campaign dirty (and queue its refresh): once per transaction.

    A transaction that records many actions of one campaign (the demo's
    seventy-two offline reports, a bulk decision) registers one callback:
    with eager Celery, where nothing coalesces, each would otherwise refresh
    the totals and draw the map again. Django drops the callbacks of a
    savepoint rolled back, so one found pending is one that will run.
    """
    # robust: the submission is saved whatever happens to the broker; a
    # failure here is logged and repaired by the periodic reconcile.
    if campaign_id is None:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "tally_campaign_id", None) == campaign_id and not callback.ran
        for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return

    def mark() -> None:
        mark.ran = True  # (tests run callbacks without the commit that would drop them)
        _tallies_mark_dirty(campaign_id)

    mark.tally_campaign_id, mark.ran = campaign_id, False
    transaction.on_commit(mark, robust=True)


def _tallies_mark_dirty(campaign_id: int) -> None:
    from campaigns.tasks import tallies_refresh

    flipped = Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=True).update(
        tally_dirty_at=timezone.now()
    )
    if flipped:
        tallies_refresh.apply_async(
            args=[campaign_id], countdown=settings.TALLY_COALESCE_SECONDS or None
        )


def tallies_mark_dirty(*, campaign_id: int) -> None:
    """Mark the campaign for a recompute (a tally row found short: drift), for the reconcile."""
    Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=True).update(
        tally_dirty_at=timezone.now()
    )


def campaign_totals_refresh(*, campaign_id: int) -> bool:
    """Take the pending-refresh marker and write the totals from the tally rows.

    One transaction, under the campaign's key held exclusively: writers
    applying differences finish first and the next ones wait the few
    milliseconds this takes, so the rows read are all of the ledger
    committed so far; a writer committing later finds the marker cleared
    and sets it again. If this fails or the worker dies half-way, the claim
    rolls back with the rest and the marker stays for the next try or the
    reconcile (a claim committed on its own would have been lost with it).

    False when there was no marker to take (a second delivery of the task).
    """
    with transaction.atomic():
        _advisory("pg_advisory_xact_lock", _TALLY_LOCK, campaign_id)
        claimed = Campaign.objects.filter(pk=campaign_id, tally_dirty_at__isnull=False).update(
            tally_dirty_at=None
        )
        if not claimed:
            return False
        Campaign.objects.filter(pk=campaign_id).update(
            **_totals_from_rows(campaign_id),
            tallied_at=timezone.now(),
            tally_recomputes=F("tally_recomputes") + 1,
        )
        # Its own task, after commit: drawing must not hold up the counters.
        transaction.on_commit(lambda: _map_render_enqueue(campaign_id), robust=True)
    return True


def _totals_from_rows(campaign_id: int) -> dict[str, int]:
    rows = list(Tally.objects.filter(campaign_id=campaign_id).values_list("country", "quantity"))
    return {
        "actions_total": sum(quantity for _, quantity in rows),
        "countries_total": len({country for country, _ in rows if country}),
    }


def _day(value) -> dt.date:
    # SQLite returns DATE() and date columns as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


class Synced(NamedTuple):
    changed: bool
    total: int  # the sum of the ledger's sums in scope
    keys_nonempty: int  # how many distinct non-empty values of the first key column


def _rows_sync(cursor, model, columns: tuple, aggregate: str, params: list, **scope) -> Synced:
    """Make a table's rows in scope equal the ledger's sums, touching only what differs.

    ``aggregate`` is the SELECT of the sums (the key columns, then the sum).
    One statement compares them with the current rows in the database and
    returns only the differences (missing, wrong, vanished rows) and one row
    of totals: when all is right, one row crosses the wire, whatever the
    number of tally rows. Rows whose sum is right are left as they are (same
    id, no write); wrong ones are updated in place, missing ones inserted,
    vanished ones deleted: one statement per kind of change (chunked), none
    when nothing differs. The caller holds the key that keeps writers of
    these rows out.
    """
    table = model._meta.db_table
    names = ", ".join(columns)
    where = " AND ".join(f"{column} = %s" for column in scope) or "1 = 1"
    same = " AND ".join(f"c.{column} = s.{column}" for column in columns)
    first = columns[0]
    # The first key column is text (a country) or not; only text is counted.
    distinct = (
        f"COUNT(DISTINCT CASE WHEN s.{first} <> '' THEN s.{first} END)"
        if model._meta.get_field(first).get_internal_type() == "CharField"
        else "0"
    )
    cursor.execute(
        f"WITH s ({names}, q) AS ({aggregate}), "  # noqa: S608
        f"c AS (SELECT id, {names}, quantity FROM {table} WHERE {where}) "
        f"SELECT 0, {', '.join(f's.{c}' for c in columns)}, s.q, c.id FROM s "
        f"LEFT JOIN c ON {same} WHERE c.id IS NULL OR c.quantity <> s.q "
        f"UNION ALL SELECT 1, {', '.join(f'c.{c}' for c in columns)}, NULL, c.id FROM c "
        f"WHERE NOT EXISTS (SELECT 1 FROM s WHERE {same}) "
        f"UNION ALL SELECT 2, {', '.join(['NULL'] * len(columns))}, SUM(s.q), {distinct} FROM s",
        [*params, *scope.values()],
    )
    day = columns.index("day") if "day" in columns else None
    updates, deletes, inserts = [], [], []
    total = keys_nonempty = 0
    for side, *key, quantity, row_id in cursor.fetchall():
        if side == 2:
            total, keys_nonempty = int(quantity or 0), int(row_id or 0)
        elif side == 1:
            deletes.append(row_id)
        elif row_id is not None:
            updates.append((row_id, int(quantity)))
        else:
            if day is not None:
                key[day] = _day(key[day])
            inserts.append((tuple(key), int(quantity)))
    casts = ("::bigint", "::bigint") if connection.vendor == "postgresql" else ("", "")
    one = f"(%s{casts[0]}, %s{casts[1]})"
    size = _PARAMS_PER_STATEMENT // 2
    for start in range(0, len(updates), size):
        chunk = sorted(updates[start : start + size])
        cursor.execute(
            f"UPDATE {table} SET quantity = v.quantity FROM (SELECT column1 AS id, "  # noqa: S608
            f"column2 AS quantity FROM (VALUES {', '.join([one] * len(chunk))}) AS given) AS v "
            f"WHERE {table}.id = v.id",
            [value for pair in chunk for value in pair],
        )
    for start in range(0, len(deletes), _PARAMS_PER_STATEMENT):
        chunk = deletes[start : start + _PARAMS_PER_STATEMENT]
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
            chunk,
        )
    if inserts:
        model.objects.bulk_create(
            (
                model(**scope, **dict(zip(columns, key, strict=True)), quantity=quantity)
                for key, quantity in sorted(inserts)
            ),
            batch_size=_PARAMS_PER_STATEMENT // (len(columns) + len(scope) + 1),
        )
    return Synced(bool(updates or inserts or deletes), total, keys_nonempty)


def campaign_tallies_recompute(*, campaign_id: int) -> bool:
    """Bring a campaign's tallies to the ledger summed from scratch.

    Rows already right are not touched; others are updated, added or removed
    (_rows_sync). Returns whether any row changed, so the reconcile can say
    when it had to repair drift. Publishes the map (after commit) only when
    the rows or the campaign's totals changed: a recompute that finds all
    right writes nothing and leaves the picture and the tally time as they
    are (tallies_reconcile draws a map never drawn).
    """
    action_table = Action._meta.db_table
    with transaction.atomic():
        # Exclusive: waits for writers applying differences, and keeps them
        # out until the rows are brought up to date. Then the campaign row,
        # read in its own statement: one sent with the lock would read the
        # row as it was before the wait (READ COMMITTED takes a statement's
        # snapshot when the statement starts).
        _advisory("pg_advisory_xact_lock", _TALLY_LOCK, campaign_id)
        current = (
            Campaign.objects.filter(pk=campaign_id)
            .values_list("actions_total", "countries_total", "tallied_at", "tally_dirty_at")
            .first()
        )
        if current is None:
            return False  # deleted meanwhile: its rows went with it
        actions_total, countries_total, tallied_at, dirty_at = current
        # Plain SELECTs, which PostgreSQL runs with parallel workers (it never
        # does for INSERT ... SELECT); one per kind of row, because grouping
        # by country, kind and day at once makes ten times the groups and
        # costs more than the two aggregates together. DATE() is SQLite's
        # function and PostgreSQL's cast; both take the day in the
        # connection's time zone, which Django sets to UTC.
        with connection.cursor() as cursor:
            by_country_kind = _rows_sync(
                cursor,
                Tally,
                ("country", "kind"),
                f"SELECT country, kind, SUM(quantity) FROM {action_table} "  # noqa: S608
                "WHERE campaign_id = %s GROUP BY country, kind",
                [campaign_id],
                campaign_id=campaign_id,
            )
            by_day = _rows_sync(
                cursor,
                DailyTally,
                ("day",),
                f"SELECT DATE(occurred_at), SUM(quantity) FROM {action_table} "  # noqa: S608
                "WHERE campaign_id = %s GROUP BY DATE(occurred_at)",
                [campaign_id],
                campaign_id=campaign_id,
            )
        changed = by_country_kind.changed or by_day.changed
        # The totals on the campaign row, the tally time (the page's "counted"
        # and its caches' key) and the map's version move with the rows. When
        # the rows were right, the row is written only if its totals were not
        # (a refresh still pending) or it was never tallied: a recompute that
        # finds everything right writes nothing, so its commit waits for no
        # disk flush, and publishes nothing.
        totals = {
            "actions_total": by_country_kind.total,
            "countries_total": by_country_kind.keys_nonempty,
        }
        # The pending-refresh marker is taken in this transaction, under the
        # key: a recompute that fails or dies leaves it for the next try (a
        # claim committed before the work would be lost with it, and an
        # ended campaign would never be looked at again).
        if (
            changed
            or tallied_at is None
            or totals
            != {
                "actions_total": actions_total,
                "countries_total": countries_total,
            }
        ):
            Campaign.objects.filter(pk=campaign_id).update(
                **totals,
                tally_dirty_at=None,
                tallied_at=timezone.now(),
                tally_recomputes=F("tally_recomputes") + 1,
            )
            # Its own task, after commit: drawing must not hold up the recompute.
            transaction.on_commit(lambda: _map_render_enqueue(campaign_id), robust=True)
        elif dirty_at is not None:
            Campaign.objects.filter(pk=campaign_id).update(tally_dirty_at=None)
    return changed


def global_tallies_recompute() -> bool:
    """Bring the global tallies (country and kind, day, prisoner) to a recount.

    Returns whether anything changed. On PostgreSQL it holds the global key
    exclusively, so every ledger write waits for it: at a million actions
    that is a pause of about the three aggregates' time, every reconcile.
    Rows already right are not touched (_rows_sync).
    """
    action_table = Action._meta.db_table
    with transaction.atomic():
        _advisory("pg_advisory_xact_lock", _GLOBAL_LOCK, 0)
        with connection.cursor() as cursor:
            changed = [
                _rows_sync(
                    cursor,
                    GlobalTally,
                    ("country", "kind"),
                    f"SELECT country, kind, SUM(quantity) FROM {action_table} "  # noqa: S608
                    "GROUP BY country, kind",
                    [],
                ).changed,
                _rows_sync(
                    cursor,
                    GlobalDailyTally,
                    ("day",),
                    f"SELECT DATE(occurred_at), SUM(quantity) FROM {action_table} "  # noqa: S608
                    "GROUP BY DATE(occurred_at)",
                    [],
                ).changed,
                _rows_sync(
                    cursor,
                    PrisonerTally,
                    ("prisoner_id", "kind"),
                    f"SELECT prisoner_id, kind, SUM(quantity) FROM {action_table} "  # noqa: S608
                    "WHERE prisoner_id IS NOT NULL GROUP BY prisoner_id, kind",
                    [],
                ).changed,
            ]
    return any(changed)


def _map_render_enqueue(campaign_id: int) -> None:
    from campaigns.tasks import map_render

    map_render.delay(campaign_id)


def tallies_reconcile(*, stale_after: dt.timedelta = dt.timedelta(minutes=1)) -> list[int | None]:
    """Recompute the global tallies, every active campaign and any overdue one.

    Returns the ids of campaigns whose tallies had drifted from the ledger,
    and None in that list when the global tallies had.
    """
    overdue = timezone.now() - stale_after
    campaign_ids = list(
        (
            Campaign.objects.active(ended_within=dt.timedelta(days=7))
            | Campaign.objects.filter(tally_dirty_at__lte=overdue)
        ).values_list("pk", flat=True)
    )
    drifted: list[int | None] = []
    for campaign_id in campaign_ids:
        if campaign_tallies_recompute(campaign_id=campaign_id):
            drifted.append(campaign_id)
    if global_tallies_recompute():
        drifted.append(None)
    # A recompute publishes the map only when the rows changed; a map never
    # drawn (tallies filled by differences whose refresh was lost, or a
    # campaign with nothing yet) is drawn from here.
    for campaign_id in Campaign.objects.filter(
        pk__in=campaign_ids, map_version=0, tallied_at__isnull=False
    ).values_list("pk", flat=True):
        try:
            _map_render_enqueue(campaign_id)
        except Exception:
            # Broker down: the next reconcile tries again.
            logger.warning("could not queue the map of campaign %s", campaign_id, exc_info=True)
    if drifted:
        logger.warning(
            "tally reconcile repaired drift in campaigns %s%s",
            [c for c in drifted if c is not None],
            " and in the global tallies" if None in drifted else "",
        )
    try:
        # /healthz reports the age of this (selectors.tallies_reconciled_at).
        cache.set(RECONCILED_AT_KEY, timezone.now().timestamp(), timeout=None)
    except Exception:
        # Bookkeeping for the monitor must never undo the repair just made.
        logger.warning("could not record the reconcile time", exc_info=True)
    return drifted
