"""BENCHMARKS.md from the raw figures of one run."""

import os
import platform

PAGE_RATIO = 0.7  # cached pages and tally JSON against the trivial view
SUBMIT_RPS, SUBMIT_P99_MS = 300, 200
SUBMIT_TARGET = f"≥ {SUBMIT_RPS}/s, p99 ≤ {SUBMIT_P99_MS} ms"
TALLY_RATIO = 1.5  # full recompute against the bare aggregate
SAME_COST = 1.5  # "the same" for one more action, allowing for timer noise
BULK_RATIO = 3  # bulk approval against a bare UPDATE + INSERT of the same rows
BULK_500_S = 2  # seconds for 500 letters (issue 11)
WEIGHT_KB, WEIGHT_REQUESTS = 250, 12
# The bare aggregates a full recompute consists of: the tally rows (country,
# kind) and the daily rows of the chart, each one plain SELECT.
FLOOR_SQL = (
    "SELECT country, kind, SUM(quantity) FROM campaigns_action"
    " WHERE campaign_id = %s GROUP BY country, kind",
    "SELECT DATE(occurred_at), SUM(quantity) FROM campaigns_action"
    " WHERE campaign_id = %s GROUP BY DATE(occurred_at)",
)

IN_PROCESS_RATIO = 5  # a submission in process against the trivial view
SLOW_LINK_MS = 2000  # the choropleth drawn on a 400 kbit/s, 400 ms RTT link
PARTS = {
    "gunicorn": "gunicorn (Django)",
    "postgres": "PostgreSQL",
    "redis": "Redis",
    "celery": "the worker",
    "wrk": "wrk",
}

# Where to look when a figure misses: pointers to the code, shown only next to
# a miss. Explanations of a cost are never written here: they are generated
# from what the same run measured (submission_account, recompute_account).
WHY = {
    "page": (
        "anonymous reloads come from the ten-second page cache (config/pagecache.py): "
        "see the page's cookies and Vary under 'Where the campaign page's time goes'"
    ),
    "above": (
        "above the ceiling: the ceiling is not the fastest thing served; add a faster "
        "candidate to SCENARIOS in bench/run.py"
    ),
    "one more action": (
        "each action applies its difference to its tally rows in its own transaction; if "
        "this grows with the ledger, look for a full recompute on the request path"
    ),
    "bulk": (
        "if the statements grow with the letters, one per letter has crept in: pin the "
        "query count (tests/letters/test_bulk.py)"
    ),
    "record": "an index grows with the ledger; check the plan of the action look-up",
    "weight": "fewer or smaller assets: simplify the country shapes or load them on demand",
    "queries": "a query per row: use select_related/prefetch_related or read from the tallies",
    "slow": (
        "the shapes wait for something on the critical path: see the requests' order in "
        "bench/slowlink.py's raw runs"
    ),
}


def machine() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in open("/proc/cpuinfo")  # noqa: SIM115
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python": platform.python_version(),
        "load_before": os.getloadavg()[0],
    }


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**miss**"


def ceiling_of(http: dict) -> float | None:
    """The fastest the stack served: the best run of any ceiling candidate."""
    best = [r["best_rps"] for r in http.values() if r.get("kind") == "ceiling" and "best_rps" in r]
    return max(best) if best else None


