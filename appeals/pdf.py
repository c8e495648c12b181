"""The printed batch of appeals to one target, for post: a cover, then one appeal per page."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from appeals.models import AppealDelivery, AppealTarget


class PdfFontMissing(Exception):
    pass


def _pdf() -> FPDF:
    # The letters' font (settings.LETTERS_PDF_FONT): the built-in PDF fonts
    # have no Cyrillic, and a ministry's address is in Cyrillic.
    font = Path(settings.LETTERS_PDF_FONT)
    if not font.is_file():
        raise PdfFontMissing(
            _("The font for printed letters is missing (%(path)s).") % {"path": font}
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


def appeals_pdf(*, target: AppealTarget, deliveries: list[AppealDelivery]) -> bytes:
    """The cover in the staff member's language; the appeals as their writers sent them."""
    pdf = _pdf()
    pdf.add_page()
    _line(pdf, _("Appeals to print and post"), size=18, gap=6)
    _line(pdf, str(target), size=13)
    _line(pdf, target.postal_address, gap=6)
    _line(
        pdf,
        ngettext(
            "%(count)d appeal in this batch", "%(count)d appeals in this batch", len(deliveries)
        )
        % {"count": len(deliveries)},
        size=14,
    )
    _line(pdf, date_format(timezone.localdate(), "j E Y"))
    for delivery in deliveries:
        appeal = delivery.appeal
        pdf.add_page()
        _line(pdf, target.postal_address, size=10, gap=8)
        _line(pdf, appeal.subject, size=14, gap=5)
        _line(pdf, appeal.body, gap=4)
        if appeal.personal_note:
            _line(pdf, appeal.personal_note, gap=4)
        with translation.override(appeal.language):
            country = str(appeal.country.name)
        _line(pdf, f"{appeal.display_name}, {country}", gap=2)
        _line(pdf, date_format(timezone.localtime(appeal.confirmed_at), "j E Y"), size=10)
    return bytes(pdf.output())
