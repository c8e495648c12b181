"""The events' review queue in the admin: one event at a time, Publish /
Reject / Skip, each with a key, through events.services. Claims are
config/review.py's."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from config import review as claims
from events import services
from events.models import Event

SESSION_SKIPPED = "review_skipped_events"
SKIPPED_KEPT = 500


def waiting():
    return (
        Event.objects.filter(status=Event.Status.SUBMITTED)
        .select_related("campaign", "organiser")
        .order_by("created_at", "pk")
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d, d) for d in ("publish", "reject", "skip")])
    reason = forms.CharField(
        label=_("Reason, sent to the organiser"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Write the reason: the organiser receives it."))
        return data


def _allowed(request) -> None:
    if not request.user.has_perm("events.change_event"):
        raise PermissionDenied


def _page(request, admin_site, event, form, status=200):
    context = {
        **admin_site.each_context(request),
        "title": _("Review queue: events"),
        "opts": Event._meta,
        "form": form,
        "waiting": claims.claims_waiting(waiting=waiting(), user=request.user),
        "skipped": len(request.session.get(SESSION_SKIPPED, [])),
        "lease_minutes": int(claims.LEASE.total_seconds() // 60),
        "event": event,
    }
    if event is not None:
        context["prisoners"] = list(event.prisoners.all())
        context["photos"] = list(event.photos.all())
        context["organiser_events"] = (
            Event.objects.filter(organiser_id=event.organiser_id)
            .exclude(pk=event.pk)
            .aggregate(
                total=Count("pk"),
                published=Count("pk", filter=Q(status=Event.Status.PUBLISHED)),
                rejected=Count("pk", filter=Q(status=Event.Status.REJECTED)),
            )
            if event.organiser_id
            else None
        )
    return TemplateResponse(request, "admin/events/review.html", context, status=status)


@require_GET
def queue_view(request, admin_site):
    _allowed(request)
    if request.GET.get("again"):
        request.session.pop(SESSION_SKIPPED, None)
        return HttpResponseRedirect(reverse("admin:events_event_review"))
    event = claims.claim_next(
        waiting=waiting(), user=request.user, skip=request.session.get(SESSION_SKIPPED, [])
    )
    return _page(request, admin_site, event, ReviewForm())


@require_POST
def decide_view(request, admin_site, pk: int):
    _allowed(request)
    event = get_object_or_404(Event.objects.select_related("campaign", "organiser"), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, admin_site, event, form, status=400)
    decision = form.cleaned_data["decision"]
    user = request.user
    queue = HttpResponseRedirect(reverse("admin:events_event_review"))
    if decision == "skip":
        skipped = request.session.get(SESSION_SKIPPED, [])
        request.session[SESSION_SKIPPED] = (skipped + [event.pk])[-SKIPPED_KEPT:]
        claims.claim_release(model=Event, pk=event.pk, user=user)
        return queue
    if event.status != Event.Status.SUBMITTED:
        claims.claim_release(model=Event, pk=event.pk, user=user)
        messages.warning(
            request,
            _("This event was decided meanwhile: it is “%(status)s”.")
            % {"status": event.get_status_display()},
        )
        return queue
    if not claims.claim_holds(model=Event, pk=event.pk, user=user):
        messages.warning(
            request,
            _("This event is being reviewed by another moderator; it was left to them."),
        )
        return queue
    with transaction.atomic():
        if decision == "publish":
            services.event_publish(event=event, moderator=user)
            done = _("“%(title)s” published.")
        else:
            services.event_reject(event=event, moderator=user, reason=form.cleaned_data["reason"])
            done = _("“%(title)s” rejected; the organiser was told why.")
        claims.claim_release(model=Event, pk=event.pk, user=user)
    messages.success(request, done % {"title": event.title})
    return queue
