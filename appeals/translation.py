# See prisoners/translation.py.
from modeltranslation.translator import TranslationOptions, register

from appeals.models import AppealText


@register(AppealText)
class AppealTextTranslation(TranslationOptions):
    fields = ("subject", "body")
