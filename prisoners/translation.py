# Content in three languages (django-modeltranslation): a column per language
# on the same row (name_en, name_be, name_ru), so no page gains a query; an
# empty translation falls back to English (MODELTRANSLATION_FALLBACK_LANGUAGES)
# and the templates mark it lang="en" (pages.templatetags.content_language).
from modeltranslation.translator import TranslationOptions, register

from prisoners.models import CaseEvent, Facility, Prisoner


@register(Prisoner)
class PrisonerTranslation(TranslationOptions):
    fields = ("name", "patronymic", "bio", "charges", "sentence")


@register(Facility)
class FacilityTranslation(TranslationOptions):
    fields = ("name",)


@register(CaseEvent)
class CaseEventTranslation(TranslationOptions):
    fields = ("text",)
