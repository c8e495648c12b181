# See prisoners/translation.py.
from modeltranslation.translator import TranslationOptions, register

from appeals.models import AppealTarget, AppealText


@register(AppealText)
class AppealTextTranslation(TranslationOptions):
    fields = ("subject", "body")


# A target's name and position are shown on the campaign page in the
# visitor's language ("Министерство внутренних дел…").
@register(AppealTarget)
class AppealTargetTranslation(TranslationOptions):
    fields = ("name", "position")
