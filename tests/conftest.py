import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from config import cache as degrading_cache
from tests import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the live-server tests make around it are still synchronous (STACK-NOTES).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"


def pytest_collection_modifyitems(config, items):
    # Tests that need a real worker need Redis. Without REDIS_URL (the
    # embedded default) they cannot run at all; CI runs them against its
    # Redis, where a missing Redis or worker fails them.
    if settings.REDIS_URL:
        return
    deselected = [i for i in items if i.get_closest_marker("worker")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if not i.get_closest_marker("worker")]
        config.stash[_DESELECTED] = len(deselected)


_DESELECTED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = config.stash.get(_DESELECTED, 0)
    if n:
        terminalreporter.write_line(
            f"{n} worker test(s) not run: they need REDIS_URL and run in CI (.ci/run).",
            yellow=True,
        )


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    # The degrading cache warns once per 10 s per process: each test that
    # looks for the warning gets its own turn.
    monkeypatch.setattr(degrading_cache, "_last_logged", 0.0)
    # LocaleMiddleware leaves the last request's language active in the
    # thread; a test starts in English whatever the previous one requested.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.deactivate()


# --- personas -----------------------------------------------------------------


@pytest.fixture
def volunteer(db):
    return factories.make_user(email="volunteer@example.org")


@pytest.fixture
def outsider(db):
    return factories.make_user(email="outsider@example.org")


@pytest.fixture
def editor(db):
    return factories.make_user(email="editor@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_user(db):
    """pytest-django's superuser, enrolled in TOTP like every staff account."""
    return factories.make_user(
        email="admin@example.com", username="admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(db, admin_user, client):
    client.force_login(admin_user)
    return client


@pytest.fixture
def facility(db):
    return factories.make_facility(name="SIZA-1")


@pytest.fixture
def prisoner(db, facility):
    return factories.make_prisoner(
        name="Ales Bialiatski",
        name_original="Алесь Бяляцкі",
        slug="ales-bialiatski",
        facility=facility,
        letter_languages="be,ru",
        birthday_month=9,
        birthday_day=25,
    )


@pytest.fixture
def campaign(db, prisoner):
    return factories.make_campaign(
        slug="letter-marathon-2012",
        title="Letter marathon 2012",
        goal=100_000,
        prisoners=[prisoner],
    )


# --- browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def shoot(page, request):
    """Save a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shoot(step: str):
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


@pytest.fixture
def third_party_requests(page, live_server):
    """Every request a page makes to a host other than the live server."""
    seen = []
    page.on(
        "request",
        lambda req: (
            seen.append(req.url)
            if not req.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )
    return seen


# --- a real Celery worker -------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A `celery worker` process on the test database and the real broker."""
    if not settings.REDIS_URL:
        pytest.fail("worker tests need REDIS_URL")
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "worker-for-tests-0123456789-0123456789-0123456789",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "TALLY_COALESCE_SECONDS": "1",
    }
    if connection.vendor != "postgresql":
        pytest.fail("worker tests need DATABASE_URL on PostgreSQL (the worker is another process)")
    log = open(ROOT / "var" / "test-worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery_app import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited with {proc.returncode}; see var/test-worker.log")
        if app.control.ping(timeout=1.0):
            break
    else:
        proc.terminate()
        pytest.fail("celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture
def real_worker(celery_worker_process, transactional_db):
    """Send tasks to the real broker for this test instead of running them eagerly."""
    from config.celery_app import app

    app.conf.task_always_eager = False
    yield celery_worker_process
    app.conf.task_always_eager = True
