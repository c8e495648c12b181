"""The print-ready PDF of a delivery batch: a cover sheet, then one letter per page."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from letters.models import DeliveryBatch, Letter


class PdfFontMissing(Exception):
    pass


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
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_font("body", "", str(font))
    pdf.set_font("body", size=11)
    return pdf


def _line(pdf: FPDF, text: str, size: int = 11, gap: float = 2) -> None:
    pdf.set_font("body", size=size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def batch_pdf(*, batch: DeliveryBatch) -> bytes:
    pdf = _pdf()
    letters = list(
        batch.letters.select_related("prisoner").order_by("prisoner__name", "created_at")
    )
    facility = batch.facility

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
    for letter in letters:
        _letter_page(pdf, letter, facility)
    return bytes(pdf.output())


def _letter_page(pdf: FPDF, letter: Letter, facility) -> None:
    prisoner = letter.prisoner
    pdf.add_page()
    # The address block as the local post office reads it, then in Latin letters.
    _line(pdf, prisoner.name_original or prisoner.name, size=13, gap=1)
    if facility.address_original:
        _line(pdf, facility.address_original, gap=3)
    _line(pdf, prisoner.name, size=9, gap=0)
    _line(pdf, facility.address, size=9, gap=8)
    _line(pdf, letter.body, size=11, gap=4)
    _line(pdf, f"— {letter.sender_name}, {letter.country.name}", gap=6)
    if letter.translation:
        _line(pdf, _("Translation:"), size=9, gap=1)
        _line(pdf, letter.translation, size=11, gap=4)
        _line(pdf, f"— {letter.sender_name}", gap=6)
    _line(
        pdf,
        f"#{letter.pk} · {letter.get_kind_display()} · {letter.get_language_display()}",
        size=7,
    )
