import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import require_http_methods, require_safe
from django_countries import countries
from icalendar import Calendar
from icalendar import Event as ICalEvent

from campaigns.models import Campaign
from config.antispam import rate_limited
from events import places, selectors, services
from events.forms import EventFilterForm, EventForm, ReportForm
from events.models import Event, EventPhoto, EventReport

PAGE_SIZE = 20
FEED_LIMIT = 200


def _filters(
    request, *, campaigns=None, offered_countries=None
) -> tuple[EventFilterForm, selectors.EventFilters]:
    form = EventFilterForm(
        request.GET or None, campaigns=campaigns, offered_countries=offered_countries
    )
    filters = form.filters() if form.is_bound else selectors.EventFilters()
    return form, filters


def _querystring(request) -> str:
    params = [(k, v) for k, v in request.GET.items() if k != "page" and v]
    return urlencode(params)


@require_safe
def event_list(request):
    campaigns = list(Campaign.objects.published().only("slug", "title"))
    form, filters = _filters(
        request, campaigns=campaigns, offered_countries=selectors.event_countries_published()
    )
    qs = selectors.with_cover(selectors.event_list_published(filters=filters))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _querystring(request)
    return render(
        request,
        "events/event_list.html",
        {
            "page": page,
            "form": form,
            "querystring_prefix": query + "&" if query else "",
            "query": query,
        },
    )


@require_safe
def event_detail(request, pk):
    try:
        event = selectors.event_get_public(pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None
    try:
        report = event.report
    except EventReport.DoesNotExist:
        report = None
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "report": report,
            "photos": list(event.photos.all()),
            "prisoners": list(event.prisoners.all()),
            "is_organiser": request.user.is_authenticated and request.user.pk == event.organiser_id,
        },
    )


def _verified_or_explain(request):
    if not services.user_can_log_events(user=request.user):
        return render(request, "events/verify_email.html", status=403)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request):
    refusal = _verified_or_explain(request)
    if refusal:
        return refusal
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES)
        if rate_limited(request, scope="events:new", limit=20, period=3600):
            form.is_valid()
            form.add_error(
                None, _("You have logged many events in a short time. Please wait an hour.")
            )
        elif form.is_valid():
            services.event_submit(
                event=form.instance,
                organiser=request.user,
                prisoners=form.cleaned_data["prisoners"],
                photos=form.cleaned_photos(),
            )
            messages.success(
                request, _("Thank you. Your event is waiting for a moderator; we will e-mail you.")
            )
            return redirect("events:mine")
    else:
        form = EventForm(initial={"organiser_name": request.user.get_full_name()})
    return render(
        request,
        "events/event_form.html",
        {"form": form, "is_new": True, **_refusal_context(request)},
    )


def _refusal_context(request) -> dict:
    """For a form shown again with its errors: no message from an earlier
    request above them. A "thank you" queued by a submission whose redirect
    was not followed (a script, a second tab) would otherwise sit over the
    refusal of this one; it is dropped, as it belongs to that other page."""
    if request.method != "POST":
        return {}
    for _message in messages.get_messages(request):
        pass  # iterating marks them read: they are not kept for a later page
    return {"messages": ()}