def _ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def _n(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def bulk_account(b: dict) -> str:
    """Where one bulk approval's time goes, statement by statement, in this run."""
    mine, floor = b.get("bulk_statements"), b.get("floor_statements")
    if not mine or not floor:
        return ""
    top = ", ".join(
        f"`{t['label']}` {_n(t['count'], 'statement')} {t['ms']:.1f} ms" for t in mine["top"]
    )
    return (
        f"one more approval, untimed, ran {_n(mine['statements'], 'SQL statement')} "
        f"({mine['sql_ms']:.0f} ms in the database driver) against the floor's "
        f"{floor['statements']} ({floor['sql_ms']:.0f} ms); its costliest: {top}"
    )


def submission_account(r: dict, in_process: dict | None, cpus: int) -> str:
    """What a submission costs, from this run's instrumentation only."""
    parts = []
    cpu = r.get("cpu_ms") or {}
    if cpu:
        total = sum(cpu.get(k, 0.0) for k in PARTS)
        spent = ", ".join(f"{PARTS[k]} {_ms(cpu[k])}" for k in PARTS if cpu.get(k, 0) >= 0.005)
        parts.append(
            f"CPU per submission over HTTP (/proc, median run): {spent}; {_ms(total)} in all, "
            f"so {cpus} cores bound it at about {cpus * 1000 / total:,.0f}/s; the machine was "
            f"{cpu.get('machine_busy_share', 0) * 100:.0f}% busy during the runs"
        )
    if in_process and "absent" not in in_process:
        c = in_process["counts"]
        commands = ", ".join(
            f"{name} ×{n}" if n > 1 else name
            for name, n in sorted(in_process["redis_commands"].items())
        )
        parts.append(
            f"in process one submission is {in_process['submission_ms']:.2f} ms against "
            f"{in_process['ceiling_ms']:.2f} ms for the trivial view, with "
            f"{_n(c.get('sql_queries', 0), 'SQL query', 'SQL queries')}, "
            f"{_n(c.get('redis_round_trips', 0), 'Redis round-trip')} ({commands or 'none'}), "
            f"{_n(c.get('tasks_published', 0), 'task')} published and "
            f"{_n(c.get('mails_sent', 0), 'mail')} sent in the request"
        )
        top = in_process.get("top") or []
        if top:
            parts.append(
                "its costliest own functions (cProfile, cumulative, inflated by the "
                "profiler): " + ", ".join(f"`{t['function']}` {_ms(t['ms'])}" for t in top[:5])
            )
    return "; ".join(parts)


def rows(results: dict) -> list[list[str]]:
    out = []
    http = results.get("http", {})
    ceiling = ceiling_of(http)
    cpus = results.get("machine", {}).get("cpus") or 1
    in_process = results.get("submissions_in_process", {})
    for name, r in http.items():
        if "absent" in r:
            target = {"page": f"≥ {PAGE_RATIO}× ceiling", "submission": SUBMIT_TARGET}
            out.append([name, r["absent"], "—", target.get(r["kind"], "—"), "not measured", ""])
            continue
        figure = f"{r['rps']:,.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
        if r["errors"] or r["refused"]:
            figure += f" ({r['errors']} errors, {r['refused']} refused)"
        ratio = r["rps"] / ceiling if ceiling else None
        shown = f"{ratio:.2f}× ceiling" if ratio else "—"
        if r["kind"] == "ceiling":
            best = r.get("best_rps", r["rps"])
            figure += f"; best run {best:,.0f} req/s"
            note = "the ceiling: the best run of either candidate" if best == ceiling else ""
            out.append([name, figure, shown, "the ceiling", "—", note])
        elif r["kind"] == "page":
            above = ratio is not None and ratio > 1.0
            ok = ratio is not None and PAGE_RATIO <= ratio <= 1.0 and not r["errors"]
            why = "" if ok else WHY["above"] if above else WHY["page"]
            target = f"{PAGE_RATIO}–1.00× ceiling"
            out.append([name, figure, shown, target, _verdict(ok), why])
        else:
            ok = (
                r["rps"] >= SUBMIT_RPS
                and r["p99_ms"] <= SUBMIT_P99_MS
                and not r["errors"]
                and not r["refused"]
            )
            account = submission_account(r, in_process.get(name), cpus)
            out.append([name, figure, shown, SUBMIT_TARGET, _verdict(ok), account])
    for name, m in in_process.items():
        label = f"{name} in process"
        if "absent" in m:
            out.append([label, m["absent"], "—", f"≤ {IN_PROCESS_RATIO}× trivial view", "—", ""])
            continue
        ratio = m["submission_ms"] / m["ceiling_ms"]
        ok = ratio <= IN_PROCESS_RATIO and not m["refused"]
        figure = (
            f"{m['submission_ms']:.2f} ms (trivial view {m['ceiling_ms']:.2f} ms; "
            f"median of {m['runs']}, interleaved)"
        )
        if m["refused"]:
            figure += f", {m['refused']} refused"
        out.append(
            [
                label,
                figure,
                f"{ratio:.2f}× trivial view",
                f"≤ {IN_PROCESS_RATIO}× trivial view",
                _verdict(ok),
                "",
            ]
        )

    ledger = results.get("ledger")
    if ledger:
        ratio = ledger["recompute_s"] / ledger["floor_s"]
        counts = ledger.get("recompute_counts") or {}
        account = (
            f"one recompute ran {_n(counts.get('sql_queries', 0), 'SQL query', 'SQL queries')}, "
            f"{_n(counts.get('redis_round_trips', 0), 'Redis round-trip')} and published "
            f"{_n(counts.get('tasks_published', 0), 'task')} (counted in the same run)"
            if counts
            else ""
        )
        out.append(
            [
                f"tally recompute, {ledger['ledger_rows']:,} actions",
                f"{_ms(ledger['recompute_s'] * 1000)} (bare aggregates"
                f" {_ms(ledger['floor_s'] * 1000)}; without parallel workers"
                f" {_ms(ledger.get('floor_serial_s', 0) * 1000)})",
                f"{ratio:.2f}× floor",
                f"≤ {TALLY_RATIO}× floor",
                _verdict(ratio <= TALLY_RATIO),
                account,
            ]
        )
        for label, key, why in (
            ("one more action, request's share (record, recompute pending)", "record", "record"),
            ("one more action in full (record + recompute)", "one_more", "one more action"),
        ):
            big, small = ledger[f"{key}_big_s"], ledger[f"{key}_small_s"]
            ratio = big / small
            out.append(
                [
                    label,
                    f"{big * 1000:.1f} ms on {ledger['ledger_rows']:,} actions, "
                    f"{small * 1000:.1f} ms on {ledger['small_rows']:,}",
                    f"{ratio:.2f}× small ledger",
                    f"≤ {SAME_COST}× (the same)",
                    _verdict(ratio <= SAME_COST),
                    "" if ratio <= SAME_COST else WHY[why],
                ]
            )

    for size, b in results.get("bulk_approval", {}).items():
        ratio = b["bulk"] / b["floor"]
        ok = ratio <= BULK_RATIO and (int(size) < 500 or b["bulk"] <= BULK_500_S)
        target = f"≤ {BULK_RATIO}× floor" + (f", ≤ {BULK_500_S} s" if int(size) >= 500 else "")
        out.append(
            [
                f"bulk approval, {size} letters",
                f"{b['bulk'] * 1000:.0f} ms (bare UPDATE + INSERT {b['floor'] * 1000:.0f} ms)",
                f"{ratio:.2f}× floor",
                target,
                _verdict(ok),
                bulk_account(b) or ("" if ok else WHY["bulk"]),
            ]
        )

    budget = f"≤ {WEIGHT_KB} KB, ≤ {WEIGHT_REQUESTS} requests"
    for page, w in results.get("page_weight", {}).items():
        if "absent" in w:
            out.append(
                [f"{page}: transfer in Chromium", w["absent"], "—", budget, "not measured", ""]
            )
            continue
        ok = w["bytes"] <= WEIGHT_KB * 1024 and w["requests"] <= WEIGHT_REQUESTS
        out.append(
            [
                f"{page}: transfer in Chromium",
                f"{w['bytes'] / 1024:.1f} KB in {w['requests']} requests",
                f"{w['bytes'] / 1024 / WEIGHT_KB:.2f}× budget",
                f"≤ {WEIGHT_KB} KB, ≤ {WEIGHT_REQUESTS} requests",
                _verdict(ok),
                "" if ok else WHY["weight"],
            ]
        )

    slow = results.get("slow_link", {})
    target = f"shapes drawn ≤ {SLOW_LINK_MS / 1000:.1f} s"
    if "absent" in slow:
        out.append(["slow link", slow["absent"], "—", target, "not measured", ""])
    for path, m in slow.get("pages", {}).items():
        name = f"{path} on a slow link (400 kbit/s, 400 ms RTT)"
        if "absent" in m:
            out.append([name, m["absent"], "—", target, "not measured", ""])
            continue
        drawn = m.get("drawn_ms")
        ok = drawn is not None and drawn <= SLOW_LINK_MS
        figure = (
            f"first paint {m['fcp_ms'] / 1000:.2f} s, shapes drawn "
            + (f"{drawn / 1000:.2f} s" if drawn is not None else "never")
            + (f", interactive {m['ready_ms'] / 1000:.2f} s" if m.get("ready_ms") else "")
            + f", {m['bytes'] / 1024:.1f} KB (median of {len(m.get('runs', []))}, cold cache)"
        )
        ratio = f"{drawn / SLOW_LINK_MS:.2f}× target" if drawn is not None else "—"
        out.append([name, figure, ratio, target, _verdict(ok), "" if ok else WHY["slow"]])

    for fmt, m in results.get("map_render", {}).items():
        name = f"map rendering ({fmt})"
        if "absent" in m:
            out.append([name, m["absent"], "—", "no target (reported)", "not measured", ""])
        else:
            size = f"{m['seconds'] * 1000:.1f} ms, {m['bytes'] / 1024:.1f} KB"
            out.append([name, size, "—", "no target (reported)", "—", ""])

    counts = results.get("query_counts", {})
    small, big = counts.get("small", {}), counts.get("big", {})
    size = f"{results.get('generated', {}).get('actions', 0):,}"
    for page, n_small in small.items():
        n_big = big.get(page)
        if n_small is None and n_big is None:
            out.append(
                [
                    f"queries {page}",
                    "not measured: endpoint absent",
                    "—",
                    "equal",
                    "not measured",
                    "",
                ]
            )
            continue
        ok = n_small == n_big
        out.append(
            [
                f"queries {page}",
                f"{n_small} at 1,000 actions, {n_big} at {size}",
                "—",
                "equal at both sizes",
                _verdict(ok),
                "" if ok else WHY["queries"],
            ]
        )
    return out


def load_runs(folder) -> dict[str, dict]:
    """The last run of each preset (bench/results/<preset>.json), small first."""
    import json
    from pathlib import Path

    runs = {}
    for preset in ("small", "full"):
        path = Path(folder) / f"{preset}.json"
        if path.exists():
            runs[preset] = json.loads(path.read_text())
    if not runs and (Path(folder) / "latest.json").exists():
        latest = json.loads((Path(folder) / "latest.json").read_text())
        runs[latest["preset"]] = latest
    return runs


def _table(cells: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in cells)


def verdicts(runs: dict[str, dict]) -> str:
    """One line per target: the verdict of each preset side by side."""
    by_figure: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for preset, results in runs.items():
        for row in rows(results):
            if row[4] in ("—", ""):
                continue
            key = row[0].replace(f"{results.get('ledger', {}).get('ledger_rows', 0):,}", "N")
            if key not in by_figure:
                by_figure[key] = {}
                order.append(key)
            by_figure[key][preset] = f"{row[4]} ({row[2]})" if row[2] != "—" else row[4]
    header = ["target", *(f"`{p}` preset" for p in runs)]
    body = [[k, *(by_figure[k].get(p, "—") for p in runs)] for k in order]
    return _table([header, ["---"] * len(header), *body])


def markdown(runs: dict[str, dict]) -> str:
    if "preset" in runs:  # one run's results, as older callers pass
        runs = {runs["preset"]: runs}
    sections = "\n".join(_section(preset, results) for preset, results in runs.items())
    presets = " and ".join(f"`{p}`" for p in runs)
    return f"""# Benchmarks

Written by `make bench` (bench/run.py) from its last run at each preset ({presets});
raw figures in `bench/results/<preset>.json` (not committed). Rerun with `make bench`
(small preset: 10,000 actions) and `make bench BENCH_PRESET=full` (1,000,000 actions);
each run rewrites this file with the last run of every preset; `python bench/report.py`
rewrites it from the raw figures alone.

Every explanation below is generated from what the same run measured: CPU time per
request from /proc, queries, Redis round-trips, tasks published and mails sent counted
by instrumenting the process (bench/instrument.py), costs per function from cProfile.

## Verdicts side by side

{verdicts(runs)}

{sections}
## How each figure is taken

* **Ceiling:** the best single run of the two fastest things the stack serves:
  `/bench/ceiling`, fixed bytes through the whole middleware stack and gunicorn (routed
  only when `BENCH_ENDPOINTS` is on, off by default; a test checks it is a 404), and a
  static file (`img/favicon.svg`) that whitenoise answers before most middleware. Every
  other figure is a median, so no page can rightly measure above the ceiling; one that
  does is a miss of the bench itself.
* **Submissions:** the form is fetched once (CSRF cookie and token), filled in from its
  own fields and checked to redirect on one POST, then POSTed by wrk with a distinct
  e-mail address, `X-Real-IP` and form stamp per request (bench/wrk.lua takes the stamps
  from a file the runner signs as the form page does: a stamp is good for one
  submission). Every POST goes through CSRF, validation, the spam checks, the rate limit
  and the insert; a response that is not a redirect counts as refused. Bench-only
  settings, from the environment: `FORM_MIN_SECONDS=0` (a stamp may be sent at once) and
  `DJANGO_CLIENT_IP_HEADER=HTTP_X_REAL_IP` (each request is its own visitor, so the
  per-client rate limit is exercised but not tripped). **CPU per request:** utime and
  stime of every gunicorn, PostgreSQL, Redis, Celery and wrk process (and of the children
  each reaped) read from /proc before and after each wrk run. **In process:** the same
  body POSTed with Django's test client, interleaved with the trivial view, with the
  stack stopped; then one POST counted (bench/instrument.py `Counters`: a pipeline or a
  script is one Redis round-trip) and a batch profiled with cProfile.
* **Tally:** `campaigns.services.campaign_tallies_recompute` against the floor,
  the bare aggregates it consists of (`{FLOOR_SQL[0]}` and
  `{FLOOR_SQL[1]}`) over the same rows, each warmed once, then timed interleaved
  (median); also the floor with `max_parallel_workers_per_gather = 0`.
  **One more action:** `action_record` for a new source on the big ledger and on a
  1,000-action one; the request's share is the record alone while a recompute is pending
  (a burst: nothing is queued), the full cost adds the recompute the worker then runs
  (here eager, in process).
* **Transfer:** the page loaded in Debian's Chromium (Playwright), encoded bytes of every
  response (headers included) summed from the DevTools network events, cold cache.
* **Slow link:** bench/slowlink.py: a fresh Chromium context per run with DevTools'
  network emulation (400 ms latency, 400 kbit/s each way, cache off); first contentful
  paint from the paint timing entries, "shapes drawn" from the `solidarity:choropleth-drawn`
  mark the map script sets when the coloured countries are on screen (drawn by hand before
  Leaflet is requested), "interactive" when Leaflet has taken over (`data-ready`), all from
  navigation start.
* **Queries:** Django's test client in process against the bench database, counted on the
  cache-miss path, after seeding 1,000 actions and again after growing to the full size.
* Scenarios whose endpoint answers 404 are listed as "not measured: endpoint
  absent"; the harness runs them once the endpoint exists (see `SCENARIOS` in bench/run.py).
"""


def _section(preset: str, results: dict) -> str:
    m = results["machine"]
    s = results["settings"]
    generated = "; ".join(
        f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}"
        for k, v in results.get("generated", {}).items()
    )
    busy = ""
    if m["load_before"] > m["cpus"] / 2:
        busy = (
            ": other processes were running on the same cores, so absolute figures are"
            " depressed and noisy; read the ratios, taken side by side in the same run"
        )
    table = _table(
        [
            ["figure", "measured (median)", "ratio", "target", "result", "why: measured"],
            ["---"] * 6,
            *rows(results),
        ]
    )
    return f"""## The `{preset}` preset

Run on {results["date"]} at commit `{results.get("commit", "unknown")}`.
**Machine:** {m["cpus"]} CPUs ({m["cpu"]}), {m["memory_gb"]} GB RAM, Python {m["python"]};
load average {m["load_before"]:.1f} when the run started{busy}.
**Data:** generated {generated}.
**Stack:** gunicorn (config.wsgi, sync workers × {s["workers"]}, DEBUG off, static files
collected with CompressedManifestStaticFilesStorage and served by whitenoise), PostgreSQL,
Redis as cache and broker, one Celery worker and beat; all on 127.0.0.1.
**Load:** wrk in a second process, 2 threads, {s["connections"]} connections, {s["duration"]} s per
scenario, {s["runs"]} interleaved runs, medians reported; every request carries
`X-Forwarded-Proto: https`, as behind the production proxy. Before each run the runner
waits (at most 90 s) for the machine to fall below 15% busy, so what one scenario leaves
behind (mail to send, tallies to refresh, a checkpoint) is not charged to the next.

{table}
{anatomy(results)}
{staff_data(results)}
"""


