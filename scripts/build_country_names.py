"""Write Belarusian country names into locale_countries/be (po and mo).

django-countries ships no Belarusian catalogue; it translates names with
gettext_lazy of its English names in the "django" domain, so a catalogue of
ours in LOCALE_PATHS with those msgids makes every select, table and map
tooltip Belarusian. The names come from Debian's iso-codes, as bundled by
pycountry (a dev dependency; the output is committed). Run it again after
upgrading either package:

    .venv/bin/python scripts/build_country_names.py
"""

import gettext
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

import pycountry  # noqa: E402
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import write_po  # noqa: E402
from django_countries.base import CountriesBase  # noqa: E402
from django_countries.data import COUNTRIES  # noqa: E402

LANGUAGE = "be"
TARGET = ROOT / "locale_countries" / LANGUAGE / "LC_MESSAGES"


def english(name):
    # The lazy string's own argument: the msgid django-countries looks up.
    return name._args[0] if hasattr(name, "_args") else str(name)


def main():
    iso = gettext.translation(
        "iso3166-1", Path(pycountry.__file__).parent / "locales", languages=[LANGUAGE]
    )
    msgids = {}
    for code, name in COUNTRIES.items():
        msgids.setdefault(english(name), code)
    for code, name in CountriesBase.COMMON_NAMES.items():
        msgids.setdefault(english(name), code)
    for code, names in CountriesBase.OLD_NAMES.items():
        for name in names:
            msgids.setdefault(english(name), code)

    catalogue = Catalog(
        locale=LANGUAGE,
        project="Solidarity",
        version="1",
        copyright_holder="Debian iso-codes contributors (LGPL-2.1+), via pycountry",
        language_team="Belarusian (iso-codes)",
        last_translator="scripts/build_country_names.py",
        fuzzy=False,
    )
    missing = []
    for msgid, code in sorted(msgids.items()):
        country = pycountry.countries.get(alpha_2=code)
        names = [getattr(country, "common_name", None), country.name] if country else []
        names.append(msgid)
        translated = next((iso.gettext(n) for n in names if n and iso.gettext(n) != n), None)
        if translated is None:
            missing.append(msgid)
            continue
        catalogue.add(msgid, translated)
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "django.po", "wb") as f:
        write_po(f, catalogue, width=79, omit_header=False)
    with open(TARGET / "django.mo", "wb") as f:
        write_mo(f, catalogue)
    print(f"{len(catalogue)} names written to {TARGET}; no Belarusian name for: {missing}")


if __name__ == "__main__":
    main()
