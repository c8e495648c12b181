"""`make faults` (`python -m faults.run`): real submissions while the stack breaks.

Starts its own PostgreSQL (initdb in a temporary folder), Redis, an SMTP sink
(faults/smtp_sink.py, aiosmtpd), gunicorn with two workers, a Celery worker
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

import datetime as dt
import os
import queue
import signal
import sys
import threading
import time
import traceback

from faults.checks import campaign_id, check, tally_mismatches, wait_for_quiet
from faults.common import (
    CAMPAIGN,
    LOAD_SECONDS,
    N_LETTERS,
    N_SIGNATURES,
    PRISONER,
    QUIET_SECONDS,
    ROOT,
    THREADS,
    now,
    say,
)
from faults.stack import Stack, db_query_admin
from faults.traffic import Run, confirmer, mail_watcher, reader, submitter


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


RECONCILE = (
    "import datetime as dt, json; from campaigns.services import tallies_reconcile; "
    "print(json.dumps({'drifted_campaigns': tallies_reconcile(stale_after=dt.timedelta(0))}))"
)
SEED = f"""
import contextlib
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


if __name__ == "__main__":
    sys.exit(main())
