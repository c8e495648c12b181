"""After the run: what was acknowledged, owed and answered, against the database and the sink."""

import contextlib
import json
import time
from collections import Counter, defaultdict

from faults.common import BUDGET_SECONDS, CAMPAIGN, MAIL_DOMAIN, QUIET_SECONDS, SLACK, now
from faults.stack import Stack, db_query
from faults.traffic import Record, Run, mail_kind, read_deliveries


def owed_mail(stack: Stack, run: Run) -> dict[str, set]:
    like = f"{run.run_id}-%@{MAIL_DOMAIN}"
    letters = db_query(
        stack, "SELECT lower(sender_email) FROM letters_letter WHERE sender_email LIKE %s", (like,)
    )
    signatures = db_query(
        stack, "SELECT lower(email) FROM campaigns_signature WHERE email LIKE %s", (like,)
    )
    return {
        "letter received": {r[0] for r in letters},
        "signature confirmation": {r[0] for r in signatures},
    }


def campaign_id(stack: Stack) -> int:
    return db_query(stack, "SELECT id FROM campaigns_campaign WHERE slug = %s", (CAMPAIGN,))[0][0]


def wait_for_quiet(run: Run) -> float:
    """Until the owed mail is in, confirmations are done and the tallies have caught up
    by themselves (beat's reconcile), and nothing moved for 5 s."""
    started = time.monotonic()
    deadline = started + max(10.0, min(QUIET_SECONDS, BUDGET_SECONDS - 20 - now()))
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        mails = read_deliveries(run.stack)
        delivered = {(mail_kind(m), m["to"]) for m in mails}
        with contextlib.suppress(Exception):
            owed = owed_mail(run.stack, run)
            missing = sum(1 for k, addrs in owed.items() for a in addrs if (k, a) not in delivered)
            drift = tally_mismatches(run.stack, only=campaign_id(run.stack))
            with run.lock:
                confirming = len(run.confirm_seen) - run.confirm_finished
            progress = (len(mails), run.confirm_finished, len(drift))
            if progress != last:
                last, last_change = progress, time.monotonic()
            # Quiet for 5 s: a late second copy of a mail has had time to show.
            if not missing and not confirming and not drift and time.monotonic() - last_change > 5:
                break
        time.sleep(1)
    return time.monotonic() - started


# (name, the ledger summed, the rows that must equal it, whether the first
# column is the campaign). Actions outside any campaign have no campaign rows;
# the global rows hold every action.
_TALLY_CHECKS = (
    (
        "tally",
        "SELECT campaign_id, country, kind, SUM(quantity) FROM campaigns_action "
        "WHERE campaign_id IS NOT NULL GROUP BY 1, 2, 3",
        "SELECT campaign_id, country, kind, quantity FROM campaigns_tally",
        True,
    ),
    (
        "daily tally",
        "SELECT campaign_id, (occurred_at AT TIME ZONE 'UTC')::date, SUM(quantity) "
        "FROM campaigns_action WHERE campaign_id IS NOT NULL GROUP BY 1, 2",
        "SELECT campaign_id, day, quantity FROM campaigns_dailytally",
        True,
    ),
    (
        "campaign total",
        "SELECT campaign_id, SUM(quantity) FROM campaigns_action "
        "WHERE campaign_id IS NOT NULL GROUP BY 1",
        "SELECT id, actions_total FROM campaigns_campaign",
        True,
    ),
    (
        "global tally",
        "SELECT country, kind, SUM(quantity) FROM campaigns_action GROUP BY 1, 2",
        "SELECT country, kind, quantity FROM campaigns_globaltally",
        False,
    ),
    (
        "global daily tally",
        "SELECT (occurred_at AT TIME ZONE 'UTC')::date, SUM(quantity) "
        "FROM campaigns_action GROUP BY 1",
        "SELECT day, quantity FROM campaigns_globaldailytally",
        False,
    ),
)


