"""`make bench`: Solidarity under load, as ratios to a ceiling and a floor.

Runs against PostgreSQL and Redis with gunicorn configured as in production,
a real Celery worker and beat; writes raw figures to bench/results/latest.json and
the table to BENCHMARKS.md. Options: --preset small|full, --runs, --duration.
"""

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from bench import generate as gen  # noqa: E402
from bench import instrument, report  # noqa: E402

PG_HOST, PG_PORT, REDIS_PORT = "127.0.0.1", 5432, 6379
START = {  # STACK-NOTES: how to bring each service up when it is down
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


@dataclass
class Scenario:
    name: str
    path: str  # {campaign} and {prisoner} are filled in
    kind: str  # ceiling | page | submission
    form_page: str = ""  # where the form is shown, when not at `path`


# A scenario whose path answers 404 is reported "not measured: endpoint absent".
SCENARIOS = [
    # Two candidates for the ceiling, the fastest things the stack serves: a
    # view that returns fixed bytes through every middleware, and a static
    # file that whitenoise answers before most of them. The ceiling is the
    # best run of either (bench/report.py), so no page can honestly beat it.
    Scenario("trivial view (ceiling)", "/bench/ceiling", "ceiling"),
    Scenario("static file (ceiling)", "{static}", "ceiling"),
    Scenario("campaign page", "/campaigns/{campaign}/", "page"),
    Scenario("tally JSON", "/api/campaigns/{campaign}/tally/", "page"),
    Scenario("events list", "/events/", "page"),
    Scenario("map page", "/map/", "page"),
    Scenario("letter submission", "/prisoners/{prisoner}/write/", "submission"),
    Scenario(
        "signature submission",
        "/campaigns/{campaign}/sign/",
        "submission",
        "/campaigns/{campaign}/",
    ),
]
# Public pages whose query count must not grow with the data.
QUERY_PAGES = [
    "/",
    "/prisoners/",
    "/prisoners/{prisoner}/",
    "/prisoners/birthdays/",
    "/campaigns/",
    "/campaigns/{campaign}/",
    "/api/campaigns/{campaign}/tally/",
    "/events/",
    "/api/events.geojson",
    "/map/",
    "/map/PL/",
    "/api/countries/PL/",
    "/prisoners/{prisoner}/write/",
]


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def check_requirements() -> list[str]:
    """Start what can be started; return what is still missing, in words."""
    missing = []
    for name, port in (("PostgreSQL", PG_PORT), ("Redis", REDIS_PORT)):
        if not port_open(port):
            say(f"{name} is not answering on 127.0.0.1:{port}; starting it: {START[name]}")
            subprocess.run(START[name], shell=True, check=False)  # noqa: S602
            time.sleep(2)
            if not port_open(port):
                missing.append(f"{name} on 127.0.0.1:{port} (tried: {START[name]})")
    if not shutil.which("wrk"):
        if os.geteuid() == 0 and shutil.which("apt-get"):
            say("wrk is missing; installing Debian's package")
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)  # noqa: S607
        if not shutil.which("wrk"):
            missing.append("wrk, the load generator (apt-get install -y wrk)")
    return missing


# --- the stack -----------------------------------------------------------------


def prepare_environment(db_name: str, redis_url: str, port: int) -> None:
    static_root = tempfile.mkdtemp(prefix="solidarity-bench-static-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"postgres://postgres@{PG_HOST}:{PG_PORT}/{db_name}",
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "solidarity-bench",
            "DJANGO_STATIC_ROOT": static_root,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # Bench-only knobs (BENCHMARKS.md lists them): the ceiling view,
            # forms sendable at once, and the client address from X-Real-IP
            # so each wrk request counts as its own visitor for rate limits.
            "BENCH_ENDPOINTS": "1",
            "FORM_MIN_SECONDS": "0",
            "DJANGO_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            "LOG_LEVEL": "WARNING",
        }
    )


