"""Instrumentation for `make bench`: what a request costs, counted, not remembered.

* ``cpu_snapshot``: CPU seconds used so far by each part of the stack (gunicorn,
  PostgreSQL, Redis, the Celery worker, wrk), read from /proc; the difference
  over a wrk run divided by its requests is each part's CPU per request.
* ``Counters``: in one process, the SQL queries, Redis round-trips (a pipeline
  or a script is one), Celery tasks published and mails handed to a mail
  backend while a block runs.
* ``Statements``: in one process, each SQL statement's kind and table with
  its count and time, so a cost is explained by the statements it ran.
* ``submission_profile``: one submission in process, as wrk sends it, timed
  against the trivial view and counted with ``Counters``, with the project's
  own functions that cost the most (cProfile).
"""

from __future__ import annotations

import contextlib
import cProfile
import os
import pstats
import re
import statistics
import time
from collections import Counter
from pathlib import Path

GROUPS = ("gunicorn", "postgres", "redis", "celery", "wrk")
_TICK = os.sysconf("SC_CLK_TCK")


def _group(pid: str) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:  # gone between listing and reading
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    if "gunicorn" in cmdline:
        return "gunicorn"
    if "celery" in cmdline:
        return "celery"
    if comm.startswith("postgres") or cmdline.startswith("postgres:"):
        return "postgres"
    if comm.startswith("redis-server"):
        return "redis"
    if comm == "wrk":
        return "wrk"
    return None


def _seconds(pid: str) -> float:
    """utime + stime of the process and of its children it has reaped: a
    PostgreSQL backend or a recycled gunicorn worker that ended during the
    run is counted in its parent's cutime/cstime."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the comm: state(0) ppid ... utime(11) stime(12) cutime(13) cstime(14)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / _TICK


def cpu_snapshot() -> dict[str, float]:
    out = dict.fromkeys(GROUPS, 0.0)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            group = _group(pid)
            if group:
                out[group] += _seconds(pid)
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    out["machine_busy"] = (sum(cpu) - cpu[3] - cpu[4]) / _TICK  # all but idle and iowait
    out["machine_all"] = sum(cpu) / _TICK
    return out


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request for each part, and the machine's busy share."""
    if not requests:
        return {}
    out = {g: (after[g] - before[g]) * 1000 / requests for g in GROUPS}
    wall = after["machine_all"] - before["machine_all"]
    out["machine_busy_share"] = (
        (after["machine_busy"] - before["machine_busy"]) / wall if wall else 0.0
    )
    return out


def _machine() -> tuple[float, float]:
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return sum(cpu) - cpu[3] - cpu[4], sum(cpu)


def settle(*, busy_below: float = 0.15, window: float = 1.0, limit: float = 90.0) -> float:
    """Wait until the machine is nearly idle (the worker has sent the mail and
    refreshed the tallies a submission run left behind, PostgreSQL has
    checkpointed), so one scenario's backlog is not charged to the next.
    Returns the seconds waited; gives up after `limit`."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        busy0, all0 = _machine()
        time.sleep(window)
        busy1, all1 = _machine()
        if all1 > all0 and (busy1 - busy0) / (all1 - all0) < busy_below:
            break
    return time.monotonic() - started


class Counters:
    """Count what a block of code does over the wire, in this process."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.redis_commands: Counter = Counter()
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        from unittest import mock

        import redis.connection
        from celery.app.task import Task
        from django.core.mail.message import EmailMessage
        from django.db import connections

        counts, commands = self.counts, self.redis_commands

        real_send = redis.connection.AbstractConnection.send_packed_command

        def send_packed_command(conn, command, check_health=True):
            # One call per round-trip: a command, a pipeline or a script.
            counts["redis_round_trips"] += 1
            parts = command if isinstance(command, list | tuple) else [command]
            for part in parts:
                for word in _redis_command_names(bytes(part)):
                    commands[word] += 1
            return real_send(conn, command, check_health)

        real_apply = Task.apply_async

        def apply_async(task, *args, **kwargs):
            counts["tasks_published"] += 1
            return real_apply(task, *args, **kwargs)

        real_mail = EmailMessage.send

        def send(message, *args, **kwargs):
            counts["mails_sent"] += 1
            return real_mail(message, *args, **kwargs)

        def count_query(execute, sql, params, many, context):
            counts["sql_queries"] += 1
            return execute(sql, params, many, context)

        self._stack.enter_context(
            mock.patch.object(
                redis.connection.AbstractConnection, "send_packed_command", send_packed_command
            )
        )
        self._stack.enter_context(mock.patch.object(Task, "apply_async", apply_async))
        self._stack.enter_context(mock.patch.object(EmailMessage, "send", send))
        for alias in connections:
            self._stack.enter_context(connections[alias].execute_wrapper(count_query))
        return self

    def __exit__(self, *exc):
        self._stack.close()
        return False


_TABLE_AFTER = {
    "INSERT": re.compile(r'\bINTO\s+"?(\w+)', re.IGNORECASE),
    "UPDATE": re.compile(r'\bUPDATE\s+"?(\w+)', re.IGNORECASE),
    "DELETE": re.compile(r'\bDELETE\s+FROM\s+"?(\w+)', re.IGNORECASE),
    "SELECT": re.compile(r'\bFROM\s+"?(\w+)', re.IGNORECASE),
}