def tally_mismatches(stack: Stack, only: int | None = None) -> list[str]:
    """Campaign rows, totals and global rows against the ledger summed from scratch.

    ``only``: one campaign's id (the demo's ended campaigns are not
    reconciled); the global rows are then left out.
    """
    out = []
    for name, ledger_sql, rows_sql, by_campaign in _TALLY_CHECKS:
        if only is not None and not by_campaign:
            continue
        ledger = {tuple(row[:-1]): row[-1] for row in db_query(stack, ledger_sql)}
        rows = {tuple(row[:-1]): row[-1] for row in db_query(stack, rows_sql) if row[-1]}
        for key in sorted(set(ledger) | set(rows), key=str):
            if only is not None and key[0] != only:
                continue
            said, counted = rows.get(key, 0), ledger.get(key, 0)
            if said != counted:
                out.append(f"{name} {key}: rows say {said}, ledger {counted}")
    return out


def overlaps(record: Record, window: tuple[float, float], slack: float) -> bool:
    return record.start <= window[1] + slack and record.end >= window[0] - slack


def classify(run: Run) -> tuple[Counter, list[str]]:
    """Statuses by kind of request, and every request that answered what it must not."""
    statuses = Counter()
    bad = []
    db_window = run.windows.get("PostgreSQL down")
    kill = run.windows.get("gunicorn worker killed")
    for r in run.records:
        label = r.status if r.status is not None else "dropped"
        if r.kind == "healthz":
            continue  # its 503 during an outage is right: it is shown among the figures
        statuses[label] += 1
        where = f"{r.method} {r.path} at {r.start:.1f}-{r.end:.1f}s"
        if r.status is None:
            if kill and overlaps(r, kill, 0.5):
                continue  # in flight on the gunicorn worker that was killed
            bad.append(f"connection failed: {where}: {r.error}")
        elif r.status == 503 and db_window and overlaps(r, db_window, SLACK):
            if r.method == "POST" and r.kept_text is False:
                bad.append(f"503 without the form and the posted text: {where}")
        elif r.status >= 400 or (r.status == 200 and r.method == "POST"):
            what = "refused form" if r.status == 200 else str(r.status)
            bad.append(f"{what}: {where}: {r.error}")
    return statuses, bad


