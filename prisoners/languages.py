from django.utils.translation import gettext_lazy as _

# Languages a prison may accept letters in. Kept short on purpose: these are
# the ones censors in the region read; editors pick from them.
LETTER_LANGUAGES = [
    ("be", _("Belarusian")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("en", _("English")),
    ("pl", _("Polish")),
    ("lt", _("Lithuanian")),
    ("de", _("German")),
    ("fr", _("French")),
]
LETTER_LANGUAGE_NAMES = dict(LETTER_LANGUAGES)
