"""The be and ru catalogues: complete, compiled, and what visitors read."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from pages.catalogues import (
    LANGUAGES,
    catalogue_paths,
    catalogue_problems,
    compile_catalogue,
    mo_is_current,
)
from tests.languages import reverse_in

LOCALE = Path(settings.LOCALE_PATHS[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_a_complete_catalogue(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert po.exists()
    assert catalogue_problems(po) == []


def test_the_extra_catalogues_are_complete_too():
    # locale_countries (generated) and locale_vendor (allauth, by hand).
    extra = [p for p in catalogue_paths() if p.parents[2] != LOCALE]
    assert len(extra) >= 2
    assert [problem for p in extra for problem in catalogue_problems(p)] == []


def test_it_ships_compiled_catalogues_that_match_the_sources():
    paths = list(catalogue_paths())
    assert {p.parts[-3] for p in paths} >= set(LANGUAGES)
    stale = [str(p) for p in paths if not mo_is_current(p)]
    assert stale == [], "run `make messages` (or manage.py messages_compile)"


def _copy_catalogue(tmp_path, language="ru"):
    target = tmp_path / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    for suffix in (".po", ".mo"):
        shutil.copy(LOCALE / language / "LC_MESSAGES" / f"django{suffix}", target)
    return target / "django.po"


def test_it_finds_empty_fuzzy_and_missing_plural_forms(tmp_path):
    po = _copy_catalogue(tmp_path)
    text = po.read_text()
    text = text.replace('msgstr "Написать заключённому"', 'msgstr ""', 1)
    text = text.replace(
        'msgid "Write a letter or postcard"', '#, fuzzy\nmsgid "Write a letter or postcard"', 1
    )
    text = text.replace('msgstr[3] "через %(days)s дня"\n', "", 1)
    po.write_text(text)
    problems = "\n".join(catalogue_problems(po))
    assert "'Write to a prisoner' is not translated" in problems
    assert "'Write a letter or postcard' is fuzzy" in problems
    # Babel pads a missing form with an empty one.
    assert "'in %(days)s day' has an empty plural form" in problems


def test_it_finds_a_compiled_catalogue_behind_its_source(tmp_path):
    po = _copy_catalogue(tmp_path)
    assert mo_is_current(po)
    po.write_text(po.read_text().replace("Написать заключённому", "Написать узнику", 1))
    assert not mo_is_current(po)
    compile_catalogue(po)
    assert mo_is_current(po)


def test_the_check_fails_when_the_code_has_a_string_the_catalogues_lack(settings, tmp_path):
    for language in LANGUAGES:
        po = _copy_catalogue(tmp_path, language)
        text = po.read_text().replace('msgid "Coming up"', 'msgid "Coming up soon"', 1)
        po.write_text(text)
        compile_catalogue(po)
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="no entry for 'Coming up'"):
        call_command("messages_check")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "phrase"),
    [("be", "Напісаць вязню"), ("ru", "Написать заключённому")],
)
def test_the_home_page_speaks_the_visitors_language(client, language, phrase):
    page = client.get(reverse_in(language, "home")).text
    assert phrase in page
    assert "Write to a prisoner" not in page


@pytest.mark.django_db
def test_the_sign_in_page_is_belarusian_although_allauth_has_no_be(client):
    page = client.get(reverse_in("be", "account_login")).text
    assert "Забыліся на пароль?" in page
    assert "Forgot your password?" not in page


@pytest.mark.django_db
def test_a_missing_page_says_so_in_the_visitors_language(client):
    response = client.get("/be/no-such-page/")
    assert response.status_code == 404
    assert "Старонка не знойдзена" in response.text
