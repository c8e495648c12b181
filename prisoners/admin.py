from django.contrib import admin
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from prisoners.forms import PrisonerAdminForm
from prisoners.models import CaseEvent, Facility, Imprisonment, Prisoner
from prisoners.resources import FacilityResource, PrisonerResource


class ImprisonmentInline(admin.TabularInline):
    model = Imprisonment
    extra = 0
    autocomplete_fields = ["facility"]


class CaseEventInline(TranslationTabularInline):
    model = CaseEvent
    extra = 0


# TranslationAdmin: name, bio, charges and sentence as one field per
# language (prisoners/translation.py); English is required, the others may
# stay empty and then show the English text.
# ImportMixin: "Import" on the list, upload -> preview -> confirm
# (prisoners/resources.py; README: Staff data: import and export).
@admin.register(Prisoner)
class PrisonerAdmin(ImportMixin, TranslationAdmin):
    form = PrisonerAdminForm
    resource_classes = [PrisonerResource]
    import_formats = [CSV, XLSX]
    list_display = ["name", "name_original", "status", "accepts_letters", "is_published"]
    list_filter = ["status", "accepts_letters", "is_published"]
    search_fields = ["name", "name_original", "slug", "external_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ImprisonmentInline, CaseEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "name_original",
                    "patronymic",
                    "birth_year",
                    "slug",
                    "external_id",
                    "status",
                    "is_published",
                    "photo",
                ]
            },
        ),
        (None, {"fields": ["bio", "charges", "sentence"]}),
        (None, {"fields": ["birthday_month", "birthday_day"]}),
        (None, {"fields": ["accepts_letters", "letter_languages"]}),
    ]

    def has_import_permission(self, request):
        # A prisoner row also writes the place of detention.
        return request.user.has_perms(
            [
                "prisoners.add_prisoner",
                "prisoners.change_prisoner",
                "prisoners.add_imprisonment",
                "prisoners.change_imprisonment",
            ]
        )


@admin.register(Facility)
class FacilityAdmin(ImportMixin, TranslationAdmin):
    resource_classes = [FacilityResource]
    import_formats = [CSV, XLSX]
    list_display = ["name", "city", "country"]
    list_filter = ["country"]
    search_fields = ["name", "name_original", "city", "address", "external_id"]

    def has_import_permission(self, request):
        return request.user.has_perms(["prisoners.add_facility", "prisoners.change_facility"])