def anatomy(results: dict) -> str:
    a = results.get("page_anatomy")
    if not a:
        return ""
    ms = {k: v * 1000 for k, v in a.items() if k.endswith("_s")}
    return f"""
## Where the campaign page's time goes

In process, without HTTP (Django's test client, median): the trivial view takes
{ms["ceiling_s"]:.2f} ms; the campaign page {ms["page_s"]:.1f} ms rendered (page cache off,
the country table's fragment cache warm) and {ms["page_cached_s"]:.2f} ms from the page
cache. The page sets the cookies
{", ".join(a["sets_cookies"]) or "none"} and varies on `{a["vary"]}`; with no cookie set,
anonymous reloads are served by the {a.get("cache_seconds", "?")}-second page cache,
which is what the throughput figures above measure.
"""


def staff_data(results: dict) -> str:
    """Issue 13: importing the 1,500-prisoner sample, exporting 100,000 ledger rows."""
    data = results.get("staff_data")
    if not data:
        return ""
    imp, exp = data["import"], data["export"]
    mib = 1024 * 1024
    target = "pass" if imp["preview_s"] + imp["import_s"] <= 30 else "**miss**"
    lines = [
        "## Staff data: import and export",
        "",
        "| what | figure | target |",
        "|---|---|---|",
        f"| import {imp['rows']:,} prisoners: preview | {imp['preview_s']:.1f} s "
        f"(CPU {imp.get('preview_cpu_s', 0):.1f} s), "
        f"peak {imp['preview_peak_bytes'] / mib:.1f} MiB | |",
        f"| import {imp['rows']:,} prisoners: confirm | {imp['import_s']:.1f} s "
        f"(CPU {imp.get('import_cpu_s', 0):.1f} s; "
        f"{imp['first_totals']['new']:,} new) | preview + confirm ≤ 30 s: {target} |",
        f"| the same file again | {imp['again_s']:.1f} s "
        f"({imp['again_totals']['new']} new, {imp['again_totals']['update']} updated, "
        f"{imp['again_totals']['skip']:,} unchanged) | nothing changes |",
    ]
    for fmt in ("csv", "xlsx"):
        f = exp[fmt]
        lines.append(
            f"| export {exp['rows']:,} ledger rows as {fmt.upper()} | {f['seconds']:.1f} s "
            f"(CPU {f.get('cpu_seconds', 0):.1f} s), "
            f"{f['bytes'] / mib:.1f} MiB file; peak {f['peak_bytes'] / mib:.1f} MiB "
            f"at {f.get('peak_rows', exp['rows']):,} rows, "
            f"{f['peak_bytes_tenth'] / mib:.1f} MiB at a tenth of them | "
            f"memory does not grow with rows |"
        )
    lines += [
        "",
        "Import: `PrisonerResource().import_data()` on prisoners/samples/prisoners-sample.csv "
        "(what the admin's preview and confirm call), facilities imported first. Export: "
        "`campaigns.exports` writing every row (CSV lines; XLSX to a temporary file). "
        "Peaks are Python allocations (tracemalloc), taken in separate runs from the times, "
        "over a fifth and a fiftieth of the rows.",
        "",
    ]
    return "\n".join(lines)


def summary(results: dict) -> str:
    return "\n".join(f"{r[0]:<45} {r[1]:<60} {r[2]:<18} {r[4]}" for r in rows(results))


if __name__ == "__main__":
    # Rewrite BENCHMARKS.md from the last runs' raw figures.
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    runs = load_runs(root / "bench" / "results")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "BENCHMARKS.md"
    out.write_text(markdown(runs))
    for preset, results in runs.items():
        print(f"== {preset}")
        print(summary(results))
