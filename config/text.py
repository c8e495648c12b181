"""What people may type: invisible format characters, once for every form.

Unicode's "format" characters (category Cf) change how text is shown
without being seen: U+202E turns the rest of a line around (a name that
reads "Anna" in the admin can hold anything), U+200E/U+200F and
U+2066..U+2069 move text between directions, U+FEFF and U+200B hide inside
words so two equal-looking names differ. They reach the admin, the printed
letters and e-mail subjects.

* One-line fields (names, titles, cities, captions, signatures,
  organisations) refuse them with a message next to the field: the person
  sees what they sent and can type it again.
* Long text (a letter, a description) has them removed: pasted text often
  carries a stray mark, and refusing a whole letter for it helps no one.

The zero-width joiner and non-joiner (U+200C, U+200D) are kept: Persian and
Indic spellings and emoji sequences need them, and they move nothing.

PlainTextForm applies both to every text field of a form; forms.Textarea
marks the long ones.
"""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

_JOINERS = frozenset("\u200c\u200d")


def _is_format(c: str) -> bool:
    return unicodedata.category(c) == "Cf" and c not in _JOINERS


def has_format_characters(value: str) -> bool:
    return any(_is_format(c) for c in value)


def strip_format_characters(value: str) -> str:
    return "".join(c for c in value if not _is_format(c))


def reject_format_characters(value: str) -> None:
    if isinstance(value, str) and has_format_characters(value):
        raise forms.ValidationError(
            _(
                "This contains invisible formatting characters (such as a right-to-left "
                "mark). Please type it again instead of pasting it."
            ),
            code="format_characters",
        )


def _is_long(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.Textarea)


class PlainTextForm(forms.BaseForm):
    """Mix into a form: one-line text fields refuse format characters, long
    text loses them. Put it first among the bases, so its clean() runs
    before the ones that build or save from cleaned_data."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if (
                isinstance(field, forms.CharField)
                and not _is_long(field)
                and not field.widget.is_hidden
            ):
                field.validators.append(reject_format_characters)

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(field, forms.CharField) and _is_long(field) and isinstance(value, str):
                cleaned[name] = strip_format_characters(value)
        return cleaned
