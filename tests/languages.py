"""Addresses in a given language: /be/… and /ru/…, English unprefixed."""

from django.urls import reverse
from django.utils import translation


def reverse_in(language, viewname, *args, **kwargs):
    with translation.override(language):
        return reverse(viewname, args=args or None, kwargs=kwargs or None)


def path_in(language, path):
    return path if language == "en" else f"/{language}{path}"
