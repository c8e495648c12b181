"""`make faults`: real submissions through a production-like stack while it breaks.

Starts its own PostgreSQL (initdb in a temporary folder), Redis, an SMTP sink
(scripts/smtp_sink.py, aiosmtpd), gunicorn with two workers, a Celery worker
and beat, all on loopback ports of their own, with production settings. It
drives a few hundred letters and signatures by real HTTP (form, CSRF cookie
and token, form stamp, POST) and confirms the signatures from the links in
the delivered mail, from several threads. Meanwhile it kills the Celery
worker with -9 (and restarts it), kills Redis and starts it empty, restarts
PostgreSQL with `-m immediate` and kills a gunicorn worker with -9.

Then, after a bounded wait for quiet, it asserts:

1. every acknowledged submission and confirmation is in the database;
2. tallies equal a recount of the ledger after the reconcile;
3. every owed mail reached the sink exactly once, and no mail went out for
   a submission that is not in the database;
4. no request answered an error, except 503s overlapping the database
   outage (a POST's 503 must show the form with the visitor's text) and
   connections dropped by the gunicorn worker that was killed.

It prints its figures, writes every request and delivery under var/faults/,
exits 1 when an assertion fails, 2 when the stack cannot start. Bounded in
time; every process it started is stopped on exit, Ctrl-C and failure.

Knobs (environment): FAULTS_LETTERS, FAULTS_SIGNATURES (default 200 each),
FAULTS_THREADS (4), FAULTS_QUIET_SECONDS (90, the wait for owed mail),
FAULTS_SLACK_SECONDS (1.0, how long after an outage its errors still count
as the outage's), FAULTS_BUDGET_SECONDS (285, the whole run; the wait for
quiet is cut to fit), FAULTS_KEEP=1 keeps the temporary folder.
"""

import contextlib
import datetime as dt
import html
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PRISONER = "mikalai-statkevich"  # seed_demo's writable prisoner
CAMPAIGN = "fault-run"  # a running campaign created for the run
MAIL_DOMAIN = "faults.example.org"
COUNTRIES = ["BY", "PL", "LT", "DE", "FR", "GB", "UA", "SE", "US", "GE"]

N_LETTERS = int(os.environ.get("FAULTS_LETTERS", "200"))
N_SIGNATURES = int(os.environ.get("FAULTS_SIGNATURES", "200"))
THREADS = int(os.environ.get("FAULTS_THREADS", "4"))
QUIET_SECONDS = float(os.environ.get("FAULTS_QUIET_SECONDS", "90"))
SLACK = float(os.environ.get("FAULTS_SLACK_SECONDS", "1.0"))
LOAD_SECONDS = 120  # no submission is started after this
# The whole run, setup included; the wait for quiet is cut to fit in it.
BUDGET_SECONDS = float(os.environ.get("FAULTS_BUDGET_SECONDS", "285"))
HTTP_TIMEOUT = 20
# Port ranges (loopback): the first free port in each is taken.
PORTS = {
    "web": (8100, 8199),
    "postgres": (5440, 5449),
    "redis": (6390, 6399),
    "smtp": (2525, 2535),
}

T0 = time.monotonic()


def now() -> float:
    return time.monotonic() - T0


def say(message: str) -> None:
    print(f"[faults {now():6.1f}s] {message}", flush=True)


def free_port(lo: int, hi: int) -> int:
    for port in range(lo, hi + 1):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


