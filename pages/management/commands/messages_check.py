"""Fail when the catalogues lag behind the code.

Extracts the messages exactly as ``makemessages`` does (it is a subclass), but
into a temporary folder, and compares them with the committed catalogues
instead of merging: a msgid the code has and a catalogue lacks, an empty or
fuzzy entry, a missing plural form, or a ``.mo`` older than its ``.po`` is an
error. Nothing in locale/ is written. ``make messages`` is the fix.
"""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import makemessages

from pages.catalogues import (
    LANGUAGES,
    catalogue_keys,
    catalogue_problems,
    mo_is_current,
    read_catalogue,
    read_template,
)

# The same list `make messages` passes (Makefile: MESSAGES_IGNORE).
IGNORE = [".venv", "bench", "tests", "staticfiles", "var", "static/vendor", "node_modules"]


class Command(makemessages.Command):
    help = "Check that the be/ru catalogues hold every message of the code, translated."

    def handle(self, *args, **options):
        self._tmp = Path(tempfile.mkdtemp(prefix="messages-check-"))
        self._problems = []
        try:
            for domain in ("django", "djangojs"):
                self._domain_seen = False
                super().handle(
                    *args,
                    **{
                        **options,
                        "domain": domain,
                        "locale": list(LANGUAGES),
                        "exclude": [],
                        "all": False,
                        "extensions": None,
                        "ignore_patterns": list(IGNORE),
                        "use_default_ignore_patterns": True,
                        "no_wrap": False,
                        "no_location": True,
                        "add_location": None,
                        "no_obsolete": False,
                        "keep_pot": False,
                        "symlinks": False,
                        "verbosity": 0,
                    },
                )
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        root = Path(settings.LOCALE_PATHS[0])
        for locale in LANGUAGES:
            for po in sorted((root / locale / "LC_MESSAGES").glob("*.po")):
                self._problems += catalogue_problems(po)
                if not mo_is_current(po):
                    self._problems.append(f"{po.with_suffix('.mo')} is missing or out of date")
        if self._problems:
            raise CommandError(
                "The catalogues are not complete (run `make messages`, translate, "
                "`make messages` again):\n  " + "\n  ".join(self._problems)
            )
        self.stdout.write("Catalogues complete: " + ", ".join(LANGUAGES))

    def find_files(self, root):
        # Every file's messages go to the temporary folder, not to locale/.
        files = super().find_files(root)
        for translatable in files:
            translatable.locale_dir = str(self._tmp)
        self.locale_paths = [str(self._tmp)]
        return files

    def write_po_file(self, potfile, locale):
        extracted = catalogue_keys(read_template(potfile))
        po = Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / f"{self.domain}.po"
        if not po.exists():
            self._problems.append(f"{po} is missing ({len(extracted)} messages to translate)")
            return
        for context, msgid in sorted(extracted - catalogue_keys(read_catalogue(po))):
            label = f"{context}|{msgid}" if context else msgid
            self._problems.append(f"{po}: no entry for {label[:80]!r}")
