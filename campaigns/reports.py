"""Documents for staff: the petition for delivery and the campaign report.

Both are written in the active language (the admin speaks the staff
member's) and read a fixed number of queries whatever the campaign's size:
signatures and events are read in chunks (``iterator``), figures come from
the tally rows, which the ledger write keeps exact in its own transaction.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from fpdf import FPDF
from fpdf.fonts import FontFace

from campaigns import charts
from campaigns.models import Action, ActionKind, Campaign, DailyTally, Signature
from campaigns.selectors import campaign_tally, table_kinds
from campaigns.services.maps import map_file_names
from letters.pdf import _line, _pdf

CHUNK = 2000


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


# --- the petition -------------------------------------------------------------


@dataclass
class PetitionFigures:
    # Confirmed signatures with a name: the ledger's signature actions whose
    # source is a Signature (a signature counts once it is confirmed).
    named: int
    # Signatures counted without a name here: partners' offline reports.
    reported: int

    @property
    def total(self) -> int:
        """What the public counter shows: every signature action in the ledger."""
        return self.named + self.reported


def _signature_actions(campaign: Campaign):
    return Action.objects.filter(campaign=campaign, kind=ActionKind.SIGNATURE)


def petition_figures(*, campaign: Campaign) -> PetitionFigures:
    signature_type = ContentType.objects.get_for_model(Signature)
    rows = dict(
        _signature_actions(campaign)
        .order_by()
        .values("source_type_id")
        .annotate(n=Sum("quantity"))
        .values_list("source_type_id", "n")
    )
    named = rows.pop(signature_type.pk, 0)
    return PetitionFigures(named=named, reported=sum(rows.values()))


def petition_names(*, campaign: Campaign) -> Iterator[tuple[int, str, str]]:
    """(number, name, country name) of every counted signature, oldest first, in chunks."""
    signature_type = ContentType.objects.get_for_model(Signature)
    counted = _signature_actions(campaign).filter(source_type=signature_type)
    rows = (
        Signature.objects.filter(campaign=campaign, pk__in=counted.values("source_id"))
        .order_by("confirmed_at", "pk")
        .values_list("display_name", "country")
        .iterator(chunk_size=CHUNK)
    )
    for number, (name, country) in enumerate(rows, start=1):
        yield number, name, str(countries.name(country) or country)


def _spreadsheet_safe(value: str) -> str:
    # Names come from the public form: one starting like a formula would be
    # run by the spreadsheet that opens the file (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def petition_csv_rows(*, campaign: Campaign) -> Iterator[str]:
    """The CSV, line by line (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line([_("No."), _("Name"), _("Country")])
    for number, name, country in petition_names(campaign=campaign):
        yield line([number, _spreadsheet_safe(name), country])


def petition_pdf(*, campaign: Campaign) -> bytes:
    figures = petition_figures(campaign=campaign)
    pdf = _pdf()
    pdf.add_page()
    _line(pdf, campaign.title, size=18, gap=4)
    if campaign.petition_addressee:
        _line(pdf, _("To: %(addressee)s") % {"addressee": campaign.petition_addressee}, size=13)
    _line(pdf, campaign.petition_text or campaign.description, gap=6)
    _line(
        pdf,
        ngettext(
            "%(count)s signature in total",
            "%(count)s signatures in total",
            figures.total,
        )
        % {"count": _n(figures.total)},
        size=14,
        gap=1,
    )
    if figures.reported:
        _line(
            pdf,
            _(
                "%(named)s signed online (names below) and %(reported)s on paper, "
                "reported by partner organisations."
            )
            % {"named": _n(figures.named), "reported": _n(figures.reported)},
            size=10,
        )
    _line(
        pdf,
        _("As of %(date)s") % {"date": date_format(timezone.localtime(), "j E Y, H:i")},
        size=10,
        gap=6,
    )
    pdf.set_font("body", size=10)
    written = 0
    for number, name, country in petition_names(campaign=campaign):
        pdf.cell(16, 6, f"{number}.", align="R")
        pdf.cell(4, 6, "")
        pdf.cell(100, 6, name[:70])
        pdf.cell(0, 6, country, new_x="LMARGIN", new_y="NEXT")
        written = number
    if written != figures.named:
        # A signature confirmed or removed between the two reads: say so on
        # the page rather than hand over a document whose count is off.
        _line(
            pdf,
            _("The signatures changed while this document was made; download it again."),
            size=12,
        )
    return bytes(pdf.output())


# --- the campaign report --------------------------------------------------------


@dataclass
class EventLine:
    day: dt.date
    city: str
    country: str
    title: str
    participants: int | None
    summary: str
    photo: str


def _events(campaign: Campaign) -> Iterator[EventLine]:
    from events.models import Event, EventPhoto

    first_photo = EventPhoto.objects.filter(event=OuterRef("pk")).order_by("order", "id")
    rows = (
        Event.objects.published()
        .filter(campaign=campaign)
        .annotate(photo=Subquery(first_photo.values("thumbnail")[:1]))
        .order_by("starts_on_local", "city", "pk")
        .values_list(
            "starts_on_local",
            "city",
            "country",
            "title",
            "report__participants",
            "report__summary",
            "report__is_published",
            "photo",
        )
        .iterator(chunk_size=500)
    )
    for day, city, country, title, participants, summary, report_published, photo in rows:
        if not report_published:
            participants, summary = None, ""
        yield EventLine(
            day=day,
            city=city,
            country=str(countries.name(country) or country),
            title=title,
            participants=participants,
            summary=summary or "",
            photo=photo or "",
        )


def _event_line(event: EventLine) -> str:
    text = f"{event.city}, {event.country}: {event.title}"
    if event.participants:
        text += " " + ngettext(
            "(%(count)s participant)", "(%(count)s participants)", event.participants
        ) % {"count": _n(event.participants)}
    return text


def campaign_summary_text(*, campaign: Campaign) -> str:
    """Events by date and city, ready to paste into an article."""
    lines = [campaign.title, ""]
    day = None
    count = 0
    for event in _events(campaign):
        if event.day != day:
            if day is not None:
                lines.append("")
            day = event.day
            lines.append(date_format(day, "j E Y"))
        lines.append(f"- {_event_line(event)}")
        if event.summary:
            lines.append(f"  {event.summary}")
        count += 1
    if not count:
        lines.append(_("No published events yet."))
    return "\n".join(lines).rstrip() + "\n"


def _figures_table(pdf: FPDF, campaign: Campaign) -> None:
    tally = campaign_tally(campaign_id=campaign.pk)
    _line(
        pdf,
        ngettext(
            "%(count)s action in %(countries)s countries",
            "%(count)s actions in %(countries)s countries",
            tally.total,
        )
        % {"count": _n(tally.total), "countries": _n(sum(1 for r in tally.rows if r.code))},
        size=14,
        gap=4,
    )
    _line(pdf, _("Actions per kind"), size=13, gap=1)
    pdf.set_font("body", size=10)
    for kind, label in table_kinds():
        pdf.cell(70, 6, str(label))
        pdf.cell(30, 6, _n(tally.count(kind)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _line(pdf, _("Actions per country"), size=13, gap=1)
    kinds = table_kinds()
    header = [_("Country"), *[str(label) for _k, label in kinds], _("Total")]
    pdf.set_font("body", size=7)
    # fpdf2's table wraps long headings ("Event participants") in their cell.
    with pdf.table(
        col_widths=(30, *[13] * len(kinds), 13),
        text_align=("LEFT", *["RIGHT"] * (len(kinds) + 1)),
        line_height=4,
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
        # One regular font (letters/pdf.py): headings in colour, not bold.
        headings_style=FontFace(emphasis="", color=(90, 90, 90)),
    ) as table:
        table.row(header)
        for row in tally.rows:
            table.row([row.name or _("Country unknown"), *map(_n, row.cells()), _n(row.total)])
    pdf.ln(4)


def _map(pdf: FPDF, campaign: Campaign) -> None:
    _line(pdf, _("Map"), size=13, gap=1)
    name = map_file_names(campaign_id=campaign.pk, version=campaign.map_version)["png"]
    if not campaign.map_version or not default_storage.exists(name):
        _line(pdf, _("The map has not been drawn yet."), size=10)
        return
    with default_storage.open(name, "rb") as f:
        pdf.image(io.BytesIO(f.read()), w=pdf.epw)
    pdf.ln(4)


def _day_chart(pdf: FPDF, campaign: Campaign) -> None:
    days = list(DailyTally.objects.filter(campaign_id=campaign.pk).values_list("day", "quantity"))
    if pdf.will_page_break(80):
        pdf.add_page()  # the heading stays with its chart
    _line(pdf, _("Actions per day"), size=13, gap=1)
    span = charts.day_span(days, first=campaign.starts_on, last=campaign.ends_on)
    if not days or not span:
        _line(pdf, _("No actions yet."), size=10)
        return
    by_day = dict(days)
    peak = max(by_day.get(d, 0) for d in span) or 1
    height, left = 50.0, pdf.l_margin + 14
    width = pdf.epw - 14
    top = pdf.get_y()
    slot = width / len(span)
    pdf.set_font("body", size=7)
    pdf.set_xy(pdf.l_margin, top - 1)
    pdf.cell(13, 3, _n(peak), align="R")
    pdf.set_xy(pdf.l_margin, top + height - 3)
    pdf.cell(13, 3, "0", align="R")
    pdf.set_draw_color(169, 167, 159)
    pdf.line(left, top + height, left + width, top + height)
    pdf.set_fill_color(179, 38, 30)
    for i, day in enumerate(span):
        n = by_day.get(day, 0)
        if n:
            h = max(0.3, height * n / peak)
            pdf.rect(left + i * slot + slot * 0.1, top + height - h, max(0.2, slot * 0.8), h, "F")
    pdf.set_xy(left, top + height + 1)
    pdf.cell(width / 2, 4, date_format(span[0], "j E Y"))
    pdf.cell(width / 2, 4, date_format(span[-1], "j E Y"), align="R")
    pdf.set_xy(pdf.l_margin, top + height + 8)


def _photo(pdf: FPDF, name: str) -> None:
    try:
        with default_storage.open(name, "rb") as f:
            data = f.read()
    except OSError:
        return
    if pdf.will_page_break(55):
        pdf.add_page()
    pdf.image(io.BytesIO(data), h=50)
    pdf.ln(2)


def campaign_report_pdf(*, campaign: Campaign) -> bytes:
    pdf = _pdf()
    pdf.add_page()
    _line(pdf, campaign.title, size=18, gap=2)
    period = date_format(campaign.starts_on, "j E Y")
    if campaign.ends_on:
        period += " – " + date_format(campaign.ends_on, "j E Y")
    _line(pdf, f"{campaign.get_kind_display()} · {period}", size=11, gap=1)
    _line(
        pdf,
        _("Report made on %(date)s") % {"date": date_format(timezone.localtime(), "j E Y, H:i")},
        size=9,
        gap=6,
    )
    _figures_table(pdf, campaign)
    _map(pdf, campaign)
    _day_chart(pdf, campaign)
    _line(pdf, _("Events"), size=13, gap=2)
    count = 0
    for event in _events(campaign):
        count += 1
        _line(pdf, date_format(event.day, "j E Y"), size=9, gap=0)
        _line(pdf, _event_line(event), size=11, gap=1)
        if event.summary:
            _line(pdf, event.summary, size=9, gap=1)
        if event.photo:
            _photo(pdf, event.photo)
        pdf.ln(3)
    if not count:
        _line(pdf, _("No published events yet."), size=10)
    return bytes(pdf.output())