def recreate_database(db_name: str) -> None:
    import psycopg

    with psycopg.connect(
        f"postgres://postgres@{PG_HOST}:{PG_PORT}/postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')


def start_stack(port: int, workers: int) -> list[subprocess.Popen]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    procs = []
    for name, cmd in (
        (
            "gunicorn",
            # Production's options (gunicorn.conf.py); only the address, the
            # worker count and the log level come from the bench, by env.
            [python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
        ),
        (
            "celery",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"bench-{os.getpid()}@%h",
            ],
        ),
        (
            # Beat, as in production: the outbox sweep sends the mail the
            # submissions wrote, and the reconcile runs on its schedule.
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=WARNING",
                "--schedule",
                str(Path(tempfile.mkdtemp(prefix="solidarity-bench-beat-")) / "schedule"),
            ],
        ),
    ):
        log = open(RESULTS / f"{name}.log", "w")  # noqa: SIM115
        env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_LOG_LEVEL": "warning",
        }
        procs.append(
            subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            status, _, _ = http("GET", f"http://127.0.0.1:{port}/healthz")
            if status == 200:
                return procs
        except OSError:
            pass
        time.sleep(0.5)
    stop_stack(procs)
    raise SystemExit(
        "gunicorn did not answer /healthz within 180 s; see bench/results/gunicorn.log"
    )


def stop_stack(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- HTTP -----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(  # noqa: S310 (loopback, our own server)
        url, data=body, method=method, headers={"X-Forwarded-Proto": "https", **(headers or {})}
    )
    try:
        with _opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class _Forms(HTMLParser):
    """Every <form method=post> on a page, with its fields as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "hidden": set()})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind == "hidden" or name == "website":
                fields[name] = a.get("value", "")
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, a.get("value", "on"))
            elif kind == "password":
                fields[name] = "correct horse battery staple 9"
            elif kind == "email":
                fields[name] = "bench-BENCHN@example.org"
            elif kind == "number":
                fields[name] = a.get("min") or "1"
            elif kind == "date":
                fields[name] = dt.date.today().isoformat()
            else:
                fields[name] = (
                    a.get("value") or f"Bench BENCHN {name}"[: int(a.get("maxlength") or 80)]
                )
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = (
                "A letter of solidarity from the benchmark, number BENCHN. " * 6
            ).strip()
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and a.get("value")
            and ("selected" in a or self._select not in fields)
        ):
            fields[self._select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def build_submission(base: str, scenario: Scenario, path: str, form_page: str) -> dict | str:
    """GET the form (CSRF cookie + token, signed `started` stamp), fill it, try one POST."""
    page_status, headers, page = 0, None, b""
    for url in (path, form_page):
        if not url:
            continue
        page_status, headers, page = http("GET", base + url)
        parser = _Forms()
        parser.feed(page.decode("utf-8", "replace"))
        forms = [f for f in parser.forms if urllib.parse.urljoin(url, f["action"]) == path]
        if forms:
            break
    else:
        return f"not measured: no form posting to {path} (GET answered {page_status})"
    cookies = "; ".join(
        c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken")
    )
    # Each request needs a stamp of its own (a stamp is good for one
    # submission); wrk takes them from a file (stamps_write), in place of this.
    fields = dict(forms[0]["fields"])
    if "started" in fields:
        fields["started"] = "BENCHSTAMP"
    body = urllib.parse.urlencode(fields)
    post_headers = {
        "Cookie": cookies,
        "Origin": base.replace("http://", "https://"),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    first = body.replace("BENCHN", "0").replace("BENCHSTAMP", urllib.parse.quote(stamp_new()))
    status, _, answer = http("POST", base + path, body=first.encode(), headers=post_headers)
    if status not in (302, 303):
        errors = re.findall(
            r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.decode(errors="replace"), re.S
        )
        detail = re.sub(r"<[^>]+>", " ", " ".join(errors))[:300].strip() or f"status {status}"
        fields = ", ".join(sorted(forms[0]["fields"]))
        return f"not measured: the filled-in form was refused ({detail}); fields: {fields}"
    return {"body": body, "cookie": cookies, "origin": post_headers["Origin"]}


def stamp_new() -> str:
    """A form stamp as the form page would give one (config/antispam.py)."""
    from django.core import signing

    from config import antispam

    return signing.TimestampSigner(salt=antispam._SIGNER_SALT).sign(
        f"{int(time.time())}.{secrets.token_urlsafe(9)}"
    )


def stamps_write(count: int) -> str:
    """A file of `count` fresh stamps, url-encoded, one a line, for wrk.lua."""
    with tempfile.NamedTemporaryFile(
        "w", prefix="solidarity-bench-stamps-", suffix=".txt", delete=False
    ) as f:
        f.writelines(urllib.parse.quote(stamp_new()) + "\n" for _ in range(count))
    return f.name


WRK_THREADS = 2


def wrk(url: str, *, duration: int, connections: int, env: dict) -> dict:
    script = str(ROOT / "bench" / "wrk.lua")
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    env = {**os.environ, **env, "BENCH_THREADS": str(WRK_THREADS)}
    stamps = None
    if "BENCHSTAMP" in env.get("BENCH_BODY", ""):
        # More than the fastest submission rate seen here could use (about
        # 1,000/s), so no stamp is sent twice.
        stamps = env["BENCH_STAMPS"] = stamps_write(1500 * duration)
    before = instrument.cpu_snapshot()
    try:
        result = subprocess.run(  # noqa: S603
            [*cmd, "-s", script, url], env=env, capture_output=True, text=True, check=False
        )
    finally:
        after = instrument.cpu_snapshot()
        if stamps:
            os.unlink(stamps)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["bad_status"] + raw["socket_errors"],
        "refused": raw["refused"],
        "requests": raw["requests"],
        # CPU milliseconds per request of each part of the stack (/proc).
        "cpu_ms": instrument.cpu_per_request(before, after, raw["requests"]),
    }


def measure_http(base: str, names: dict, *, runs: int, duration: int, connections: int) -> dict:
    plans: dict[str, dict] = {}
    out: dict[str, dict] = {}
    for s in SCENARIOS:
        path = s.path.format(**names)
        status, _, _ = http("GET", base + path)
        if status == 404:
            out[s.name] = {"kind": s.kind, "path": path, "absent": "not measured: endpoint absent"}
            continue
        env = {"BENCH_METHOD": "GET"}
        if s.kind == "submission":
            built = build_submission(base, s, path, s.form_page.format(**names))
            if isinstance(built, str):
                out[s.name] = {"kind": s.kind, "path": path, "absent": built}
                continue
            env = {
                "BENCH_METHOD": "POST",
                "BENCH_BODY": built["body"],
                "BENCH_COOKIE": built["cookie"],
                "BENCH_ORIGIN": built["origin"],
            }
        elif status != 200:
            out[s.name] = {
                "kind": s.kind,
                "path": path,
                "absent": f"not measured: GET answered {status}",
            }
            continue
        plans[s.name] = {"kind": s.kind, "path": path, "env": env}
    samples: dict[str, list] = {name: [] for name in plans}
    for run in range(runs):  # interleaved, so a noisy neighbour hits every scenario alike
        for name, plan in plans.items():
            settled = instrument.settle()
            say(f"run {run + 1}/{runs}: {name} (waited {settled:.1f} s for a quiet machine)")
            sample = wrk(
                base + plan["path"], duration=duration, connections=connections, env=plan["env"]
            )
            samples[name].append({**sample, "settled_s": settled})
    for name, plan in plans.items():
        runs_ = samples[name]
        out[name] = {
            "kind": plan["kind"],
            "path": plan["path"],
            "request": {k: v for k, v in plan["env"].items() if k != "BENCH_STAMPS"},
            "rps": statistics.median(r["rps"] for r in runs_),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs_),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs_),
            "errors": sum(r["errors"] for r in runs_),
            "refused": sum(r["refused"] for r in runs_),
            # The best run too: the ceiling is the fastest the stack served.
            "best_rps": max(r["rps"] for r in runs_),
            "cpu_ms": {
                part: statistics.median(r["cpu_ms"].get(part, 0.0) for r in runs_)
                for part in runs_[0]["cpu_ms"]
            },
            "runs": runs_,
        }
    return {s.name: out[s.name] for s in SCENARIOS}


def measure_submissions_in_process(http_results: dict, *, runs: int) -> dict:
    """Each submission as wrk sent it, in this process: time against the
    trivial view, and its queries, Redis round-trips, tasks and mails counted
    (bench/instrument.py). Run with the stack stopped, so nothing else
    (the worker included) is on the cores."""
    out = {}
    for name, r in http_results.items():
        if r.get("kind") != "submission" or "absent" in r:
            continue
        request = r["request"]

        def body_for(n, body=request["BENCH_BODY"]):
            return body.replace("BENCHN", str(n)).replace(
                "BENCHSTAMP", urllib.parse.quote(stamp_new())
            )

        out[name] = instrument.submission_profile(
            r["path"],
            body_for,
            runs=runs,
            cookie=request["BENCH_COOKIE"],
            origin=request["BENCH_ORIGIN"],
        )
    return out


def measure_slow(base: str, paths: list[str], *, runs: int) -> dict:
    from bench.chromium import CHROMIUM

    if not Path(CHROMIUM).exists():
        return {
            "absent": "not measured: Debian's chromium is not installed (apt-get install chromium)"
        }
    from bench.slowlink import measure_slow_link

    return measure_slow_link(base, paths, runs=runs)


def measure_page_weight(url: str) -> dict:
    from bench.chromium import CHROMIUM as chromium
    from bench.chromium import CHROMIUM_ARGS

    if not Path(chromium).exists():
        return {
            "absent": "not measured: Debian's chromium is not installed (apt-get install chromium)"
        }
    from playwright.sync_api import sync_playwright

    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.update({e["requestId"]: e["request"]["url"]}),
        )
        # encodedDataLength: bytes on the wire, headers included, after compression.
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.update({e["requestId"]: int(e["encodedDataLength"])}),
        )
        page.goto(url, wait_until="networkidle")
        browser.close()
    return {
        "bytes": sum(sizes.values()),
        "requests": len(sizes),
        "resources": {urllib.parse.urlsplit(urls.get(k, k)).path: v for k, v in sizes.items()},
    }


# --- in-process -----------------------------------------------------------------


def timed(fn, *, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def query_counts(names: dict) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for template in QUERY_PAGES:
        path = template.format(**names)
        client.get(path, secure=True)  # warm per-process caches (content types, site)
        cache.clear()  # count the cache-miss path
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(path, secure=True).status_code
        counts[template] = len(ctx.captured_queries) if status != 404 else None
    return counts


def measure_ledger(names: dict, *, runs: int) -> dict:
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from campaigns.models import Action, Campaign, OfflineReport
    from campaigns.services import action_record, campaign_tallies_recompute
    from config.celery_app import app

    big = Campaign.objects.get(slug=names["campaign"])
    small = Campaign.objects.get(slug=names["small_campaign"])
    rows = Action.objects.filter(campaign=big).count()

    def floor():
        with connection.cursor() as cursor:
            for sql in report.FLOOR_SQL:
                cursor.execute(sql, [big.pk])
                cursor.fetchall()

    def floor_serial():
        # PostgreSQL never plans INSERT ... SELECT in parallel; this shows what
        # the floor costs under the same restriction.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for sql in report.FLOOR_SQL:
                cursor.execute(sql, [big.pk])
                cursor.fetchall()

    def recompute():
        campaign_tallies_recompute(campaign_id=big.pk)

    floor(), floor_serial(), recompute()  # warm the buffer cache for all alike
    with instrument.Counters() as counters:  # what one recompute does, counted
        recompute()
    samples: dict = {floor: [], floor_serial: [], recompute: []}
    for _ in range(runs):  # interleaved, so load from other processes hits all alike
        for fn, times in samples.items():
            times.append(timed(fn, runs=1))
    floor_s, floor_serial_s, recompute_s = (statistics.median(t) for t in samples.values())

    small_rows = Action.objects.filter(campaign=small).count()
    # New sources each time: recording an existing one would be a correction.
    first_id = Action.objects.aggregate(m=Max("source_id"))["m"] + 1
    next_id = iter(range(first_id, first_id + 10**6))

    def one_more(campaign):
        return lambda: action_record(
            source=OfflineReport(pk=next(next_id)),
            kind="signature",
            campaign=campaign,
            country="PL",
        )

    # The request's share: with a recompute already pending (a burst), recording
    # queues nothing; the worker's recompute is paid once per burst.
    Campaign.objects.update(tally_dirty_at=timezone.now())
    record_big_s = timed(one_more(big), runs=runs)
    record_small_s = timed(one_more(small), runs=runs)
    Campaign.objects.update(tally_dirty_at=None)

    # One more action in full: recorded, then recomputed (eagerly, in this
    # process) exactly as the worker does after the coalescing delay.
    app.conf.task_always_eager = True
    before = {c.pk: c.tally_recomputes for c in Campaign.objects.all()}
    full_big_s = timed(one_more(big), runs=runs)
    full_small_s = timed(one_more(small), runs=runs)
    after = {c.pk: c.tally_recomputes for c in Campaign.objects.all()}
    if after[big.pk] - before[big.pk] != runs or after[small.pk] - before[small.pk] != runs:
        raise RuntimeError("one more action did not trigger exactly one recompute each time")
    return {
        "ledger_rows": rows,
        "small_rows": small_rows,
        "floor_s": floor_s,
        "floor_serial_s": floor_serial_s,
        "recompute_s": recompute_s,
        "recompute_counts": dict(counters.counts),
        "record_big_s": record_big_s,
        "record_small_s": record_small_s,
        "one_more_big_s": full_big_s,
        "one_more_small_s": full_small_s,
    }


def measure_bulk_approval(names: dict, *, runs: int, sizes=(100, 500)) -> dict:
    """Bulk approval of fresh letters (letters.services.letters_approve) against
    its floor: a bare set-based UPDATE of the same rows plus INSERT ... SELECT of
    their ledger rows, in one transaction. The stack's worker takes the
    after-commit refreshes, as it does for the admin's action."""
    import secrets as secrets_

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from campaigns.models import Action, Campaign
    from letters import services as letters
    from letters.models import Letter
    from prisoners.models import Prisoner

    # A campaign of its own: the letters approved here must not grow the
    # ledgers the tally figures are taken on.
    campaign, _ = Campaign.objects.get_or_create(
        slug="bench-bulk",
        defaults={"title": "Bulk bench", "kind": "letter_marathon", "starts_on": dt.date.today()},
    )
    prisoners = list(Prisoner.objects.order_by("pk")[:20])
    moderator, _ = get_user_model().objects.get_or_create(
        username="bench-moderator", defaults={"email": "bench-moderator@example.org"}
    )
    letter_type = ContentType.objects.get_for_model(Letter)
    countries = ["PL", "DE", "LT", "FR", "GB", "US", "UA", "BY", "SE", "NL"]

    def fresh(n: int) -> list[int]:
        return [
            letter.pk
            for letter in Letter.objects.bulk_create(
                Letter(
                    prisoner=prisoners[i % len(prisoners)],
                    campaign=campaign,
                    kind=Letter.Kind.LETTER if i % 3 else Letter.Kind.POSTCARD,
                    body=f"Bench letter {i}",
                    language="be",
                    sender_name="Bench",
                    sender_email=f"bench{i}@example.org",
                    country=countries[i % len(countries)],
                    body_fingerprint=secrets_.token_hex(8),
                    withdraw_token=secrets_.token_urlsafe(16),
                )
                for i in range(n)
            )
        ]

    def approve(ids):
        letters.letters_approve(ids=ids, moderator=moderator)

    def floor(ids):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Letter._meta.db_table} SET status = 'approved', "  # noqa: S608
                "moderated_at = %s WHERE id = ANY(%s)",
                [timezone.now(), ids],
            )
            cursor.execute(
                f"INSERT INTO {Action._meta.db_table} (kind, campaign_id, prisoner_id, country, "  # noqa: S608
                "quantity, source_type_id, source_id, occurred_at, recorded_at) "
                "SELECT 'letter', campaign_id, prisoner_id, country, 1, %s, id, created_at, now() "
                f"FROM {Letter._meta.db_table} WHERE id = ANY(%s)",
                [letter_type.pk, ids],
            )

    out = {}
    for size in sizes:
        approve(fresh(size)), floor(fresh(size))  # warm both alike
        samples: dict = {"bulk": [], "floor": []}
        for _ in range(runs):  # interleaved, so other load hits both alike
            for name, fn in (("bulk", approve), ("floor", floor)):
                ids = fresh(size)
                started = time.perf_counter()
                fn(ids)
                samples[name].append(time.perf_counter() - started)
        out[str(size)] = {name: statistics.median(t) for name, t in samples.items()}
        # One more of each, untimed, with every statement counted and timed:
        # the account of where the approval's time goes beyond its floor.
        for name, fn in (("bulk", approve), ("floor", floor)):
            ids = fresh(size)
            with instrument.Statements() as statements:
                fn(ids)
            out[str(size)][f"{name}_statements"] = statements.summary()
    return out


