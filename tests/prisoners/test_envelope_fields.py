"""Patronymic and year of birth: kept in the admin, checked, printed on envelopes."""

import datetime as dt

from django.urls import reverse

from prisoners.models import Prisoner


def _form(**overrides):
    data = {
        "name_en": "Mikalai Statkevich",
        "name_be": "Мікалай Статкевіч",
        "name_ru": "Николай Статкевич",
        "name_original": "Мікалай Статкевіч",
        "patronymic_en": "Viktaravich",
        "patronymic_be": "Віктаравіч",
        "patronymic_ru": "Викторович",
        "birth_year": "1956",
        "slug": "mikalai-statkevich",
        "status": "convicted",
        "is_published": "on",
        "accepts_letters": "on",
        "letter_languages": ["be", "ru"],
    }
    for prefix in ("imprisonments", "case_events"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def test_it_shows_the_envelope_fields_in_the_prisoner_admin(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:prisoners_prisoner_add")).text
    for name in ("patronymic_en", "patronymic_be", "patronymic_ru", "birth_year"):
        assert f'name="{name}"' in page


def test_it_saves_the_patronymic_in_three_spellings_and_the_year(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:prisoners_prisoner_add"), _form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    prisoner = Prisoner.objects.get(slug="mikalai-statkevich")
    assert (prisoner.patronymic_ru, prisoner.patronymic_be, prisoner.birth_year) == (
        "Викторович",
        "Віктаравіч",
        1956,
    )


def test_an_implausible_year_of_birth_is_refused_next_to_the_field(client, editor):
    client.force_login(editor)
    latest = dt.date.today().year - 14
    for year in ("1850", str(latest + 1), "99999"):
        response = client.post(reverse("admin:prisoners_prisoner_add"), _form(birth_year=year))
        assert response.status_code == 200, year
        errors = response.context["adminform"].form.errors
        assert list(errors) == ["birth_year"], year
    response = client.post(reverse("admin:prisoners_prisoner_add"), _form(birth_year="1850"))
    assert f"Enter a year of birth between 1900 and {latest}." in response.text
    assert not Prisoner.objects.exists()


def test_both_fields_may_stay_empty(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:prisoners_prisoner_add"),
        _form(patronymic_en="", patronymic_be="", patronymic_ru="", birth_year=""),
    )
    assert response.status_code == 302
    prisoner = Prisoner.objects.get()
    # modeltranslation keeps an empty spelling as NULL; the envelope then has none.
    assert not prisoner.patronymic_ru
    assert prisoner.birth_year is None