def check(run: Run, quiet: float, reconcile_out: str, drift_before: list[str]) -> int:
    stack = run.stack
    failures: list[tuple[str, list[str]]] = []
    results: list[tuple[str, bool, str]] = []

    def assertion(name: str, problems: list[str], detail: str = "") -> None:
        results.append((name, not problems, detail))
        if problems:
            failures.append((name, problems))

    like = f"{run.run_id}-%@{MAIL_DOMAIN}"
    letters_in_db = {
        r[0]
        for r in db_query(
            stack, "SELECT lower(sender_email) FROM letters_letter WHERE sender_email LIKE %s",
            (like,),
        )
    }  # fmt: skip
    signatures = {
        email: (confirmed, counted)
        for email, confirmed, counted in db_query(
            stack,
            "SELECT lower(s.email), s.confirmed_at IS NOT NULL, "
            " (SELECT count(*) FROM campaigns_action a JOIN django_content_type t "
            "   ON t.id = a.source_type_id AND t.app_label = 'campaigns' AND t.model = 'signature'"
            "  WHERE a.source_id = s.id AND a.kind = 'signature') "
            "FROM campaigns_signature s WHERE s.email LIKE %s",
            (like,),
        )
    }
    lost = sorted(run.acked["letter"] - letters_in_db)
    lost += sorted(run.acked["signature"] - set(signatures))
    assertion(
        "every acknowledged submission is in the database",
        [f"acknowledged but not in the database: {e}" for e in lost],
        f"{len(run.acked['letter'])} letters, {len(run.acked['signature'])} signatures",
    )
    unconfirmed = [
        f"confirmation acknowledged but signature not confirmed/counted once: {e} "
        f"{signatures.get(e)}"
        for e in sorted(run.acked["confirmation"])
        if signatures.get(e) != (True, 1)
    ]
    assertion(
        "every acknowledged confirmation is confirmed and counted once in the ledger",
        unconfirmed,
        f"{len(run.acked['confirmation'])} confirmations",
    )
    assertion(
        "tallies caught up by themselves (beat's reconcile) before the wait for quiet ended",
        drift_before,
        f"campaign {CAMPAIGN!r}, reconcile every {stack.env['TALLY_RECONCILE_SECONDS']} s",
    )
    after = tally_mismatches(stack)
    assertion(
        "tallies equal a recount of the ledger after the reconcile",
        after,
        f"the final reconcile said: {reconcile_out}",
    )

    mails = read_deliveries(stack)
    owed = owed_mail(stack, run)
    by_kind_and_address = Counter((mail_kind(m), m["to"]) for m in mails)
    missing = [
        f"{kind} never delivered to {address}"
        for kind, addresses in owed.items()
        for address in sorted(addresses)
        if not by_kind_and_address[(kind, address)]
    ]
    assertion(
        "every owed mail was delivered",
        missing,
        ", ".join(f"{len(v)} {k}" for k, v in owed.items()) + " owed",
    )
    ids = Counter((m["message_id"], m["to"]) for m in mails)
    twice = [
        f"{kind} delivered {count} times to {address}"
        for (kind, address), count in sorted(by_kind_and_address.items())
        if count > 1
    ] + [f"Message-ID {mid} delivered {c} times to {to}" for (mid, to), c in ids.items() if c > 1]
    assertion("no mail was delivered twice", twice)
    ours = [m for m in mails if m["to"].endswith("@" + MAIL_DOMAIN)]
    stray = [
        f"{mail_kind(m)} to {m['to']}, which has no row in the database"
        for m in ours
        if m["to"] not in owed.get(mail_kind(m), set())
    ]
    assertion("no mail for a submission that is not in the database", stray)

    statuses, bad = classify(run)
    assertion(
        "no error but 503s with the form kept during the database outage", bad,
        ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)),
    )  # fmt: skip
    missed_faults = [
        f"fault not carried out: {name}"
        for name in ("worker killed", "Redis down", "PostgreSQL down", "gunicorn worker killed")
        if name not in run.windows
    ]
    assertion("every fault was carried out during the load", missed_faults)

    # --- figures
    print("\n=== make faults: figures")
    print(f"submissions attempted: {dict(run.attempted)}")
    print(
        f"acknowledged: letters {len(run.acked['letter'])}, "
        f"signatures {len(run.acked['signature'])}, "
        f"confirmations {len(run.acked['confirmation'])} "
        f"(links followed: {len(run.confirm_seen)})"
    )
    print(f"in the database: letters {len(letters_in_db)}, signatures {len(signatures)}")
    print(
        f"mails delivered: {len(mails)} "
        f"({dict(Counter(mail_kind(m) for m in mails))}), "
        f"distinct Message-IDs {len({m['message_id'] for m in mails})}"
    )
    by_kind = defaultdict(Counter)
    for r in run.records:
        by_kind[r.kind][r.status if r.status is not None else "dropped"] += 1
    print(f"HTTP requests: {len(run.records)}; by status {dict(statuses)}")
    for kind, counter in sorted(by_kind.items()):
        print(f"  {kind:<13} {dict(counter)}")
    for name, (start, end) in run.windows.items():
        print(f"window {name:<24} {start:6.1f}s – {end:6.1f}s ({end - start:.1f} s)")
    print(f"wait for quiet: {quiet:.1f} s (bound {QUIET_SECONDS:.0f} s)")
    print(
        "processes that exited by themselves and were restarted: "
        + (", ".join(f"{k} {v}x" for k, v in stack.unplanned_exits.items()) or "none")
    )

    print("\n=== make faults: assertions")
    for name, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  [{detail}]" if detail else ""))
    for name, problems in failures:
        print(f"\n--- FAILED: {name} ({len(problems)})")
        for line in problems[:15]:
            print(f"    {line}")
        if len(problems) > 15:
            print(f"    … and {len(problems) - 15} more")
    (stack.run_dir / "requests.jsonl").write_text(
        "".join(json.dumps(r.__dict__) + "\n" for r in run.records)
    )
    (stack.run_dir / "report.json").write_text(
        json.dumps(
            {
                "attempted": dict(run.attempted),
                "acknowledged": {k: len(v) for k, v in run.acked.items()},
                "mails": len(mails),
                "statuses": {str(k): v for k, v in statuses.items()},
                "windows": run.windows,
                "unplanned_exits": dict(stack.unplanned_exits),
                "assertions": {name: ok for name, ok, _ in results},
            },
            indent=2,
        )
    )
    return 1 if failures else 0
