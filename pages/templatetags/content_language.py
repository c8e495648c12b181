"""Mark content shown in English because its translation is missing.

Content fields are translated with django-modeltranslation, which falls back
to English when a translation is empty. A screen reader told the page is
Belarusian would read that English text with Belarusian rules, so the
element carrying it says lang="en":

    <h1{% content_lang prisoner "name" %}>{{ prisoner.name }}</h1>
    {% blocktranslate with name=prisoner|content:"name" %}Write to {{ name }}{% endblocktranslate %}
"""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

register = template.Library()


def _falls_back(obj, field: str) -> bool:
    language = get_language() or settings.LANGUAGE_CODE
    if language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE or obj is None:
        return False
    own = getattr(obj, build_localized_fieldname(field, language), None)
    return not own and bool(getattr(obj, field, ""))


@register.simple_tag
def content_lang(obj, field):
    """` lang="en"` when ``obj.field`` is shown in English, else nothing."""
    if _falls_back(obj, field):
        return mark_safe(f' lang="{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"')  # noqa: S308
    return ""


@register.filter
def content(obj, field):
    """``obj.field``, wrapped in a lang="en" span when shown in English."""
    value = getattr(obj, field, "")
    if _falls_back(obj, field):
        return format_html(
            '<span lang="{}">{}</span>', settings.MODELTRANSLATION_DEFAULT_LANGUAGE, value
        )
    return value
