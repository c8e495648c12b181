"""gunicorn, run with the repository's gunicorn.conf.py, logs no client address."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.gunicorn_log import scrub

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port: int, raw: bytes) -> bytes:
    # The worker loads Django on its first request: seconds on a busy machine.
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(raw)
        return s.recv(4096)


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "gunicorn-log-test-0123456789-0123456789-0123456789",
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--access-logfile", str(log), "--error-logfile", str(log)],
        cwd=ROOT,  # where gunicorn finds gunicorn.conf.py, as in the image
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port, log
    proc.terminate()
    proc.wait(timeout=10)


def test_neither_the_access_log_nor_the_error_log_holds_the_client_address(gunicorn):
    port, log = gunicorn
    assert send(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    # What gunicorn logs as "Invalid request from ip=...".
    assert b"400" in send(port, b"GARBAGE\r\n\r\n")
    # gunicorn writes its logs a moment after answering: wait for both lines.
    deadline = time.monotonic() + 10
    text = log.read_text()
    while time.monotonic() < deadline and not (
        "GET /healthz HTTP/1.1" in text and "Invalid request" in text
    ):
        time.sleep(0.05)
        text = log.read_text()
    assert "GET /healthz HTTP/1.1" in text
    assert "Invalid request from ip=-" in text
    assert "127.0.0.1" not in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Invalid request from ip=203.0.113.7: bad", "Invalid request from ip=-: bad"),
        ("Invalid request from ip=2001:db8::1: bad", "Invalid request from ip=-: bad"),
        ("peer 198.51.100.4 and fe80::1 left", "peer - and - left"),
        ("Booting worker with pid: 4242 at 12:30:01", "Booting worker with pid: 4242 at 12:30:01"),
    ],
)
def test_addresses_are_cut_out_of_messages(line, expected):
    assert scrub(line) == expected