def wait_for(predicate, timeout: float, what: str, every: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- the stack -------------------------------------------------------------------


class Stack:
    """Every process of the run, each in its own process group, all stopped by cleanup()."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="solidarity-faults-"))
        self.tmp.chmod(0o755)  # the postgres user must reach its folder inside
        self.ports = {name: free_port(*r) for name, r in PORTS.items()}
        self.procs: dict[str, subprocess.Popen] = {}
        # Processes the fault plan is restarting itself; any other exit is
        # unplanned, and supervise() restarts it as compose's
        # `restart: unless-stopped` would, and counts it.
        self.expected_down: set[str] = set()
        self.unplanned_exits: Counter = Counter()
        self.supervisor: threading.Thread | None = None
        self.logs: list = []
        self.pg_bin = self._pg_bindir()
        self.pg_data = self.tmp / "pg"
        self.pg_started = False
        self.as_postgres = os.geteuid() == 0  # initdb refuses root
        self.deliveries = run_dir / "deliveries.jsonl"
        self.deliveries.write_text("")
        web = self.ports["web"]
        self.base = f"http://127.0.0.1:{web}"
        self.db_url = f"postgres://postgres@127.0.0.1:{self.ports['postgres']}/solidarity"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_STATIC_ROOT": str(self.tmp / "static"),
            "DJANGO_MEDIA_ROOT": str(self.tmp / "media"),
            "DATABASE_URL": self.db_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.ports['smtp']}",
            "SITE_URL": self.base,
            "CACHE_KEY_PREFIX": "faults",
            "LOG_LEVEL": "WARNING",
            # Every submission comes from 127.0.0.1: no rate limit, no typing delay.
            "FORM_MIN_SECONDS": "0",
            "LETTERS_RATE_LIMIT_PER_HOUR": "1000000",
            "SIGNATURE_RATE_LIMIT": "1000000",
            # Short intervals, so that catching up fits in the run. The outbox
            # sweep interval is issue 10's OUTBOX_SWEEP_SECONDS.
            "TALLY_RECONCILE_SECONDS": "15",
            "TALLY_COALESCE_SECONDS": "1",
            "OUTBOX_SWEEP_SECONDS": "5",
        }

    # -- helpers
    def log(self, name: str):
        handle = open(self.run_dir / f"{name}.log", "a")  # noqa: SIM115 (closed in cleanup)
        self.logs.append(handle)
        return handle

    def _pg_bindir(self) -> Path:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if candidates:
            return candidates[-1].parent
        found = shutil.which("initdb")
        if not found:
            raise RuntimeError("PostgreSQL's initdb not found (apt-get install postgresql)")
        return Path(found).parent

    def pg(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.pg_bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(  # noqa: S603
            cmd, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.tmp
        )

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self.log(name),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: a kill reaches its children
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)

    # -- services
    def start_postgres(self) -> None:
        if not self.pg_data.exists():
            self.pg_data.mkdir()
            if self.as_postgres:
                shutil.chown(self.pg_data, "postgres", "postgres")
            self.pg("initdb", "-D", str(self.pg_data), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
            pg_log = self.run_dir / "postgres.log"
            pg_log.touch()
            if self.as_postgres:
                shutil.chown(pg_log, "postgres", "postgres")
        options = (
            f"-p {self.ports['postgres']} -k {self.pg_data} -c listen_addresses=127.0.0.1 "
            # The OS does not crash here, only the server: fsync buys nothing.
            "-c fsync=off -c max_connections=60"
        )
        self.pg("pg_ctl", "-D", str(self.pg_data), "-l", str(self.run_dir / "postgres.log"),
                "-o", options, "-w", "-t", "60", "start")  # fmt: skip
        self.pg_started = True

    def stop_postgres_immediate(self) -> None:
        self.pg("pg_ctl", "-D", str(self.pg_data), "-m", "immediate", "-w", "stop")

    def start_redis(self) -> None:
        port = self.ports["redis"]
        self.spawn("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"])  # fmt: skip
        wait_for(lambda: port_open(port), 20, "Redis")

    def start_sink(self) -> None:
        port = self.ports["smtp"]
        self.spawn("smtp-sink", [PYTHON, str(ROOT / "scripts" / "smtp_sink.py"),
                                 "--port", str(port), "--out", str(self.deliveries)])  # fmt: skip
        wait_for(lambda: port_open(port), 20, "the SMTP sink")

    def start_gunicorn(self) -> None:
        self.spawn("gunicorn", [PYTHON, "-m", "gunicorn", "config.wsgi:application",
                                "--bind", f"127.0.0.1:{self.ports['web']}", "--workers", "2",
                                "--timeout", "30", "--graceful-timeout", "5"])  # fmt: skip
        wait_for(lambda: request("GET", self.base + "/healthz")[0] == 200, 60, "gunicorn /healthz")

    def gunicorn_workers(self) -> list[int]:
        master = self.procs["gunicorn"].pid
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
        return [int(pid) for pid in text.split()]

    def start_worker(self) -> None:
        self.spawn("worker", [PYTHON, "-m", "celery", "-A", "config", "worker",
                              "--loglevel=INFO", "--concurrency=2", "--without-gossip",
                              "--without-mingle", "-n", f"faults-{os.getpid()}@%h"])  # fmt: skip

    def start_beat(self) -> None:
        self.spawn("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
                            "--schedule", str(self.tmp / "beat-schedule")])  # fmt: skip

    def supervise(self, stop: threading.Event) -> None:
        starters = {
            "worker": self.start_worker,
            "beat": self.start_beat,
            "gunicorn": self.start_gunicorn,
            "smtp-sink": self.start_sink,
        }
        while not stop.wait(1):
            for name, start in starters.items():
                proc = self.procs.get(name)
                if name in self.expected_down or proc is None or proc.poll() is None:
                    continue
                self.unplanned_exits[name] += 1
                say(f"{name} exited by itself (status {proc.returncode}): restarting it")
                with contextlib.suppress(Exception):
                    start()

    def cleanup(self) -> None:
        if self.supervisor is not None:  # its stop event is set: let it finish a restart
            self.supervisor.join(timeout=70)
        for name in ("gunicorn", "beat", "worker"):
            self.kill(name, signal.SIGTERM)
        for name in list(self.procs):
            self.kill(name, signal.SIGKILL)
        if self.pg_started:
            with contextlib.suppress(Exception):
                self.stop_postgres_immediate()
        for handle in self.logs:
            handle.close()
        if os.environ.get("FAULTS_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- HTTP: one visitor at a time, cookies by hand (Secure cookies over loopback http) ----


def request(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None):
    parts = urllib.parse.urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


class FormParser(HTMLParser):
    """The first <form method=post>, with its fields as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] | None = None
        self._select = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and self.fields is None:
            self.fields = {}
        if self.fields is None or self._done:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a or name not in self.fields:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and a.get("value")
            and ("selected" in a or self._select not in self.fields)
        ):
            self.fields[self._select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.fields is not None:
            self._done = True


def parse_form(page: bytes) -> dict[str, str] | None:
    parser = FormParser()
    parser.feed(page.decode("utf-8", "replace"))
    return parser.fields


@dataclass
class Record:
    kind: str  # letter-form, letter-post, sign-form, sign-post, confirm-get, confirm-post
    method: str
    path: str
    start: float
    end: float
    status: int | None  # None: the connection failed
    error: str = ""
    kept_text: bool | None = None  # a POST's 503: the form and the posted text came back


@dataclass
class Run:
    stack: Stack
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: list[Record] = field(default_factory=list)
    acked: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    attempted: Counter = field(default_factory=Counter)
    done: int = 0
    total: int = 0
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    confirm_queue: queue.Queue = field(default_factory=queue.Queue)
    confirm_seen: set = field(default_factory=set)
    confirm_finished: int = 0
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))


