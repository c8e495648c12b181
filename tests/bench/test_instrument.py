"""The bench's instruments: what BENCHMARKS.md says a request costs comes from these."""

import urllib.parse

import pytest
import redis
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection

from bench import instrument, report
from bench.run import stamp_new
from letters.models import Letter
from outbox.tasks import outbox_sweep


def test_it_reads_the_command_names_of_a_packed_pipeline():
    packed = redis.connection.Connection().pack_commands(
        [("SET", "a", "1", "NX"), ("INCRBY", "b", 1), ("EXPIRE", "b", 60)]
    )
    names = [n for part in packed for n in instrument._redis_command_names(bytes(part))]
    assert names == ["SET", "INCRBY", "EXPIRE"]


@pytest.mark.django_db
def test_it_counts_queries_tasks_published_and_mails_sent():
    with instrument.Counters() as counters:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        outbox_sweep.delay()  # eager on the embedded default, published to Redis in CI
        EmailMessage("Subject", "Body", to=["someone@example.org"]).send()
    assert counters.counts["sql_queries"] >= 2  # the sweep itself may query
    assert counters.counts["tasks_published"] == 1
    assert counters.counts["mails_sent"] == 1
    # Outside the block nothing is counted any more.
    EmailMessage("Subject", "Body", to=["someone@example.org"]).send()
    assert counters.counts["mails_sent"] == 1


@pytest.mark.worker  # needs a Redis server: REDIS_URL, as in CI
def test_a_pipeline_is_one_redis_round_trip_and_each_command_is_named():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.ping()  # connected: the handshake's own commands are not the test's
    with instrument.Counters() as counters:
        client.set("bench-instrument", 1)
        with client.pipeline() as pipe:
            pipe.incr("bench-instrument").expire("bench-instrument", 5).get("bench-instrument")
            pipe.execute()
    assert counters.counts["redis_round_trips"] == 2
    assert counters.redis_commands["INCRBY"] == 1
    assert counters.redis_commands["EXPIRE"] == 1
    assert counters.redis_commands["SET"] == 1
    assert counters.redis_commands["GET"] == 1


def test_cpu_per_request_divides_each_part_by_the_requests():
    before = dict.fromkeys(instrument.GROUPS, 1.0) | {"machine_busy": 10.0, "machine_all": 20.0}
    after = dict(before) | {"gunicorn": 1.5, "postgres": 1.2, "machine_busy": 13.0}
    after["machine_all"] = 24.0
    cpu = instrument.cpu_per_request(before, after, 100)
    assert cpu["gunicorn"] == pytest.approx(5.0)  # 0.5 s over 100 requests
    assert cpu["postgres"] == pytest.approx(2.0)
    assert cpu["redis"] == 0
    assert cpu["machine_busy_share"] == pytest.approx(0.75)


def test_the_stack_snapshot_reads_this_machines_processes():
    snapshot = instrument.cpu_snapshot()
    assert set(instrument.GROUPS) <= set(snapshot)
    assert snapshot["machine_all"] >= snapshot["machine_busy"] > 0


@pytest.mark.django_db
def test_a_bench_stamp_sends_a_letter_once_as_a_fetched_form_does(client, prisoner):
    stamp = stamp_new()
    body = {
        "kind": "letter",
        "language": "be",
        "body": "Stay strong, we remember you and write to you every week.",
        "sender_name": "Bench",
        "sender_email": "bench@example.org",
        "country": "PL",
        "consent": "on",
        "started": stamp,
        "website": "",
    }
    url = f"/prisoners/{prisoner.slug}/write/"
    assert (
        client.post(url, urllib.parse.urlencode(body), "application/x-www-form-urlencoded")[
            "Location"
        ]
        == f"/prisoners/{prisoner.slug}/write/sent/"
    )
    again = client.post(url, body)
    assert again.status_code == 200
    assert "already sent once" in again.text
    assert Letter.objects.count() == 1


def _run(http: dict, **extra) -> dict:
    return {
        "machine": {"cpus": 2},
        "http": http,
        **extra,
    }


def _scenario(kind: str, rps: float, best: float | None = None, **extra) -> dict:
    return {
        "kind": kind,
        "path": "/x",
        "rps": rps,
        "best_rps": best or rps,
        "p50_ms": 5.0,
        "p99_ms": 20.0,
        "errors": 0,
        "refused": 0,
        **extra,
    }


