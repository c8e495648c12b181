"""The visitors: submissions, confirmations from the delivered mail, page readers."""

import contextlib
import html
import json
import queue
import re
import secrets
import threading
import time
import traceback
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

from faults.common import CAMPAIGN, COUNTRIES, MAIL_DOMAIN, PRISONER, now, request
from faults.stack import Stack


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
