import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
            "DJANGO_ALLOWED_HOSTS": "solidarity.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG)"
    env = {"DJANGO_SECRET_KEY": "x" * 60}
    assert run_manage("shell", "-v", "0", "-c", code, env=env).stdout.strip() == "False"
    assert (
        run_manage("shell", "-v", "0", "-c", code, env={**env, "DJANGO_DEBUG": "1"}).stdout.strip()
        == "True"
    )


def test_it_refuses_a_setting_it_cannot_read_and_names_it():
    base = {"DJANGO_SECRET_KEY": "x" * 60}
    for name, value, words in (
        ("DJANGO_DEBUG", "flase", "is not a yes/no value"),
        ("OUTBOX_SWEEP_SECONDS", "fifteen", "is not a whole number"),
        ("OUTBOX_SWEEP_SECONDS", "0", "must be at least 1"),
        ("LETTERS_RATE_LIMIT_PER_HOUR", "-5", "must be at least 0"),
    ):
        result = run_manage("check", env={**base, name: value})
        assert result.returncode != 0, name
        assert f"{name}={value!r} {words}" in result.stderr, result.stderr[-500:]


def test_the_periodic_tasks_are_one_schedule_of_registered_tasks():
    from django.conf import settings

    from config.celery_app import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
        assert entry["schedule"] >= 1
