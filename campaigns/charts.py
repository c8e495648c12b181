"""The actions-per-day chart, drawn as SVG on the server: no script, prints well."""

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 12, 40
MAX_DAYS = 366
MAX_BAR = 24  # a campaign of three days gets three bars, not three walls
MAX_TICKS = 6  # full month names ("7 December 2012") need the room
# Tick spacing in days: the first that gives at most MAX_TICKS labels.
TICK_STEPS = (1, 2, 7, 14, 28, 56, 91, 182)


def day_span(
    days: list[tuple[dt.date, int]], *, first: dt.date | None = None, last: dt.date | None = None
) -> list[dt.date]:
    """Every day from the campaign's first to its last (stretched to any day with
    actions outside them), at most MAX_DAYS ending on the last."""
    known = [d for d, _ in days]
    start = min([d for d in (first, *known) if d is not None], default=None)
    end = max([d for d in (last, *known) if d is not None], default=None)
    if start is None or end is None:
        return []
    if (end - start).days >= MAX_DAYS:
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def daily_chart_svg(
    days: list[tuple[dt.date, int]], *, first: dt.date | None = None, last: dt.date | None = None
) -> SafeString:
    """One bar per day across the campaign (`first` to `last`), with sparse date ticks."""
    if not days:
        return mark_safe("")  # noqa: S308 - an empty string
    by_day = dict(days)
    span = day_span(days, first=first, last=last)
    peak = max(by_day.get(d, 0) for d in span) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(span)
    bar = min(MAX_BAR, max(1.0, slot * 0.8))
    label = _("Actions per day, %(first)s to %(last)s") % {
        "first": date_format(span[0], "j E Y"),
        "last": date_format(span[-1], "j E Y"),
    }
    parts = [
        f'<svg class="day-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#a9a79f"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="12">{peak:,}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="12">0</text>',
    ]
    for i, day in enumerate(span):
        # Days without actions get a bar of no height: one bar per day, and
        # its title says "0" to whoever points at the gap.
        n = by_day.get(day, 0)
        h = max(1.0, plot_h * n / peak) if n else 0.0
        x = LEFT + i * slot + (slot - bar) / 2
        title = ngettext("%(day)s: %(n)s action", "%(day)s: %(n)s actions", n) % {
            "day": date_format(day, "j E Y"),
            "n": number_format(n, force_grouping=True),
        }
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="#b3261e" data-day="{day.isoformat()}" data-count="{n}">'
            f"<title>{escape(title)}</title></rect>"
        )
    step = next((s for s in TICK_STEPS if len(span) / s <= MAX_TICKS), TICK_STEPS[-1])
    # Every other tick is "minor": a narrow screen hides those and draws the
    # rest larger (site.css). The year is written where it changes, counted
    # separately among the major ticks, so a phone, which sees only those,
    # still reads every year.
    year_before, major_year_before = None, None
    drawn_to = float("-inf")  # where the last label drawn ends
    for n, i in enumerate(range(0, len(span), step)):
        day = span[i]
        x = LEFT + (i + 0.5) * slot
        minor = n % 2 == 1
        new_year = day.year != (year_before if minor else major_year_before)
        label = date_format(day, "j E Y" if new_year else "j E")
        # The first label, which starts at its tick and carries the year, can
        # reach past the next tick on a short campaign ("25 November 2026"
        # over "2 December"): a label that would touch the one before is left
        # out (about 0.55 em a character at 12 px).
        width = len(label) * 6.6
        left = x if n == 0 else x - width / 2
        if left < drawn_to + 6:
            continue
        drawn_to = left + width
        year_before = day.year
        if not minor:
            major_year_before = day.year
        kind = "tick minor" if minor else "tick"
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" '
            'stroke="#a9a79f"/>'
            # The first label starts at its tick: centred, its date would run
            # off the left edge (a phone draws ticks large).
            f'<text class="{kind}" x="{x:.1f}" y="{HEIGHT - 20}" '
            f'text-anchor="{"start" if n == 0 else "middle"}" '
            f'font-size="12">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every dynamic part is escaped above
