# See prisoners/translation.py.
from modeltranslation.translator import TranslationOptions, register

from campaigns.models import Campaign, CampaignMaterial


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "how_to")


@register(CampaignMaterial)
class CampaignMaterialTranslation(TranslationOptions):
    fields = ("title",)
