import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaigns.selectors import campaigns_for_home, world_map_data
from campaigns.views import map_context
from events.selectors import events_for_home
from prisoners.selectors import birthdays_upcoming

logger = logging.getLogger(__name__)


@require_safe
def home(request):
    from django.utils import timezone

    upcoming_events, recent_events = events_for_home()
    return render(
        request,
        "pages/home.html",
        {
            "upcoming_events": upcoming_events,
            "recent_events": recent_events,
            "campaigns": campaigns_for_home(),
            "birthdays": birthdays_upcoming(today=timezone.localdate(), days=14)[:6],
        },
    )


@require_safe
def world_map(request):
    """Every published campaign on one map, from their tally rows."""
    data = world_map_data()
    return render(
        request,
        "pages/map.html",
        {
            **map_context(data, events_url=reverse("events:geojson")),
            "countries_count": sum(1 for r in data.tally.rows if r.code),
        },
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_broker() -> None:
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.REDIS_URL:
        checks["broker"] = _check_broker
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            # The reason goes to the log, not to an anonymous caller.
            logger.exception("health check %s failed", name)
            results[name] = "unavailable"
    healthy = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
