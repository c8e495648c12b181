from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns.exports import ExportActionsMixin
from events import exports, review, services
from events.forms import EventAdminForm
from events.models import Event, EventPhoto, EventReport
from letters.admin import BulkDecisionMixin, selection_context
from letters.models import BulkJob


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, sent to the organiser"), widget=forms.Textarea(attrs={"rows": 4})
    )


class EventPhotoInline(admin.TabularInline):
    model = EventPhoto
    extra = 0
    fields = ["thumbnail", "caption", "credit", "stage", "order"]
    readonly_fields = ["thumbnail", "stage"]
    can_delete = True


class EventReportInline(admin.StackedInline):
    model = EventReport
    extra = 0
    max_num = 1
    can_delete = False


@admin.register(Event)
class EventAdmin(BulkDecisionMixin, ExportActionsMixin, admin.ModelAdmin):
    form = EventAdminForm

    def export_table(self, request, queryset):
        return exports.events_table(events=queryset)

    list_display = ["title", "kind", "city", "country", "starts_at", "status", "organiser_name"]
    # Only the countries that have events, not all 250.
    list_filter = [
        "status",
        "kind",
        ("country", admin.AllValuesFieldListFilter),
        "campaign",
        "starts_at",
    ]
    search_fields = ["title", "city", "venue", "organiser_name", "organiser__email", "contact"]
    date_hierarchy = "starts_at"
    list_select_related = ["campaign"]
    raw_id_fields = ["organiser"]
    autocomplete_fields = []
    filter_horizontal = ["prisoners"]
    readonly_fields = ["status", "rejection_reason", "moderated_by", "moderated_at", "created_at"]
    inlines = [EventReportInline, EventPhotoInline]
    actions = ["publish", "reject"]
    fieldsets = [
        (None, {"fields": ["status", "rejection_reason", "moderated_by", "moderated_at"]}),
        (
            _("What and when"),
            {
                "fields": [
                    "kind",
                    "title",
                    "description",
                    "language",
                    "starts_at",
                    "ends_at",
                    "timezone_name",
                ]
            },
        ),
        (_("Where"), {"fields": ["country", "city", "venue", "latitude", "longitude"]}),
        (_("For"), {"fields": ["campaign", "prisoners"]}),
        (
            _("Organiser (contact: staff only)"),
            {"fields": ["organiser", "organiser_name", "contact", "created_at"]},
        ),
    ]

    def get_urls(self):
        # The review queue (events/review.py).
        view = self.admin_site.admin_view
        return [
            path(
                "review/",
                view(review.queue_view),
                {"admin_site": self.admin_site},
                name="events_event_review",
            ),
            path(
                "review/<int:pk>/",
                view(review.decide_view),
                {"admin_site": self.admin_site},
                name="events_event_review_decide",
            ),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        counts = Event.objects.aggregate(
            pending=Count("pk", filter=Q(status=Event.Status.SUBMITTED)),
            published=Count("pk", filter=Q(status=Event.Status.PUBLISHED)),
            rejected=Count("pk", filter=Q(status=Event.Status.REJECTED)),
        )
        extra_context = {
            **(extra_context or {}),
            "title": _(
                "Events: %(pending)d waiting for review, %(published)d published, "
                "%(rejected)d rejected"
            )
            % counts,
        }
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        services.event_local_dates_set(event=obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not EventPhoto:
            return super().save_formset(request, form, formset, change)
        # A photo removed here goes through the service, which deletes its files.
        photos = formset.save(commit=False)
        for photo in formset.deleted_objects:
            services.event_photo_delete(photo=photo)
        for photo in photos:
            photo.save()
        formset.save_m2m()
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A moderator's correction of the place, campaign or report figures
        # reaches the ledger the same way an organiser's does.
        services.event_ledger_sync(event=form.instance)

    @admin.action(description=_("Publish selected events"), permissions=["change"])
    def publish(self, request, queryset):
        self.bulk_decide(
            request,
            queryset,
            kind=BulkJob.Kind.EVENTS_PUBLISH,
            params={},
            done_message=lambda n: (
                ngettext("%(n)d event published.", "%(n)d events published.", n) % {"n": n}
            ),
        )

    @admin.action(description=_("Reject selected events with a reason…"), permissions=["change"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self.bulk_decide(
                request,
                queryset,
                kind=BulkJob.Kind.EVENTS_REJECT,
                params={"reason": form.cleaned_data["reason"].strip()},
                done_message=lambda n: (
                    ngettext("%(n)d event rejected.", "%(n)d events rejected.", n) % {"n": n}
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/events/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject events"),
                **selection_context(request, queryset, "events"),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(EventReport)
class EventReportAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "participants",
        "letters_written",
        "postcards",
        "signatures",
        "is_published",
    ]
    list_filter = ["is_published"]
    search_fields = ["event__title", "event__city"]
    raw_id_fields = ["event"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.event_ledger_sync(event=obj.event)