class Visitor:
    """One person: a cookie jar, and every request written down."""

    def __init__(self, run: Run):
        self.run = run
        self.cookies: dict[str, str] = {}

    def send(self, kind, method, path, *, data: dict | None = None, marker: str = ""):
        base = self.run.stack.base
        headers = {"X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = base.replace("http://", "https://")
        start = now()
        try:
            status, response_headers, page = request(
                method, base + path, body=body, headers=headers
            )
        except (OSError, TimeoutError) as exc:
            self._note(Record(kind, method, path, start, now(), None, repr(exc)[:200]))
            return None, {}, b""
        record = Record(kind, method, path, start, now(), status)
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if status == 503 and method == "POST":
            text = page.decode("utf-8", "replace")
            record.kept_text = "<form" in text and (not marker or marker in html.unescape(text))
        if status >= 400 or (status == 200 and method == "POST"):
            record.error = _errors_in(page)
        self._note(record)
        return status, {k.lower(): v for k, v in response_headers}, page

    def _note(self, record: Record) -> None:
        with self.run.lock:
            self.run.records.append(record)


def _errors_in(page: bytes) -> str:
    text = page.decode("utf-8", "replace")
    found = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    words = re.sub(r"<[^>]+>", " ", " ".join(found) or (title.group(1) if title else text[:200]))
    return re.sub(r"\s+", " ", html.unescape(words)).strip()[:200]


def local(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def submit(run: Run, kind: str, n: int) -> None:
    """Fetch the form, fill it, POST; a 503 that kept the form is sent again, as a person would."""
    visitor = Visitor(run)
    email = f"{run.run_id}-{kind[0]}{n}@{MAIL_DOMAIN}"
    marker = f"faultmark{run.run_id}x{kind[0]}{n}"
    if kind == "letter":
        path = f"/prisoners/{PRISONER}/write/"
        filled = {
            "kind": "letter",
            "sender_name": f"Writer {n}",
            "sender_email": email,
            "country": COUNTRIES[n % len(COUNTRIES)],
            "body": f"Dear Mikalai, we think of you every day. Solidarity, {marker}. " * 2,
            "consent": "on",
            "website": "",
        }
        done_path = f"/prisoners/{PRISONER}/write/sent/"
    else:
        path = f"/campaigns/{CAMPAIGN}/sign/"
        filled = {
            "display_name": f"Signer {marker}",
            "email": email,
            "country": COUNTRIES[n % len(COUNTRIES)],
            "website": "",
        }
        done_path = f"/campaigns/{CAMPAIGN}/"
    with run.lock:
        run.attempted[kind] += 1
    deadline = time.monotonic() + 40
    form = None
    while time.monotonic() < deadline and not run.stop.is_set():
        if form is None:
            status, _, page = visitor.send(f"{kind}-form", "GET", path)
            form = parse_form(page) if status == 200 else None
            if form is None:
                time.sleep(0.5)
                continue
        status, headers, page = visitor.send(
            f"{kind}-post", "POST", path, data={**form, **filled}, marker=marker
        )
        if status in (302, 303) and urllib.parse.urlsplit(headers.get("location", "")).path == (
            done_path
        ):
            with run.lock:
                run.acked[kind].add(email)
            # The page the browser shows next, with the success message.
            visitor.send(f"{kind}-done", "GET", local(headers["location"]))
            return
        if status == 503:
            # The page kept the form: send it again (fresh stamp and token from it).
            form = parse_form(page)
            time.sleep(0.5)
            continue
        return  # refused, an error or a dropped connection: written down, not retried


def confirm(run: Run, email: str, link: str) -> None:
    visitor = Visitor(run)
    path = urllib.parse.urlsplit(link).path
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not run.stop.is_set():
        status, _, page = visitor.send("confirm-get", "GET", path)
        form = parse_form(page) if status == 200 else None
        if form is None:
            if status in (503, None):
                time.sleep(0.5)
                continue
            return
        status, headers, _ = visitor.send("confirm-post", "POST", path, data=form)
        if status in (302, 303):
            with run.lock:
                run.acked["confirmation"].add(email)
            visitor.send("confirm-done", "GET", local(headers.get("location", "/")))
            return
        if status == 503:
            time.sleep(0.5)
            continue
        return


PUBLIC_PAGES = [
    "/",
    f"/campaigns/{CAMPAIGN}/",
    f"/api/campaigns/{CAMPAIGN}/tally/",
    f"/prisoners/{PRISONER}/",
    "/map/",
    "/events/",
]


def reader(run: Run) -> None:
    """A visitor without cookies reading public pages (the page cache's path) and /healthz."""
    n = 0
    while not run.stop.is_set():
        Visitor(run).send("page", "GET", PUBLIC_PAGES[n % len(PUBLIC_PAGES)])
        if n % len(PUBLIC_PAGES) == 0:
            Visitor(run).send("healthz", "GET", "/healthz")
        n += 1
        time.sleep(0.2)


def read_deliveries(stack: Stack) -> list[dict]:
    out = []
    for line in stack.deliveries.read_text().splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


CONFIRM_LINK = re.compile(r"https?://\S+/sign/confirm/[\w-]+/")
WITHDRAW_LINK = re.compile(r"/letters/withdraw/[\w-]+/")


def mail_kind(mail: dict) -> str:
    if CONFIRM_LINK.search(mail["body"]):
        return "signature confirmation"
    if WITHDRAW_LINK.search(mail["body"]) and "/edit/" not in mail["body"]:
        return "letter received"
    return "other: " + mail["subject"][:60]


def mail_watcher(run: Run) -> None:
    """Queue a confirmation for each acknowledged signature whose link arrived."""
    while not run.stop.is_set():
        for mail in read_deliveries(run.stack):
            match = CONFIRM_LINK.search(mail["body"])
            if not match:
                continue
            with run.lock:
                if mail["to"] in run.confirm_seen or mail["to"] not in run.acked["signature"]:
                    continue
                run.confirm_seen.add(mail["to"])
            run.confirm_queue.put((mail["to"], match.group(0)))
        time.sleep(0.5)


def confirmer(run: Run) -> None:
    while not run.stop.is_set():
        try:
            email, link = run.confirm_queue.get(timeout=0.5)
        except queue.Empty:
            continue
        try:
            confirm(run, email, link)
        except Exception:
            traceback.print_exc()
        with run.lock:
            run.confirm_finished += 1


def submitter(run: Run, jobs: queue.Queue, load_deadline: float) -> None:
    while not run.stop.is_set() and time.monotonic() < load_deadline:
        try:
            kind, n = jobs.get_nowait()
        except queue.Empty:
            return
        try:
            submit(run, kind, n)
        except Exception:
            traceback.print_exc()
        with run.lock:
            run.done += 1


# --- faults ---------------------------------------------------------------------


def fault_plan(run: Run) -> None:
    """Each fault when a share of the submissions is through, so each meets load."""
    stack = run.stack

    def at(share: float) -> None:
        while not run.stop.is_set() and run.done < share * run.total:
            time.sleep(0.1)

    def kill_worker():
        start = now()
        stack.expected_down.add("worker")
        stack.kill("worker")  # -9 to the whole group: the pool's children too
        say("Celery worker killed with -9")
        time.sleep(2)
        stack.start_worker()
        stack.expected_down.discard("worker")
        run.windows["worker killed"] = (start, now())

    def restart_redis():
        start = now()
        stack.kill("redis")
        say("Redis killed with -9")
        time.sleep(3)
        stack.start_redis()
        run.windows["Redis down"] = (start, now())
        say("Redis restarted, empty")

    def restart_postgres():
        start = now()
        stack.stop_postgres_immediate()
        say("PostgreSQL stopped (-m immediate)")
        time.sleep(2)
        stack.start_postgres()
        run.windows["PostgreSQL down"] = (start, now())
        say(f"PostgreSQL back after {now() - start:.1f} s")

    def kill_gunicorn_worker():
        victim = stack.gunicorn_workers()[0]
        start = now()
        os.kill(victim, signal.SIGKILL)
        run.windows["gunicorn worker killed"] = (start, start)
        say(f"gunicorn worker {victim} killed with -9")

    for share, action in (
        (0.15, kill_worker),
        (0.35, restart_redis),
        (0.55, restart_postgres),
        (0.75, kill_gunicorn_worker),
    ):
        at(share)
        if run.stop.is_set():
            return
        try:
            action()
        except Exception:
            say(f"fault {action.__name__} failed:\n{traceback.format_exc()}")


# --- checks ---------------------------------------------------------------------


def db_query(stack: Stack, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(stack.db_url, connect_timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


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


def tally_mismatches(stack: Stack, only: int | None = None) -> list[str]:
    """Tally, DailyTally and campaign totals against the ledger summed from scratch.

    ``only``: one campaign's id (the demo's ended campaigns are not reconciled).
    """
    out = []
    ledger = {
        (c, country, kind): q
        for c, country, kind, q in db_query(
            stack,
            "SELECT campaign_id, country, kind, SUM(quantity) FROM campaigns_action "
            "GROUP BY 1, 2, 3",
        )
    }
    tallies = {
        (c, country, kind): q
        for c, country, kind, q in db_query(
            stack, "SELECT campaign_id, country, kind, quantity FROM campaigns_tally"
        )
        if q
    }
    for key in sorted(set(ledger) | set(tallies), key=str):
        if only is not None and key[0] != only:
            continue
        if ledger.get(key, 0) != tallies.get(key, 0):
            out.append(f"tally {key}: rows say {tallies.get(key, 0)}, ledger {ledger.get(key, 0)}")
    days = {
        (c, d): q
        for c, d, q in db_query(
            stack,
            "SELECT campaign_id, (occurred_at AT TIME ZONE 'UTC')::date, SUM(quantity) "
            "FROM campaigns_action GROUP BY 1, 2",
        )
    }
    daily = {
        (c, d): q
        for c, d, q in db_query(
            stack, "SELECT campaign_id, day, quantity FROM campaigns_dailytally"
        )
        if q
    }
    for key in sorted(set(days) | set(daily), key=str):
        if only is not None and key[0] != only:
            continue
        if days.get(key, 0) != daily.get(key, 0):
            out.append(f"daily tally {key}: rows say {daily.get(key, 0)}, ledger {days.get(key)}")
    totals = dict(db_query(stack, "SELECT id, actions_total FROM campaigns_campaign"))
    per_campaign = Counter()
    for (c, _, _), q in ledger.items():
        per_campaign[c] += q
    for c, total in totals.items():
        if (only is None or c == only) and total != per_campaign[c]:
            out.append(f"campaign {c} total: {total}, ledger {per_campaign[c]}")
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


RECONCILE = (
    "import datetime as dt, json; from campaigns.services import tallies_reconcile; "
    "print(json.dumps({'drifted_campaigns': tallies_reconcile(stale_after=dt.timedelta(0))}))"
)
SEED = f"""
import datetime as dt
from django.utils import timezone
from campaigns.models import Campaign
from prisoners.models import Prisoner
campaign, _ = Campaign.objects.update_or_create(
    slug={CAMPAIGN!r},
    defaults=dict(title="Fault run petition", kind=Campaign.Kind.PETITION, is_published=True,
                  starts_on=timezone.localdate() - dt.timedelta(days=1), ends_on=None),
)
campaign.prisoners.set([Prisoner.objects.get(slug={PRISONER!r})])
"""


def main() -> int:
    run_dir = ROOT / "var" / "faults" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    run_dir.mkdir(parents=True)
    stack = Stack(run_dir)
    run = Run(stack)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    say(f"logs and records in {run_dir.relative_to(ROOT)}; ports {stack.ports}")
    try:
        try:
            stack.start_postgres()
            db_query_admin(stack, "CREATE DATABASE solidarity")
            stack.start_redis()
            stack.start_sink()
            say("PostgreSQL, Redis and the SMTP sink are up; migrating and seeding")
            stack.manage("migrate", "--noinput")
            stack.manage("collectstatic", "--noinput")
            stack.manage("seed_demo", "--no-admin")
            stack.manage("shell", "-c", SEED)
            stack.start_gunicorn()
            stack.start_worker()
            stack.start_beat()
        except Exception:
            say(f"the stack did not start:\n{traceback.format_exc()}")
            return 2
        setup = now()
        say(f"stack up in {setup:.1f} s: gunicorn at {stack.base}, worker, beat")

        jobs: queue.Queue = queue.Queue()
        for n in range(max(N_LETTERS, N_SIGNATURES)):
            if n < N_LETTERS:
                jobs.put(("letter", n))
            if n < N_SIGNATURES:
                jobs.put(("signature", n))
        run.total = jobs.qsize()
        load_deadline = time.monotonic() + LOAD_SECONDS
        stack.supervisor = threading.Thread(target=stack.supervise, args=(run.stop,), daemon=True)
        stack.supervisor.start()
        threads = [threading.Thread(target=fault_plan, args=(run,), daemon=True)]
        threads += [
            threading.Thread(target=submitter, args=(run, jobs, load_deadline), daemon=True)
            for _ in range(THREADS)
        ]
        helpers = [
            threading.Thread(target=mail_watcher, args=(run,), daemon=True),
            threading.Thread(target=reader, args=(run,), daemon=True),
        ]
        helpers += [threading.Thread(target=confirmer, args=(run,), daemon=True) for _ in range(2)]
        for t in threads + helpers:
            t.start()
        say(f"driving {run.total} submissions from {THREADS} threads, faults on the way")
        for t in threads[1:]:
            t.join()
        threads[0].join(timeout=30)  # the last fault, if the load outran it
        load = now() - setup
        say(f"load done in {load:.1f} s; waiting (at most {QUIET_SECONDS:.0f} s) for quiet")
        quiet = wait_for_quiet(run)
        run.stop.set()
        for t in helpers:
            t.join(timeout=5)  # daemons: one stuck in a request is left behind
        drift_before = tally_mismatches(stack, only=campaign_id(stack))
        reconcile_out = stack.manage("shell", "-c", RECONCILE).strip().splitlines()[-1]
        code = check(run, quiet, reconcile_out, drift_before)
        print(
            f"\ndurations: setup {setup:.1f} s, load {load:.1f} s, quiet {quiet:.1f} s, "
            f"total {now():.1f} s"
        )
        print(f"records: {run_dir.relative_to(ROOT)}")
        print("make faults: " + ("FAILED" if code else "passed"))
        return code
    except KeyboardInterrupt:
        say("interrupted: stopping everything")
        return 130
    finally:
        run.stop.set()
        stack.cleanup()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def db_query_admin(stack: Stack, sql: str) -> None:
    import psycopg

    url = stack.db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


if __name__ == "__main__":
    sys.exit(main())
