import re

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from config.antispam import SpamCheckedForm
from config.countries import CountryChoiceField
from config.text import PlainTextForm
from letters import services
from letters.models import Letter
from prisoners.languages import LETTER_LANGUAGES

# C0 controls other than tab, line feed and carriage return, and DEL: they
# are invisible on screen and print as boxes or nothing (a pasted escape
# code, a form feed), so the censor gets a text the moderator never saw.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(value: str) -> None:
    if _CONTROL_CHARACTERS.search(value):
        raise forms.ValidationError(
            _(
                "The text contains invisible control characters that cannot be printed. "
                "Please type it again or paste it as plain text."
            ),
            code="control_characters",
        )


NO_CAMPAIGN = "none"


class _FixedChoiceField(forms.ChoiceField):
    """A ChoiceField whose form instances share its choices list: Django
    deep-copies it, lazy labels and all, for every form built (about half a
    millisecond of each letter). Nothing changes the list in place; setting
    ``choices`` on an instance's field replaces it."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


class LetterBodyForm(PlainTextForm, forms.Form):
    """The letter's text with its limits: writing a letter, and changing one."""

    body = forms.CharField(
        label=_("Your letter"),
        widget=forms.Textarea(attrs={"rows": 12}),
        min_length=20,
        validators=[reject_control_characters],
        error_messages={
            "min_length": _("Please write at least a few words (%(limit_value)d characters).")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_chars = settings.LETTERS_BODY_MAX_CHARS
        self.fields["body"].max_length = self.max_chars
        self.fields["body"].widget.attrs["maxlength"] = str(self.max_chars)
        self.fields["body"].validators.append(MaxLengthValidator(self.max_chars))
        self.fields["body"].error_messages["max_length"] = _(
            "Please keep your letter under %(limit_value)d characters (it has %(show_value)d)."
        )

    def clean_body(self):
        return self.cleaned_data["body"].strip()


class LetterForm(SpamCheckedForm, LetterBodyForm):
    kind = _FixedChoiceField(
        label=_("What you send"),
        choices=Letter.Kind.choices,
        initial=Letter.Kind.LETTER,
        widget=forms.RadioSelect,
    )
    # "none" is the writer's choice of no campaign; a missing value means
    # not chosen, and the one running campaign counts it (services).
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    language = _FixedChoiceField(label=_("Language of your letter"), choices=LETTER_LANGUAGES)
    sender_name = forms.CharField(
        label=_("Sign with"),
        max_length=60,
        validators=[reject_control_characters],
        help_text=_("A first name or a pseudonym. The prison censor reads every letter."),
    )
    country = CountryChoiceField(
        label=_("Your country"),
        blank_label="—",
        help_text=_("It puts your letter on the solidarity map."),
    )
    sender_email = forms.EmailField(
        label=_("Your e-mail"),
        # The column's length (Django's model EmailField): the form field
        # would accept 320, and PostgreSQL refuses what does not fit.
        max_length=254,
        help_text=_(
            "Private: only our moderators see it. We send a confirmation with a link to "
            "withdraw the letter, and tell you when it is posted."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that volunteers read my letter, that it is printed and posted to the prison, "
            "and that my e-mail is kept until some time after posting."
        ),
        error_messages={"required": _("Please tick this box so that we may post your letter.")},
    )

    wall_consent = forms.BooleanField(
        label=_(
            "You may also show a short excerpt of my letter on the wall of solidarity, "
            "with the name I signed with and my country."
        ),
        help_text=_(
            "Optional. A moderator chooses the excerpt; never your e-mail. You can take this "
            "back at any time with the link in our e-mail."
        ),
        required=False,
        initial=False,
    )

    field_order = [
        "kind",
        "campaign",
        "language",
        "body",
        "sender_name",
        "country",
        "sender_email",
        "consent",
        "wall_consent",
    ]

    def __init__(self, *args, campaigns=(), languages=(), preferred_language="", **kwargs):
        super().__init__(*args, **kwargs)
        self.campaigns = {c.pk: c for c in campaigns}
        if self.campaigns:
            self.fields["campaign"].choices = [(NO_CAMPAIGN, _("No campaign"))] + [
                (str(c.pk), c.title) for c in campaigns
            ]
        else:
            del self.fields["campaign"]
        # The visitor's own language when the prison accepts it (a Russian
        # reader on /ru/ writes in Russian); else the prison's first language.
        if preferred_language in (languages or dict(LETTER_LANGUAGES)):
            self.fields["language"].initial = preferred_language
        elif languages:
            self.fields["language"].initial = languages[0]

    def clean_campaign(self):
        value = self.cleaned_data.get("campaign")
        if value == NO_CAMPAIGN:
            return None
        if not value:
            return services.RUNNING_CAMPAIGN
        return self.campaigns[int(value)]
