from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from config.antispam import SpamCheckedForm
from config.countries import CountryChoiceField
from config.text import PlainTextForm


class AppealForm(PlainTextForm, SpamCheckedForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        help_text=_("It signs the appeal the officials receive. It is not shown on this site."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    country = CountryChoiceField(
        label=_("Country"),
        blank_label=_("Choose a country"),
        help_text=_("Where you write from: it is counted on the map."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Private. Only used to send you the confirmation link."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    personal_note = forms.CharField(
        label=_("Your own paragraph (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    field_order = ["display_name", "country", "email", "personal_note", "website", "started"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.APPEAL_NOTE_MAX_CHARS
        note = self.fields["personal_note"]
        note.max_length = limit
        note.validators.append(MaxLengthValidator(limit))
        note.widget.attrs["maxlength"] = str(limit)
        note.help_text = _(
            "Added after the text above, which stays as it is. At most %(limit)d characters."
        ) % {"limit": limit}

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name
