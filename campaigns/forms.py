from django import forms
from django.utils.translation import gettext_lazy as _

from config.antispam import SpamCheckedForm
from config.countries import CountryChoiceField
from config.text import PlainTextForm


class SignatureForm(PlainTextForm, SpamCheckedForm):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        # Never published on the site: signers' relatives can be persecuted.
        help_text=_(
            "It goes on the petition delivered to its addressees and is not shown on this "
            "site. A first name or a pseudonym is enough."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    country = CountryChoiceField(
        label=_("Country"),
        blank_label=_("Choose a country"),
        help_text=_("Where you sign from: it is counted on the map."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        # The column's length (Signature.email), below the validator's 320.
        max_length=254,
        help_text=_("Private. Only used to send you the confirmation link."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = ["display_name", "country", "email", "website", "started"]

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name
