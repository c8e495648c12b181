"""What a delivery batch prints: the letters, and the labels for their envelopes.

The letters PDF holds the letters and nothing else; the packing sheet, for
staff, is a PDF of its own, so no page of what is posted says a word of the
interface. A letter page
carries the writer's text, its translation when a moderator added one, and
the name the writer signed with: nothing else, in no language, because the
censor confiscates what they cannot read and a line of English on a Russian
letter is exactly that. The only other mark is a small number at the foot
(the letter's place in the batch, and "page/pages" when it runs over), which
the packing sheet and the labels repeat, so staff match letter N to label N.

The labels PDF is one address label per letter (one envelope each), on
A4 sheets of 3 × 8 labels of 70 × 37 mm (Avery Zweckform 3474 and its
clones), then, when RETURN_ADDRESS is set, as many return-address labels on
sheets of their own: post offices read the sender top left and the
addressee bottom right of the envelope, two places one label cannot cover.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from letters.models import DeliveryBatch, Letter
from prisoners.models import Facility, Prisoner

# The language the post office and the censor of a facility's country read,
# when it is one of the site's: Belarusian prisons work in Russian (the
# official forms, the censors), so a Belarusian or Russian facility gets the
# Russian spelling of the name.
PRISON_LANGUAGE = {"BY": "ru", "RU": "ru"}

# Avery Zweckform 3474: A4, 3 columns × 8 rows of 70 × 37 mm, edge to edge.
LABEL_W, LABEL_H = 70.0, 37.0
LABEL_COLS, LABEL_ROWS = 3, 8
LABEL_TOP = (297.0 - LABEL_ROWS * LABEL_H) / 2  # 0.5 mm
LABEL_PAD_X, LABEL_PAD_Y = 5.0, 3.5  # most printers cannot print to the edge
LABEL_SIZES = (10, 9, 8, 7)  # points: the largest at which the block fits

MARGIN_BOTTOM = 18


class PdfFontMissing(Exception):
    pass


@dataclass(frozen=True)
class Addressee:
    name: str  # as the prison files it: surname first in Russian
    born: str  # "1962 г. р.", or "" when the year is not known
    address: str

    @property
    def lines(self) -> list[str]:
        return [line for line in (self.name, self.born, *self.address.splitlines()) if line]


def addressee(*, prisoner: Prisoner, facility: Facility) -> Addressee:
    """The envelope's addressee block in the prison's language and script.

    For a Russian-reading prison: the Russian columns (name_ru, patronymic_ru)
    when an editor filled them, else the original-script name and the
    Belarusian patronymic (Cyrillic either way), never the English spelling
    while a Cyrillic one exists. The name field holds "first name surname";
    the last word is taken as the surname and put first, as the prison's
    registers are kept. Elsewhere the name is written as entered.
    """
    language = PRISON_LANGUAGE.get(facility.country.code)
    if language == "ru":
        name = prisoner.name_ru or prisoner.name_original or prisoner.name_en
        patronymic = prisoner.patronymic_ru or prisoner.patronymic_be or prisoner.patronymic_en
        first, _space, surname = name.strip().rpartition(" ")
        words = [surname, first, patronymic or ""]
    else:
        name = prisoner.name_original or prisoner.name_en
        words = [name, prisoner.patronymic_en or ""]
    born = ""
    if prisoner.birth_year:
        with translation.override(language or "en"):
            born = _("born %(year)s") % {"year": prisoner.birth_year}
    return Addressee(
        name=" ".join(w for w in words if w),
        born=born,
        address=facility.address_original or facility.address,
    )


def _pdf() -> FPDF:
    font = Path(settings.LETTERS_PDF_FONT)
    if not font.is_file():
        # The built-in PDF fonts have no Cyrillic: printing without this font
        # would produce envelopes the post office cannot read.
        raise PdfFontMissing(
            _(
                "The font for printed letters is missing (%(path)s). Install fonts-dejavu-core "
                "or set LETTERS_PDF_FONT to a Unicode TrueType font."
            )
            % {"path": font}
        )
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
    pdf.set_margins(20, 18, 20)
    pdf.add_font("body", "", str(font))
    pdf.set_font("body", size=11)
    return pdf


def _line(pdf: FPDF, text: str, size: float = 11, gap: float = 2, align: str = "L") -> None:
    pdf.set_font("body", size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align=align)
    pdf.ln(gap)


def batch_letters(batch: DeliveryBatch) -> list[Letter]:
    """The batch's letters in print order: the letters PDF and the labels share it."""
    return list(batch.letters.select_related("prisoner").order_by("prisoner__name", "created_at"))


def batch_pdf(*, batch: DeliveryBatch) -> bytes:
    """The letters, one after another, as they go into the envelopes."""
    pdf = _pdf()
    for number, letter in enumerate(batch_letters(batch), start=1):
        _letter_pages(pdf, letter, number)
    return bytes(pdf.output())


def packing_pdf(*, batch: DeliveryBatch) -> bytes:
    """Staff only: which numbered letter goes into which envelope."""
    pdf = _pdf()
    letters = batch_letters(batch)
    facility = batch.facility
    blocks = [addressee(prisoner=letter.prisoner, facility=facility) for letter in letters]
    _packing_sheet(pdf, batch, facility, letters, blocks)
    return bytes(pdf.output())


