"""Constants, clock and small helpers shared by the fault run's modules."""

import contextlib
import os
import socket
import sys
import time
import urllib.parse
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
