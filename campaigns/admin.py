from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from campaigns import exports, materials, services
from campaigns.admin_reports import CampaignReportsAdminMixin
from campaigns.models import (
    Action,
    Campaign,
    CampaignMaterial,
    OfflineReport,
    Signature,
    Tally,
)


class CampaignMaterialForm(forms.ModelForm):
    class Meta:
        model = CampaignMaterial
        fields = ["campaign", "kind", "title", "file", "position"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged: checked when it was uploaded
        try:
            clean = materials.material_clean(upload)
        except materials.MaterialRejected as refusal:
            raise forms.ValidationError(str(refusal), code="material") from None
        # Only the checked (for images: rebuilt) bytes are stored, under a
        # name of our own (campaigns.models.material_upload_to).
        self.instance.file_type = clean.file_type
        self.instance.size = len(clean.data)
        return ContentFile(clean.data, name=f"material.{clean.file_type}")


class CampaignMaterialInline(TranslationTabularInline):
    model = CampaignMaterial
    form = CampaignMaterialForm
    extra = 0
    fields = ["kind", "title", "file", "position", "file_type", "size"]
    readonly_fields = ["file_type", "size"]


# Title, summary and description per language (campaigns/translation.py).
@admin.register(Campaign)
class CampaignAdmin(CampaignReportsAdminMixin, exports.ExportActionsMixin, TranslationAdmin):
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
    readonly_fields = [
        "actions_total",
        "countries_total",
        "tallied_at",
        "tally_recomputes",
        "provenance",
    ]
    actions = ["recompute_tallies"]
    inlines = [CampaignMaterialInline]

    @admin.display(description=_("where the total comes from"))
    def provenance(self, obj):
        """The campaign's ledger summed by source and by country, each row
        linked to the ledger filtered to it. Read from the ledger, not the
        tallies: this is the check on them."""
        if not obj.pk:
            return ""
        ledger = Action.objects.filter(campaign=obj).order_by()
        ledger_url = reverse("admin:campaigns_action_changelist")
        by_source = [
            (ContentType.objects.get_for_id(row["source_type"]), row["n"])
            for row in ledger.values("source_type").annotate(n=Sum("quantity")).order_by("-n")
        ]
        by_country = list(
            ledger.values_list("country").annotate(n=Sum("quantity")).order_by("-n", "country")
        )

        def table(caption, rows):
            return format_html(
                '<table class="provenance"><caption>{}</caption><tbody>{}</tbody></table>',
                caption,
                format_html_join(
                    "",
                    '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td></tr>',
                    rows,
                ),
            )

        return format_html(
            "{}{}",
            table(
                _("By source"),
                (
                    (
                        f"{ledger_url}?campaign__id__exact={obj.pk}&source_type__id__exact={ct.pk}",
                        source_label(ct),
                        n,
                    )
                    for ct, n in by_source
                ),
            ),
            table(
                _("By country"),
                (
                    (
                        f"{ledger_url}?campaign__id__exact={obj.pk}&country={code}",
                        countries.name(code) if code else _("Unknown country"),
                        n,
                    )
                    for code, n in by_country
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Only what the form edits: the counters and map version on the same
        # row are the tally refresh's, and a save must not write back values
        # read before a refresh that committed meanwhile.
        m2m = {f.name for f in obj._meta.many_to_many}
        obj.save(update_fields=[name for name in form.fields if name not in m2m])

    def export_table(self, request, queryset):
        return exports.tallies_table(campaigns=queryset)

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


class SourceTypeFilter(admin.SimpleListFilter):
    # By the source's name ("letter"), not ContentType's "Letters | letter".
    title = _("source")
    parameter_name = "source_type__id__exact"

    def lookups(self, request, model_admin):
        ids = Action.objects.order_by().values_list("source_type", flat=True).distinct()
        return sorted(
            ((ct.pk, source_label(ct)) for ct in ContentType.objects.filter(pk__in=ids)),
            key=lambda pair: str(pair[1]),
        )

    def queryset(self, request, queryset):
        return queryset.filter(source_type_id=self.value()) if self.value() else queryset


class LedgerCountryFilter(admin.SimpleListFilter):
    # The countries in the ledger by name, not all 250 nor bare codes.
    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = Action.objects.order_by().values_list("country", flat=True).distinct()
        return sorted(
            ((c, countries.name(c) if c else _("Unknown country")) for c in codes),
            key=lambda pair: str(pair[1]),
        )

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() is not None else queryset


def source_label(source_type: ContentType) -> str:
    model = source_type.model_class()
    return capfirst(model._meta.verbose_name) if model else source_type.model


def source_link(action: Action, user) -> str:
    """“Letter #12”, linked to its admin page when the user may open it."""
    ct = action.source_type
    label = _("%(source)s #%(id)s") % {"source": source_label(ct), "id": action.source_id}
    if not user.has_perm(f"{ct.app_label}.view_{ct.model}"):
        return label
    try:
        url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[action.source_id])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(Action)
class ActionAdmin(exports.ExportActionsMixin, ReadOnlyAdmin):
    """The ledger, read-only: actions change only through their sources."""

    def export_table(self, request, queryset):
        return exports.ledger_table(actions=queryset, request=request)

    list_display = ["occurred_at", "campaign", "kind", "quantity", "country", "source"]
    list_filter = ["kind", "campaign", SourceTypeFilter, LedgerCountryFilter]
    list_select_related = ["campaign", "source_type"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    fields = [
        "kind",
        "quantity",
        "campaign",
        "prisoner",
        "country",
        "source",
        "occurred_at",
        "recorded_at",
    ]

    def get_list_display(self, request):
        # The link depends on what the viewer may open: a closure over the
        # request, as the admin keeps one instance for every request.
        @admin.display(description=_("source"))
        def source(action):
            return source_link(action, request.user)

        return [source if name == "source" else name for name in self.list_display]

    def get_readonly_fields(self, request, obj=None):
        @admin.display(description=_("source"))
        def source(action):
            return source_link(action, request.user)

        return [source if name == "source" else name for name in self.fields]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "country", "kind", "quantity"]
    list_filter = ["campaign", "kind"]
    list_select_related = ["campaign"]


@admin.register(Signature)
class SignatureAdmin(exports.ExportActionsMixin, admin.ModelAdmin):
    """Signatures as their signers sent them; staff can only remove one."""

    def export_table(self, request, queryset):
        return exports.signatures_table(signatures=queryset)

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
