"""Checks and compilation of the project's gettext catalogues, in Python.

GNU gettext (msgfmt) is not on a fresh Debian, so the compiled ``.mo`` files
are committed and written by Babel (``manage.py messages_compile``); the
checks here keep them honest: every entry translated, not fuzzy, with every
plural form the language has and the same placeholders as the English, and a
``.mo`` that says exactly what its ``.po`` says. ``manage.py messages_check``
and the test suite both call them.
"""

import io
import re
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.conf import settings

# The catalogues we keep; English is the source language.
LANGUAGES = ("be", "ru")
DOMAINS = ("django", "djangojs")
_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdifr%]")


def catalogue_paths(*, locales=LANGUAGES, domains=DOMAINS):
    """Existing ``.po`` files of the project (in every LOCALE_PATHS entry)."""
    for root in settings.LOCALE_PATHS:
        for locale in locales:
            for domain in domains:
                po = Path(root) / locale / "LC_MESSAGES" / f"{domain}.po"
                if po.exists():
                    yield po


def read_catalogue(po_path):
    with open(po_path, "rb") as f:
        return read_po(f, locale=Path(po_path).parts[-3])


def read_template(pot_path):
    """A .pot as xgettext writes it (its placeholder plural header removed)."""
    text = (
        Path(pot_path)
        .read_bytes()
        .replace(b'"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"\n', b"")
    )
    return read_po(io.BytesIO(text))


def _key(message):
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return (message.context or "", msgid)


def catalogue_keys(catalogue):
    return {_key(m) for m in catalogue if m.id}


def catalogue_problems(po_path):
    """What a translator still has to do in one catalogue, one line each."""
    catalogue = read_catalogue(po_path)
    nplurals = catalogue.num_plurals
    problems = []
    for m in catalogue:
        if not m.id:
            continue
        label = f"{po_path}:{m.lineno}: {_key(m)[1][:60]!r}"
        if m.fuzzy:
            problems.append(f"{label} is fuzzy")
        if isinstance(m.id, tuple | list):
            forms = m.string if isinstance(m.string, tuple | list) else (m.string,)
            if len(forms) != nplurals:
                problems.append(f"{label} has {len(forms)} plural forms, not {nplurals}")
            if not all(forms):
                problems.append(f"{label} has an empty plural form")
            wanted = sorted(set(_PLACEHOLDER.findall(m.id[1])))
            for form in forms:
                if form and sorted(set(_PLACEHOLDER.findall(form))) != wanted:
                    problems.append(f"{label}: placeholders differ in {form[:60]!r}")
        else:
            if not m.string:
                problems.append(f"{label} is not translated")
            elif sorted(_PLACEHOLDER.findall(m.id)) != sorted(_PLACEHOLDER.findall(m.string)):
                problems.append(f"{label}: placeholders differ in {m.string[:60]!r}")
    return problems


def _translations(catalogue):
    return {
        _key(m): tuple(m.string) if isinstance(m.string, tuple | list) else m.string
        for m in catalogue
        if m.id and not m.fuzzy
    }


def mo_is_current(po_path):
    mo_path = Path(po_path).with_suffix(".mo")
    if not mo_path.exists():
        return False
    with open(mo_path, "rb") as f:
        compiled = read_mo(f)
    source = read_catalogue(po_path)
    return compiled.plural_forms == source.plural_forms and _translations(
        compiled
    ) == _translations(source)


def compile_catalogue(po_path):
    catalogue = read_catalogue(po_path)
    with open(Path(po_path).with_suffix(".mo"), "wb") as f:
        write_mo(f, catalogue, use_fuzzy=False)
