"""The printed letters and the envelope labels, read back with pypdf."""

import io
import re

import pytest
from django.utils import translation
from django_countries import countries
from pypdf import PdfReader

from letters import services
from letters.models import Letter
from letters.pdf import addressee, batch_pdf, labels_pdf, packing_pdf
from prisoners.languages import LETTER_LANGUAGES
from tests import factories
from tests.letters.conftest import make_letter

BODY = "Dear Ales, the lime trees on our street are in bloom again. We remember you every morning."
TRANSLATION = "Дарагі Алесь, на нашай вуліцы зноў цвітуць ліпы. Мы памятаем вас кожную раніцу."


def _norm(text: str) -> str:
    return " ".join(text.split())


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _interface_words() -> set[str]:
    """What the old letter pages printed besides the letter, in en, be and ru.

    The kind ("Letter"), the language ("Russian"), the writer's country
    ("Germany"), the "Translation:" heading, the batch words: each in the
    three catalogues.
    """
    words = set()
    for language in ("en", "be", "ru"):
        with translation.override(language):
            words.update(str(label) for label in Letter.Kind.labels)
            words.update(str(name) for _code, name in LETTER_LANGUAGES)
            words.update(str(countries.name(code)) for code in ("PL", "DE", "BY"))
            words.add(str(Letter._meta.get_field("translation").verbose_name))
            words.add(str(Letter._meta.get_field("country").verbose_name))
            words.add(str(Letter._meta.get_field("sender_name").verbose_name))
            words.add(str(Letter._meta.verbose_name))
    return {w for w in words if w}


@pytest.fixture
def batch(prisoner, facility, moderator):
    letter = make_letter(prisoner, body=BODY, sender_name="Kasia", country="PL", language="en")
    services.letter_translation_save(letter=letter, moderator=moderator, translation=TRANSLATION)
    services.letter_approve(letter=letter, moderator=moderator)
    return services.batch_create(facility=facility, letters=[letter], moderator=moderator)


def test_it_prints_the_letter_the_translation_and_the_signature_and_nothing_else(batch):
    (page,) = _pages(batch_pdf(batch=batch))
    rest = _norm(page)
    # In this order: the text, signed; under a rule, the translation, signed.
    for piece in (BODY, "— Kasia", TRANSLATION, "— Kasia"):
        assert rest.strip().startswith(piece), rest
        rest = rest.strip().removeprefix(piece)
    # Left over: the staff's number at the foot, digits only.
    assert re.fullmatch(r"[\d\s·/—]*", rest), rest
    assert rest.strip() == "1"


def test_it_prints_no_interface_word_in_any_language_on_a_letter_page(batch):
    words = _interface_words()
    assert {"Letter", "Ліст", "Письмо", "Russian", "Руская", "Германия"} <= words
    (page,) = _pages(batch_pdf(batch=batch))
    found = [w for w in words if re.search(rf"\b{re.escape(w)}\b", page, re.IGNORECASE)]
    assert found == []
    assert "Poland" not in page and "Польшча" not in page and "Польша" not in page


def test_it_numbers_every_page_of_a_long_letter(prisoner, facility, moderator):
    long_body = "\n".join(f"Line {i} of a long letter about the lime trees." for i in range(70))
    letter = make_letter(prisoner, body=long_body)
    services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=[letter], moderator=moderator)
    pages = _pages(batch_pdf(batch=batch))
    assert len(pages) == 2
    assert "1 · 1/2" in pages[0]
    assert "1 · 2/2" in pages[1]
    assert "— Kasia" in pages[1]


def test_the_packing_sheet_matches_numbers_to_addressees_for_staff(batch, prisoner):
    prisoner.name_ru = "Алесь Беляцкий"
    prisoner.patronymic_ru = "Викторович"
    prisoner.save()
    (cover,) = map(_norm, _pages(packing_pdf(batch=batch)))
    assert "1 letter in this batch" in cover
    assert "do not post it" in cover
    assert "1. Беляцкий Алесь Викторович" in cover
    assert f"letter #{batch.letters.get().pk}" in cover


