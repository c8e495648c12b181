import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_countries import countries

from campaigns.models import ActionKind
from campaigns.selectors import (
    campaigns_for_home,
    country_figures,
    country_payload,
    table_kinds,
    tallies_reconciled_at,
    world_map_data,
)
from campaigns.views import map_context
from events.selectors import events_for_home, events_in_country
from outbox.models import Message
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


# Events listed on a country page; the figure above the list counts them all.
COUNTRY_EVENTS_SHOWN = 50


@require_safe
def world_map(request):
    """Every act, in or outside campaigns, from the global tally rows."""
    data = world_map_data()
    return render(
        request,
        "pages/map.html",
        {
            **map_context(data, events_url=reverse("events:geojson")),
            "countries_count": sum(1 for r in data.tally.rows if r.code),
        },
    )


def _country_code(code: str) -> str:
    """The upper-case alpha-2 code, or 404 for anything that is not one."""
    upper = code.upper()
    if len(upper) != 2 or upper not in countries:
        raise Http404
    return upper


@require_safe
def country(request, code):
    upper = _country_code(code)
    if upper != code:
        return redirect("country", code=upper, permanent=True)
    figures = country_figures(code=upper)
    events = events_in_country(code=upper, limit=COUNTRY_EVENTS_SHOWN)
    events_total = figures.tally.count(ActionKind.EVENT)
    outside = figures.outside_campaigns()
    return render(
        request,
        "pages/country.html",
        {
            **map_context(figures.map, events_url=reverse("events:geojson") + "?country=" + upper),
            "country": figures,
            "campaign_rows": figures.campaigns,
            "by_kind": [(kind, label, figures.tally.count(kind)) for kind, label in table_kinds()],
            "outside": list(outside.values()),
            "outside_total": sum(outside.values()),
            "events": events,
            "events_total": events_total,
            "events_more": max(0, events_total - len(events)),
            "small": True,
            "api_url": reverse("country_api", kwargs={"code": upper}),
        },
    )


@require_safe
def country_api(request, code):
    upper = _country_code(code)
    if upper != code:
        return redirect("country_api", code=upper, permanent=True)
    response = JsonResponse(country_payload(figures=country_figures(code=upper)))
    response["Cache-Control"] = f"public, max-age={settings.TALLY_API_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


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
    ages, stale = _background_ages()
    # Stale background work is reported, not made a 503: the web container's
    # own health (compose, the proxy) must not fail because a worker is stuck.
    # A monitor alerts on "stale" (README: Scaling out).
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": results,
            "ages": ages,
            "stale": stale,
        },
        status=200 if healthy else 503,
    )


def _background_ages() -> tuple[dict[str, int | None], list[str]]:
    """Seconds since background work last happened; None when unknown.

    reconcile_seconds: since the periodic tally reconcile last finished (a
    stuck worker or beat lets it grow). Stale past three reconcile periods,
    and so is an unknown one three periods after this process started.
    """
    now = timezone.now()
    ages: dict[str, int | None] = {}
    limits: dict[str, int] = {}
    try:
        reconciled = tallies_reconciled_at()
    except Exception:
        logger.exception("health check could not read the reconcile time")
        reconciled = None
    ages["reconcile_seconds"] = int((now - reconciled).total_seconds()) if reconciled else None
    limits["reconcile_seconds"] = 3 * settings.TALLY_RECONCILE_SECONDS
    # oldest_unsent_email_seconds: since the oldest mail still owed was
    # written. A healthy sweep sends within seconds; a mail server that
    # refuses for a while is retried with backoff, so the limit is generous.
    try:
        oldest = Message.objects.oldest_owed_at()
    except Exception:
        logger.exception("health check could not read the outbox")
        oldest = None
    ages["oldest_unsent_email_seconds"] = int((now - oldest).total_seconds()) if oldest else None
    limits["oldest_unsent_email_seconds"] = settings.HEALTHZ_MAIL_STALE_SECONDS
    stale = {name for name, age in ages.items() if age is not None and age > limits[name]}
    # Unknown is no alibi: when none has finished (or its stamp was lost)
    # since the server started three periods ago, beat or the worker is not
    # doing its job, whatever the reason.
    since_start = now.timestamp() - settings.SERVER_STARTED_AT
    if reconciled is None and since_start > limits["reconcile_seconds"]:
        stale.add("reconcile_seconds")
    return ages, sorted(stale)
