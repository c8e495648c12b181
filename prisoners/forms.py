from django import forms
from django.utils.translation import gettext_lazy as _

from prisoners.languages import LETTER_LANGUAGES
from prisoners.models import Prisoner


class PrisonerAdminForm(forms.ModelForm):
    letter_languages = forms.MultipleChoiceField(
        label=_("Languages the prison accepts"),
        choices=LETTER_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Prisoner
        fields = [
            "name",
            "name_original",
            "patronymic",
            "birth_year",
            "slug",
            "status",
            "is_published",
            "photo",
            "bio",
            "charges",
            "sentence",
            "birthday_month",
            "birthday_day",
            "accepts_letters",
            "letter_languages",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["letter_languages"] = self.instance.letter_language_codes

    def clean_letter_languages(self):
        return ",".join(self.cleaned_data["letter_languages"])