def _own_event(request, pk) -> Event:
    # Someone else's event is "not found", not "forbidden": it does not
    # confirm that an unpublished event exists.
    return get_object_or_404(Event, pk=pk, organiser=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    refusal = _verified_or_explain(request)
    if refusal:
        return refusal
    event = _own_event(request, pk)
    room = services.event_photos_room(event=event, stage=EventPhoto.Stage.ANNOUNCEMENT)
    was_published = event.status == Event.Status.PUBLISHED
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, instance=event, photo_room=room)
        if form.is_valid():
            services.event_update(
                event=form.instance,
                editor=request.user,
                prisoners=form.cleaned_data["prisoners"],
                photos=form.cleaned_photos(),
            )
            messages.success(
                request,
                _("Saved. The event is back with the moderators until they look at the changes.")
                if was_published
                else _("Saved."),
            )
            return redirect("events:mine")
    else:
        form = EventForm(instance=event, photo_room=room)
    return render(
        request,
        "events/event_form.html",
        {
            "form": form,
            "event": event,
            "is_new": False,
            "was_published": was_published,
            **_refusal_context(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_report(request, pk):
    refusal = _verified_or_explain(request)
    if refusal:
        return refusal
    event = _own_event(request, pk)
    if not services.event_is_reportable(event=event):
        return render(request, "events/report_too_early.html", {"event": event})
    report = EventReport.objects.filter(event=event).first() or EventReport(event=event)
    room = services.event_photos_room(event=event, stage=EventPhoto.Stage.REPORT)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, instance=report, photo_room=room)
        if form.is_valid():
            services.event_report_save(
                event=event, editor=request.user, report=form.instance, photos=form.cleaned_photos()
            )
            messages.success(request, _("Thank you for the report."))
            return redirect("events:mine")
    else:
        form = ReportForm(instance=report, photo_room=room)
    return render(
        request,
        "events/report_form.html",
        {"form": form, "event": event, **_refusal_context(request)},
    )


@login_required
@require_safe
def my_events(request):
    return render(
        request,
        "events/my_events.html",
        {
            "events": list(selectors.events_of_organiser(user=request.user)),
            "can_log": services.user_can_log_events(user=request.user),
        },
    )


def _filtered_events(request, *, limit: int) -> list[Event]:
    _form, filters = _filters(request)
    qs = selectors.event_list_published(filters=filters)
    if filters.when != "upcoming":
        qs = qs.order_by("-starts_at", "-id")
    return list(qs[:limit])


def _feed_events(request) -> list[Event]:
    return _filtered_events(request, limit=FEED_LIMIT)


def _location(event: Event) -> str:
    return ", ".join(p for p in (event.venue, event.city, event.country.name) if p)


@require_safe
def feed_ics(request):
    calendar = Calendar()
    calendar.add("prodid", "-//Solidarity//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Solidarity events"))
    host = request.get_host()
    for event in _feed_events(request):
        item = ICalEvent()
        item.add("uid", f"event-{event.pk}@{host}")
        item.add("dtstamp", event.updated_at)
        item.add("dtstart", event.starts_at)
        item.add("dtend", event.ends_at)
        item.add("summary", event.title)
        item.add("description", event.description)
        item.add("location", _location(event))
        item.add("geo", (float(event.latitude), float(event.longitude)))
        item.add("url", request.build_absolute_uri(event.get_absolute_url()))
        item.add("categories", [event.get_kind_display()])
        calendar.add_component(item)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="solidarity-events.ics"'
    return response


@require_safe
@cache_page(60)
def events_geojson(request):
    # Its own cap, well above the feeds': a map of a day of solidarity shows
    # every event. One more is fetched to say so when some are left out.
    limit = settings.EVENTS_GEOJSON_LIMIT
    events = _filtered_events(request, limit=limit + 1)
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [float(event.longitude), float(event.latitude)],
            },
            "properties": {
                "id": event.pk,
                "title": event.title,
                "kind": event.kind,
                "kind_label": str(event.get_kind_display()),
                "starts_at": event.starts_at.isoformat(),
                # Ready to show: the date and time on the event's clocks, in
                # the visitor's language (the cache varies on it).
                "starts_local": date_format(event.starts_local, "j E Y, H:i"),
                "city": event.city,
                "country": event.country.code,
                "url": event.get_absolute_url(),
            },
        }
        for event in events[:limit]
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": len(events) > limit}
    )


def list_url_for(request) -> str:
    query = _querystring(request)
    return reverse("events:list") + (f"?{query}" if query else "")


def _bad_places_query(message: str) -> JsonResponse:
    return JsonResponse({"error": message, "places": []}, status=400)


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def places_json(request):
    """The event form's city search (?country=BE&q=bru) and the maps' town labels
    (?country=BE&near=50.85,4.35), from our own copy of GeoNames."""
    country = request.GET.get("country", "").upper()
    if country not in countries:
        return _bad_places_query(_("Choose a country."))
    near = request.GET.get("near")
    if near is not None:
        try:
            lat, lon = (float(v) for v in near.split(","))
        except ValueError:
            return _bad_places_query(_("Give the point as latitude,longitude."))
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
            return _bad_places_query(_("Give the point as latitude,longitude."))
        found = places.places_near(latitude=lat, longitude=lon, country=country)
    else:
        query = request.GET.get("q", "")
        if len(query) > places.MAX_QUERY:
            return _bad_places_query(_("Type the start of a place's name."))
        found = places.place_search(country=country, prefix=query)
    return JsonResponse({"places": [p.as_json() for p in found]})