def test_the_addressee_is_in_russian_script_surname_first_for_a_belarusian_prison(
    prisoner, facility
):
    prisoner.name_ru = "Алесь Беляцкий"
    prisoner.patronymic_be = "Віктаравіч"
    prisoner.patronymic_ru = "Викторович"
    prisoner.birth_year = 1962
    prisoner.save()
    block = addressee(prisoner=prisoner, facility=facility)
    assert block.lines == [
        "Беляцкий Алесь Викторович",
        "1962 г. р.",
        "ул. Володарского, 2",
        "220030 г. Минск",
    ]


def test_without_a_russian_spelling_the_addressee_keeps_the_cyrillic_original(prisoner, facility):
    # No name_ru: the original-script name, never the English spelling.
    prisoner.patronymic_be = "Віктаравіч"
    prisoner.save()
    block = addressee(prisoner=prisoner, facility=facility)
    assert block.name == "Бяляцкі Алесь Віктаравіч"
    assert block.born == ""


def test_outside_russian_reading_prisons_the_name_is_written_as_entered(db):
    facility = factories.make_facility(
        name="JVA Moabit",
        country="DE",
        address="Alt-Moabit 12a\n10559 Berlin",
        address_original="",
    )
    prisoner = factories.make_prisoner(name="Anna Schmidt", facility=facility, birth_year=1980)
    block = addressee(prisoner=prisoner, facility=facility)
    assert block.lines == ["Anna Schmidt", "born 1980", "Alt-Moabit 12a", "10559 Berlin"]


def test_the_labels_carry_the_full_addressee_and_address(batch, prisoner, settings):
    settings.RETURN_ADDRESS = ""
    prisoner.name_ru = "Алесь Беляцкий"
    prisoner.patronymic_ru = "Викторович"
    prisoner.birth_year = 1962
    prisoner.save()
    (sheet,) = _pages(labels_pdf(batch=batch))
    text = _norm(sheet)
    for line in (
        "Беляцкий Алесь Викторович",
        "1962 г. р.",
        "ул. Володарского, 2",
        "220030 г. Минск",
    ):
        assert line in text
    assert "Letter" not in text


def test_the_labels_fill_sheets_of_24_and_add_return_labels_when_set(
    prisoner, facility, moderator, settings
):
    settings.RETURN_ADDRESS = "Viasna Solidarity\nul. Marszałkowska 1\n00-001 Warszawa\nPoland"
    letters = [make_letter(prisoner) for _ in range(25)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    pages = _pages(labels_pdf(batch=batch))
    # 25 envelopes: two sheets of addressee labels, two of return labels.
    assert len(pages) == 4
    assert _norm(pages[0]).count("ул. Володарского, 2") == 24
    assert _norm(pages[1]).count("ул. Володарского, 2") == 1
    assert _norm(pages[2]).count("ul. Marszałkowska 1") == 24
    assert _norm(pages[3]).count("00-001 Warszawa") == 1
    assert "Володарского" not in pages[2]


def test_without_a_return_address_the_packing_sheet_says_to_write_it(batch, settings):
    settings.RETURN_ADDRESS = ""
    assert "write it on every envelope" in _norm(_pages(packing_pdf(batch=batch))[0])
    assert len(_pages(labels_pdf(batch=batch))) == 1


def test_printing_reads_the_same_number_of_queries_for_1_and_6_letters(
    prisoner, facility, moderator, django_assert_num_queries
):
    other = factories.make_prisoner(name="Mikalai Statkevich", facility=facility)
    small = services.batch_create(
        facility=facility, letters=[_approved(prisoner, moderator)], moderator=moderator
    )
    large = services.batch_create(
        facility=facility,
        letters=[_approved(p, moderator) for p in [prisoner, other] * 3],
        moderator=moderator,
    )
    for batch in (small, large):
        # The letters with their prisoners, in one query, for each PDF.
        with django_assert_num_queries(1):
            batch_pdf(batch=batch)
        with django_assert_num_queries(1):
            labels_pdf(batch=batch)
        with django_assert_num_queries(1):
            packing_pdf(batch=batch)


def _approved(prisoner, moderator):
    letter = make_letter(prisoner)
    services.letter_approve(letter=letter, moderator=moderator)
    return letter