def test_the_ceiling_is_the_best_run_of_either_candidate_and_no_page_beats_it():
    http = {
        "trivial view (ceiling)": _scenario("ceiling", 700, best=750),
        "static file (ceiling)": _scenario("ceiling", 900, best=1000),
        "map page": _scenario("page", 950),
        "events list": _scenario("page", 800),
    }
    rows = {r[0]: r for r in report.rows(_run(http))}
    assert report.ceiling_of(http) == 1000
    assert rows["events list"][2] == "0.80× ceiling"
    assert rows["events list"][4] == "pass"
    assert rows["map page"][4] == "pass"
    http["map page"] = _scenario("page", 1100)
    rows = {r[0]: r for r in report.rows(_run(http))}
    assert rows["map page"][4] == "**miss**"
    assert "above the ceiling" in rows["map page"][5]


def test_a_submissions_account_says_only_what_was_measured():
    http = {
        "trivial view (ceiling)": _scenario("ceiling", 1000),
        "letter submission": _scenario(
            "submission",
            250,
            cpu_ms={
                "gunicorn": 4.0,
                "postgres": 2.0,
                "redis": 0.5,
                "celery": 0.0,
                "wrk": 0.1,
                "machine_busy_share": 0.97,
            },
        ),
    }
    in_process = {
        "letter submission": {
            "submission_ms": 3.0,
            "ceiling_ms": 0.75,
            "runs": 300,
            "refused": 0,
            "counts": {"sql_queries": 3, "redis_round_trips": 1, "tasks_published": 0},
            "redis_commands": {"EVALSHA": 1},
            "top": [{"function": "letters/views.py:write", "line": 1, "ms": 2.5}],
        }
    }
    rows = {r[0]: r for r in report.rows(_run(http, submissions_in_process=in_process))}
    account = rows["letter submission"][5]
    assert rows["letter submission"][4] == "**miss**"  # 250/s is short of 300/s
    assert "6.60 ms in all" in account
    assert "2 cores bound it at about 303/s" in account
    assert "97% busy" in account
    assert "3 SQL queries, 1 Redis round-trip (EVALSHA), 0 tasks published" in account
    assert "`letters/views.py:write` 2.50 ms" in account
    in_process_row = rows["letter submission in process"]
    assert in_process_row[2] == "4.00× trivial view"
    assert in_process_row[4] == "pass"


def test_benchmarks_md_shows_both_presets_side_by_side():
    def results(preset, rps):
        return {
            "preset": preset,
            "date": "2026-12-02T00:00:00+00:00",
            "commit": "abc1234",
            "machine": {
                "cpus": 2,
                "cpu": "x",
                "memory_gb": 1,
                "python": "3.11",
                "load_before": 0.1,
            },
            "settings": {"workers": 5, "connections": 16, "duration": 10, "runs": 3},
            "http": {
                "trivial view (ceiling)": _scenario("ceiling", 1000),
                "map page": _scenario("page", rps),
            },
        }

    text = report.markdown({"small": results("small", 900), "full": results("full", 600)})
    assert "| map page | pass (0.90× ceiling) | **miss** (0.60× ceiling) |" in text
    assert "## The `small` preset" in text and "## The `full` preset" in text


@pytest.mark.django_db
def test_statements_are_counted_and_timed_by_verb_and_table(prisoner):
    with instrument.Statements() as statements:
        list(Letter.objects.filter(prisoner=prisoner))
        Letter.objects.filter(prisoner=prisoner).update(body="x")
        Letter.objects.filter(prisoner=prisoner).update(body="y")
    summary = statements.summary()
    assert summary["statements"] == 3
    labels = {t["label"]: t["count"] for t in summary["top"]}
    assert labels == {"SELECT letters_letter": 1, "UPDATE letters_letter": 2}
    assert instrument.statement_label('WITH d AS (SELECT 1) UPDATE "t" SET a = 1') == (
        "WITH … UPDATE t"
    )


def test_a_bulk_approvals_account_names_its_statements_against_the_floor():
    bulk = {
        "bulk": 0.040,
        "floor": 0.010,
        "bulk_statements": {
            "statements": 12,
            "sql_ms": 30.0,
            "top": [{"label": "INSERT campaigns_tally", "count": 1, "ms": 5.2}],
        },
        "floor_statements": {"statements": 2, "sql_ms": 9.0, "top": []},
    }
    rows = {r[0]: r for r in report.rows(_run({}, bulk_approval={"100": bulk}))}
    row = rows["bulk approval, 100 letters"]
    assert row[2] == "4.00× floor"
    assert row[4] == "**miss**"
    assert "ran 12 SQL statements (30 ms in the database driver) against the floor's 2" in row[5]
    assert "`INSERT campaigns_tally` 1 statement 5.2 ms" in row[5]
