# See prisoners/translation.py.
from modeltranslation.translator import TranslationOptions, register

from campaigns.models import Campaign


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("title", "summary", "description")
