from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from prisoners.forms import PrisonerAdminForm
from prisoners.models import CaseEvent, Facility, Imprisonment, Prisoner


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
@admin.register(Prisoner)
class PrisonerAdmin(TranslationAdmin):
    form = PrisonerAdminForm
    list_display = ["name", "name_original", "status", "accepts_letters", "is_published"]
    list_filter = ["status", "accepts_letters", "is_published"]
    search_fields = ["name", "name_original", "slug"]
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


@admin.register(Facility)
class FacilityAdmin(TranslationAdmin):
    list_display = ["name", "city", "country"]
    list_filter = ["country"]
    search_fields = ["name", "name_original", "city", "address"]