def measure_page_anatomy(names: dict, *, runs: int) -> dict:
    """Where the campaign page's time goes, in process (no HTTP): why it misses or meets."""
    from django.test import Client

    client = Client()
    path = f"/campaigns/{names['campaign']}/"

    def get(url):
        return lambda: client.get(url, secure=True)

    from django.conf import settings
    from django.test import override_settings

    out = {"ceiling_s": timed(get("/bench/ceiling"), runs=runs * 5)}
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
        out["page_s"] = timed(get(path), runs=runs * 5)  # rendered every time
    out["page_cached_s"] = timed(get(path), runs=runs * 5)  # from the page cache
    response = client.get(path, secure=True)
    out["sets_cookies"] = sorted(response.cookies)
    out["cache_seconds"] = settings.PUBLIC_PAGE_CACHE_SECONDS
    out["vary"] = response.get("Vary", "")
    return out


def measure_map_render(names: dict, *, runs: int) -> dict:
    from campaigns import rendering
    from campaigns.models import Campaign
    from campaigns.selectors import campaign_tally

    campaign = Campaign.objects.get(slug=names["campaign"])
    tally = campaign_tally(campaign_id=campaign.pk)
    kwargs = {
        "title": campaign.title,
        "counts": {row.code: row.total for row in tally.rows if row.code},
        "total": tally.total,
        "countries": campaign.countries_total,
    }
    out = {}
    for fmt, render in (("png", rendering.render_png), ("svg", rendering.render_svg)):
        seconds = timed(lambda render=render: render(**kwargs), runs=runs)
        out[fmt] = {"seconds": seconds, "bytes": len(render(**kwargs))}
    return out