def _packing_sheet(pdf, batch, facility, letters, blocks) -> None:
    """Staff only, in the staff's language: what goes into which envelope."""
    pdf.add_page()
    _line(pdf, _("Delivery batch %(id)s") % {"id": batch.pk}, size=18, gap=6)
    _line(pdf, facility.name, size=13)
    _line(pdf, facility.address_original or facility.address, size=11, gap=6)
    _line(
        pdf,
        ngettext("%(count)d letter in this batch", "%(count)d letters in this batch", len(letters))
        % {"count": len(letters)},
        size=14,
        gap=4,
    )
    _line(
        pdf,
        _("Made on %(date)s")
        % {"date": date_format(timezone.localtime(batch.created_at), "j E Y")},
    )
    _line(
        pdf,
        _(
            "This sheet is for staff: do not post it. Each letter carries only its number at "
            "the foot of its pages; put letter N in the envelope with label N (the address "
            "labels come in the same order)."
        ),
        size=10,
        gap=2,
    )
    if not settings.RETURN_ADDRESS:
        _line(
            pdf,
            _("No return address is set (RETURN_ADDRESS): write it on every envelope."),
            size=10,
            gap=2,
        )
    pdf.ln(2)
    for number, (letter, block) in enumerate(zip(letters, blocks, strict=True), start=1):
        details = [block.name]
        if block.born:
            details.append(block.born)
        details.append(
            _("letter #%(id)s, %(kind)s, %(language)s, signed “%(signature)s”")
            % {
                "id": letter.pk,
                "kind": letter.get_kind_display(),
                "language": letter.get_language_display(),
                "signature": letter.sender_name,
            }
        )
        _line(pdf, f"{number}.  " + " · ".join(details), size=10, gap=1)


def _letter_pages(pdf: FPDF, letter: Letter, number: int) -> None:
    pdf.add_page()
    first = pdf.page
    _line(pdf, letter.body, size=11, gap=4)
    _line(pdf, f"— {letter.sender_name}", gap=6, align="R")
    if letter.translation:
        # A rule, not a heading: a heading would be a word in some language.
        y = pdf.get_y()
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.ln(6)
        _line(pdf, letter.translation, size=11, gap=4)
        _line(pdf, f"— {letter.sender_name}", gap=6, align="R")
    last = pdf.page
    # The staff's marker, digits only, on each page of this letter.
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("body", size=7)
    pages = last - first + 1
    for page in range(first, last + 1):
        pdf.page = page
        marker = str(number) if pages == 1 else f"{number} · {page - first + 1}/{pages}"
        pdf.set_xy(pdf.l_margin, pdf.h - 12)
        pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin, 4, marker, align="C")
    pdf.page = last
    pdf.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)


def labels_pdf(*, batch: DeliveryBatch) -> bytes:
    pdf = _pdf()
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    letters = batch_letters(batch)
    blocks = [
        addressee(prisoner=letter.prisoner, facility=batch.facility).lines for letter in letters
    ]
    _label_sheets(pdf, blocks, numbered=True)
    return_address = [line for line in settings.RETURN_ADDRESS.splitlines() if line.strip()]
    if return_address:
        _label_sheets(pdf, [return_address] * len(letters), numbered=False)
    return bytes(pdf.output())


def _label_sheets(pdf: FPDF, blocks: list[list[str]], *, numbered: bool) -> None:
    per_sheet = LABEL_COLS * LABEL_ROWS
    for i, lines in enumerate(blocks):
        slot = i % per_sheet
        if slot == 0:
            pdf.add_page()
        x = (slot % LABEL_COLS) * LABEL_W
        y = LABEL_TOP + (slot // LABEL_COLS) * LABEL_H
        if numbered:
            # The letter's number, as at the foot of its pages: for staff.
            pdf.set_font("body", size=6)
            pdf.set_xy(x + LABEL_W - LABEL_PAD_X - 10, y + 1.5)
            pdf.cell(10, 2.5, str(i + 1), align="R")
        _label_text(pdf, lines, x + LABEL_PAD_X, y + LABEL_PAD_Y)


def _label_text(pdf: FPDF, lines: list[str], x: float, y: float) -> None:
    width = LABEL_W - 2 * LABEL_PAD_X
    room = LABEL_H - 2 * LABEL_PAD_Y
    text = "\n".join(lines)
    for size in LABEL_SIZES:
        pdf.set_font("body", size=size)
        height = size * 0.42
        wrapped = pdf.multi_cell(width, height, text, dry_run=True, output=MethodReturnValue.LINES)
        if len(wrapped) * height <= room:
            break
    # At the smallest size a block that still does not fit is printed whole
    # and runs over the label's foot: a cut-off address would be worse, and
    # the labels preview shows it.
    # Centred top to bottom: a sheet fed a millimetre off still keeps the
    # text off the label's edges.
    top = max(y, y + (room - len(wrapped) * height) / 2)
    pdf.set_xy(x, top)
    pdf.multi_cell(width, height, text, new_x="LEFT", new_y="NEXT")
