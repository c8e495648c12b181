from django import forms
from django_countries import countries


def country_choices(blank_label):
    """Choices for a country select, as a callable form fields evaluate late.

    Late: names come in the visitor's language (django-countries caches the
    sorted list per language), and a form instance does not deep-copy some
    250 choices each time it is created, which was a fifth of a letter
    submission's time.
    """

    def choices():
        return [("", blank_label), *countries]

    return choices


class CountryChoiceField(forms.ChoiceField):
    """A country select that checks a code with one lookup, not a walk over
    every choice (two milliseconds of each submission)."""

    def __init__(self, *, blank_label="—", **kwargs):
        super().__init__(choices=country_choices(blank_label), **kwargs)

    def valid_value(self, value):
        return value in countries