# --- staff data: import a prisoner list, export the ledger (issue 13) -------------

STAFF_EXPORT_ROWS = 100_000


def _peak_bytes(fn) -> int:
    """Peak Python memory allocated while fn runs (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_staff_import() -> dict:
    """The 1,500-row sample through django-import-export, as the admin runs it."""
    import tablib

    from prisoners.models import Prisoner
    from prisoners.resources import FacilityResource, PrisonerResource
    from prisoners.samples import generate as sample

    def dataset(name):
        return tablib.Dataset().load((sample.HERE / name).read_text(encoding="utf-8"), "csv")

    facilities = FacilityResource().import_data(dataset("facilities-sample.csv"))
    if facilities.has_errors() or facilities.has_validation_errors():
        raise RuntimeError("the sample facilities did not import")
    prisoners = dataset("prisoners-sample.csv")
    out: dict = {"rows": len(prisoners)}

    def run(dry_run):
        result = PrisonerResource().import_data(prisoners, dry_run=dry_run)
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("the sample prisoners did not import")
        return result

    # Memory first, on a preview (rolled back); times untraced (tracemalloc slows
    # Python). Wall time and this process's CPU time: on a shared machine the
    # first depends on the neighbours, the second much less (the database's own
    # work is in PostgreSQL's processes, counted only in the wall time).
    out["preview_peak_bytes"] = _peak_bytes(lambda: run(True))
    for key, dry_run in (("preview", True), ("import", False), ("again", False)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run(dry_run)
        out[f"{key}_s"] = time.perf_counter() - wall
        out[f"{key}_cpu_s"] = time.process_time() - cpu
        out[f"{key}_totals"] = dict(result.totals)
    out["first_totals"] = out["import_totals"]
    out["prisoners_after"] = Prisoner.objects.filter(external_id__startswith="SAMPLE-").count()
    return out


def measure_staff_export(rows: int = STAFF_EXPORT_ROWS) -> dict:
    """The ledger export (CSV and XLSX) over `rows` actions of one campaign."""
    from django.contrib.contenttypes.models import ContentType
    from django.test import RequestFactory

    from campaigns import exports
    from campaigns.models import Action, Campaign, OfflineReport

    campaign, _ = Campaign.objects.get_or_create(
        slug="bench-export",
        defaults={"title": "Export bench", "kind": "letter_marathon", "starts_on": dt.date.today()},
    )
    report_type = ContentType.objects.get_for_model(OfflineReport)
    offset = 2 * gen.SOURCE_OFFSET
    have = Action.objects.filter(campaign=campaign).count()
    for start in range(have, rows, gen.BATCH):
        Action.objects.bulk_create(
            Action(
                kind="letter",
                campaign=campaign,
                country=("PL", "LT", "DE", "BY")[i % 4],
                source_type=report_type,
                source_id=offset + i,
            )
            for i in range(start, min(rows, start + gen.BATCH))
        )
    request = RequestFactory().get("/")

    def table(limit):
        ids = Action.objects.filter(campaign=campaign).order_by("pk").values("pk")[:limit]
        return exports.ledger_table(actions=Action.objects.filter(pk__in=ids), request=request)

    def csv_bytes(limit):
        return sum(len(line.encode()) for line in exports.csv_lines(table(limit)))

    def xlsx_bytes(limit):
        with tempfile.TemporaryFile() as target:
            exports.xlsx_write(table(limit), target)
            return target.tell()

    out: dict = {"rows": rows}
    for fmt, write in (("csv", csv_bytes), ("xlsx", xlsx_bytes)):
        wall, cpu = time.perf_counter(), time.process_time()
        size = write(rows)
        seconds = time.perf_counter() - wall
        out[fmt] = {
            "seconds": seconds,
            "cpu_seconds": time.process_time() - cpu,
            "bytes": size,
            # Memory must not grow with the rows: peaks at two sizes a tenth
            # apart, smaller than the timed export, as tracemalloc slows
            # Python several times over (100,000 traced XLSX rows took minutes).
            "peak_rows": rows // 5,
            "peak_bytes": _peak_bytes(lambda write=write: write(rows // 5)),
            "peak_bytes_tenth": _peak_bytes(lambda write=write: write(rows // 50)),
        }
    return out


def staff_data_main(args) -> dict:
    """`bench/run.py --only staff-data`: the import and export figures alone."""
    prepare_environment(args.db, args.redis_url, args.port)
    say(f"database {args.db}: recreating and migrating")
    recreate_database(args.db)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return measure_staff_data()


def measure_staff_data() -> dict:
    say("staff data: importing the 1,500-prisoner sample")
    out = {"import": measure_staff_import()}
    say(f"staff data: exporting {STAFF_EXPORT_ROWS:,} ledger rows")
    out["export"] = measure_staff_export()
    return out


# --- main -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--preset", choices=gen.PRESETS, default=os.environ.get("BENCH_PRESET", "small")
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument(
        "--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 16))
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1)),
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8110)))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "solidarity_bench"))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--only",
        choices=["bulk", "staff-data"],
        help="run one part and print it (no HTTP load): bulk = bulk approval against "
        "its floor; staff-data = import and export",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["staff-data"],
        help="leave a slow part out while working on the others (a full run has none)",
    )
    args = parser.parse_args(argv)
    if args.only == "staff-data":
        figures = staff_data_main(args)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "staff-data.json").write_text(json.dumps(figures, indent=2, default=str))
        print(report.staff_data({"staff_data": figures}))
        return

    missing = check_requirements()
    if missing:
        raise SystemExit("make bench needs:\n  - " + "\n  - ".join(missing))
    if port_open(args.port):
        raise SystemExit(f"port {args.port} is taken; pass --port or BENCH_PORT")
    prepare_environment(args.db, args.redis_url, args.port)
    say(f"database {args.db}: recreating and migrating")
    recreate_database(args.db)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.cache import cache

    cache.clear()
    sizes = gen.sizes(args.preset)
    names = {
        "campaign": gen.BIG_SLUG,
        "small_campaign": gen.SMALL_SLUG,
        "prisoner": "bench-prisoner-0",
        "static": staticfiles_storage.url("img/favicon.svg"),
    }
    results: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "preset": args.preset,
        "sizes": sizes,
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
    }
    say(f"generating {sizes}")
    seeded = gen.seed(prisoners=sizes["prisoners"])
    if args.only == "bulk":
        procs = start_stack(args.port, args.workers)
        try:
            say("bulk approval against its floor")
            results["bulk_approval"] = measure_bulk_approval(names, runs=max(args.runs, 5))
        finally:
            stop_stack(procs)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "bulk.json").write_text(json.dumps(results, indent=2, default=str))
        print(report.summary(results))
        return
    counts_small = query_counts(names)
    results["generated"] = gen.grow(
        seeded, actions=sizes["actions"], letters=sizes["letters"], events=sizes["events"]
    )
    counts_big = query_counts(names)
    results["query_counts"] = {"small": counts_small, "big": counts_big}

    procs = start_stack(args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        results["http"] = measure_http(
            base, names, runs=args.runs, duration=args.duration, connections=args.connections
        )
        say("page weight in Chromium")
        results["page_weight"] = {}
        for label, path in (
            ("campaign page", f"/campaigns/{names['campaign']}/"),
            ("map page", "/map/"),
        ):
            if http("GET", base + path)[0] == 404:
                results["page_weight"][label] = {"absent": "not measured: endpoint absent"}
            else:
                results["page_weight"][label] = measure_page_weight(base + path)
        say("slow link (400 kbit/s, 400 ms RTT) in Chromium")
        results["slow_link"] = measure_slow(
            base, ["/map/", f"/campaigns/{names['campaign']}/"], runs=max(args.runs, 3)
        )
        say("bulk approval against its floor")
        results["bulk_approval"] = measure_bulk_approval(names, runs=max(args.runs, 5))
    finally:
        stop_stack(procs)
    say("submissions in process: time, queries, Redis round-trips, profile")
    results["submissions_in_process"] = measure_submissions_in_process(
        results["http"], runs=max(args.runs * 100, 200)
    )
    say("tally recompute and one more action")
    results["ledger"] = measure_ledger(names, runs=max(args.runs, 7))
    results["map_render"] = measure_map_render(names, runs=max(args.runs, 5))
    results["page_anatomy"] = measure_page_anatomy(names, runs=args.runs)
    if "staff-data" not in args.skip:
        results["staff_data"] = measure_staff_data()

    results["commit"] = _commit()
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"{args.preset}.json"
    raw.write_text(json.dumps(results, indent=2, default=str))
    (RESULTS / "latest.json").write_text(raw.read_text())
    # BENCHMARKS.md holds every preset's last run, side by side.
    Path(args.output).write_text(report.markdown(report.load_runs(RESULTS)))
    say(f"wrote {args.output} and {raw.relative_to(ROOT)}")
    print(report.summary(results))


def _commit() -> str:
    described = subprocess.run(  # noqa: S603
        ["git", "describe", "--always", "--dirty"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return described.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
