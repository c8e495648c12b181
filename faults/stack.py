"""The private stack: PostgreSQL, Redis, the SMTP sink, gunicorn, worker and beat."""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

from faults.common import PORTS, PYTHON, ROOT, free_port, port_open, request, say, wait_for


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
            # The lease after which a mail claimed by a killed worker is sent
            # again, scaled down with the SMTP timeout it must outlast, so the
            # retry happens within the wait for quiet.
            "OUTBOX_LEASE_SECONDS": "25",
            "OUTBOX_SMTP_TIMEOUT_SECONDS": "10",
            # gunicorn.conf.py's variables (start_gunicorn).
            "GUNICORN_BIND": f"127.0.0.1:{web}",
            "WEB_CONCURRENCY": "2",
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
        self.spawn("smtp-sink", [PYTHON, str(ROOT / "faults" / "smtp_sink.py"),
                                 "--port", str(port), "--out", str(self.deliveries)])  # fmt: skip
        wait_for(lambda: port_open(port), 20, "the SMTP sink")

    def start_gunicorn(self) -> None:
        # Production's gunicorn.conf.py (timeouts, recycling, the address-free
        # logger); the address and the two workers come through the variables
        # it reads (GUNICORN_BIND, WEB_CONCURRENCY in self.env).
        self.spawn("gunicorn", [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "config.wsgi:application"])  # fmt: skip
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


def db_query(stack: Stack, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(stack.db_url, connect_timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


def db_query_admin(stack: Stack, sql: str) -> None:
    import psycopg

    url = stack.db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)