def statement_label(sql: str) -> str:
    """A statement's verb and table: ``INSERT letters_letterlog``; for a
    ``WITH`` the first write it does, else ``SELECT`` and its first table."""
    words = sql.split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "savepoint"
    if verb == "WITH":
        upper = sql.upper()
        found = [(upper.find(w), w) for w in ("INSERT INTO", "UPDATE ", "DELETE FROM")]
        found = [(at, w) for at, w in found if at >= 0]
        verb = min(found)[1].split()[0] if found else "SELECT"
        prefix = "WITH … "
    else:
        prefix = ""
    pattern = _TABLE_AFTER.get(verb)
    match = pattern.search(sql) if pattern else None
    return f"{prefix}{verb} {match.group(1)}" if match else f"{prefix}{verb}"


class Statements:
    """Each SQL statement run in this process while the block runs, by label:
    ``{label: [count, seconds]}``."""

    def __init__(self):
        self.by_label: dict[str, list] = {}
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        from django.db import connections

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                entry = self.by_label.setdefault(statement_label(sql), [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - started

        for alias in connections:
            self._stack.enter_context(connections[alias].execute_wrapper(timed))
        return self

    def __exit__(self, *exc):
        self._stack.close()
        return False

    def summary(self, top: int = 4) -> dict:
        """Statements in all and the ``top`` costliest labels, milliseconds."""
        ranked = sorted(self.by_label.items(), key=lambda kv: -kv[1][1])
        return {
            "statements": sum(count for count, _ in self.by_label.values()),
            "sql_ms": sum(seconds for _, seconds in self.by_label.values()) * 1000,
            "top": [
                {"label": label, "count": count, "ms": seconds * 1000}
                for label, (count, seconds) in ranked[:top]
            ],
        }


def _redis_command_names(packed: bytes) -> list[str]:
    """The command names in a packed RESP request (each array's first bulk string)."""
    names = []
    lines = packed.split(b"\r\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith(b"*") and i + 2 < len(lines) and lines[i + 1].startswith(b"$"):
            names.append(lines[i + 2].decode(errors="replace").upper())
            i += 3
        else:
            i += 1
    return names


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def submission_profile(
    path: str, body_for, *, runs: int, cookie: str, origin: str, top: int = 8
) -> dict:
    """POST `body_for(n)` to `path` `runs` times in process, as wrk does, against
    the trivial view: median milliseconds, counts per submission, and the
    project's own functions with the most cumulative time (cProfile)."""
    from django.test import Client

    client = Client(HTTP_ORIGIN=origin)
    client.cookies.load(cookie)

    def post(n: int):
        return client.post(
            path,
            body_for(n),
            content_type="application/x-www-form-urlencoded",
            secure=True,
            HTTP_X_REAL_IP=f"10.250.{n // 256 % 256}.{n % 256}",
        )

    def ceiling():
        return client.get("/bench/ceiling", secure=True)

    n = 10_000_000
    status = post(n).status_code  # warm: imports, templates, connections
    if status not in (302, 303):
        return {"absent": f"not measured: the in-process POST answered {status}"}
    ceiling()
    samples: dict[str, list[float]] = {"submission": [], "ceiling": []}
    refused = 0
    for _ in range(runs):  # interleaved, so other load hits both alike
        n += 1
        started = time.perf_counter()
        refused += post(n).status_code not in (302, 303)
        samples["submission"].append(time.perf_counter() - started)
        started = time.perf_counter()
        ceiling()
        samples["ceiling"].append(time.perf_counter() - started)
    n += 1
    with Counters() as counters:
        post(n)
    profiler = cProfile.Profile()
    profiled = max(runs // 2, 20)
    profiler.enable()
    for _ in range(profiled):
        n += 1
        post(n)
    profiler.disable()
    return {
        "submission_ms": _median_ms(samples["submission"]),
        "ceiling_ms": _median_ms(samples["ceiling"]),
        "runs": runs,
        "refused": refused,
        "counts": dict(counters.counts),
        "redis_commands": dict(counters.redis_commands),
        "top": _own_functions(profiler, per=profiled, top=top),
    }


def _own_functions(profiler: cProfile.Profile, *, per: int, top: int) -> list[dict]:
    """The project's own functions by cumulative time per call of the whole (ms)."""
    root = str(Path(__file__).resolve().parent.parent)
    stats = pstats.Stats(profiler).stats
    rows = []
    for (filename, line, name), (_cc, _nc, _tt, ct, _callers) in stats.items():
        if not filename.startswith(root) or "/.venv/" in filename or "/bench/" in filename:
            continue
        if name == "__call__":  # a middleware: its cumulative time is everything after it
            continue
        relative = os.path.relpath(filename, root)
        rows.append({"function": f"{relative}:{name}", "line": line, "ms": ct * 1000 / per})
    rows.sort(key=lambda r: r["ms"], reverse=True)
    return rows[:top]
