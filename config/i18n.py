"""One address per language, and the pieces that make it work.

English pages keep their old addresses; Belarusian and Russian ones live
under /be/ and /ru/ (config/urls.py). With ``prefix_default_language=False``
Django's LocaleMiddleware treats every address without a prefix as English,
which is right for public pages (one address, one language, cacheable) but
not for the admin, which staff read in their own language.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.views.i18n import set_language

ADMIN_PREFIX = "/admin/"


class AdminLanguageMiddleware:
    """The admin in the staff member's language: the footer switch's cookie,
    then the browser's Accept-Language. Goes right after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def set_language_keeping_page(request):
    """Django's set_language, with ``next`` resolved in its own language.

    set_language translates ``next`` (/ru/campaigns/x/ → /be/campaigns/x/),
    but resolves it in the active language, which is English at this
    unprefixed address, so a /ru/ page would not resolve and the visitor
    would stay on it. Resolving under the page's own language fixes that.
    """
    page = request.POST.get("next", request.GET.get("next", "")) or "/"
    page_language = translation.get_language_from_path(urlsplit(page).path)
    with translation.override(page_language or settings.LANGUAGE_CODE):
        return set_language(request)


def alternates(request):
    """(hreflang, absolute URL) of this page in every language, and x-default."""
    page = request.get_full_path()
    page_language = translation.get_language_from_path(request.path_info)
    with translation.override(page_language or settings.LANGUAGE_CODE):
        links = [
            (code, request.build_absolute_uri(translate_url(page, code)))
            for code, _name in settings.LANGUAGES
        ]
    default = dict(links)[settings.LANGUAGE_CODE]
    return [*links, ("x-default", default)]


def language_alternates(request):
    """Context processor: ``language_alternates``, worked out only when a
    template uses it (the base template's <head>)."""
    return {"language_alternates": lambda: alternates(request)}
