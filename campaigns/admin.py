from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from campaigns import services
from campaigns.admin_reports import CampaignReportsAdminMixin
from campaigns.models import Action, Campaign, OfflineReport, Signature, Tally


# Title, summary and description per language (campaigns/translation.py).
@admin.register(Campaign)
class CampaignAdmin(CampaignReportsAdminMixin, TranslationAdmin):
    list_display = [
        "title",
        "kind",
        "starts_on",
        "ends_on",
        "goal",
        "actions_total",
        "is_published",
    ]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["prisoners"]
    readonly_fields = ["actions_total", "countries_total", "tallied_at", "tally_recomputes"]
    actions = ["recompute_tallies"]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Only what the form edits: the counters and map version on the same
        # row are the tally refresh's, and a save must not write back values
        # read before a refresh that committed meanwhile.
        m2m = {f.name for f in obj._meta.many_to_many}
        obj.save(update_fields=[name for name in form.fields if name not in m2m])

    @admin.action(description=_("Recompute tallies from the ledger"))
    def recompute_tallies(self, request, queryset):
        drifted = [c for c in queryset if services.campaign_tallies_recompute(campaign_id=c.pk)]
        self.message_user(
            request,
            ngettext(
                "Recomputed %(count)d campaign; %(drifted)d had drifted.",
                "Recomputed %(count)d campaigns; %(drifted)d had drifted.",
                queryset.count(),
            )
            % {"count": queryset.count(), "drifted": len(drifted)},
            messages.SUCCESS,
        )


@admin.register(OfflineReport)
class OfflineReportAdmin(admin.ModelAdmin):
    list_display = ["campaign", "kind", "quantity", "country", "organisation", "reported_on"]
    list_filter = ["campaign", "kind", "country"]
    search_fields = ["organisation", "note"]
    date_hierarchy = "reported_on"

    def save_model(self, request, obj, form, change):
        services.offline_report_save(report=obj, user=request.user)

    def delete_model(self, request, obj):
        services.offline_report_delete(report=obj)

    def delete_queryset(self, request, queryset):
        for report in queryset:
            services.offline_report_delete(report=report)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write: staff may look, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    """The ledger, read-only: actions change only through their sources."""

    list_display = ["occurred_at", "campaign", "kind", "quantity", "country", "source_type"]
    list_filter = ["kind", "campaign", "source_type"]
    list_select_related = ["campaign", "source_type"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "country", "kind", "quantity"]
    list_filter = ["campaign", "kind"]
    list_select_related = ["campaign"]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Signatures as their signers sent them; staff can only remove one."""

    list_display = ["display_name", "country", "campaign", "created_at", "confirmed_at"]
    list_filter = ["campaign", "country", ("confirmed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["campaign"]
    search_fields = ["display_name", "email"]
    fields = ["campaign", "display_name", "country", "email", "created_at", "confirmed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.signature_delete(signature=obj)

    def delete_queryset(self, request, queryset):
        for signature in queryset:
            services.signature_delete(signature=signature)
