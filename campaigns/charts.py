"""The actions-per-day chart, drawn as SVG on the server: no script, prints well."""

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 36
MAX_DAYS = 180


def daily_chart_svg(days: list[tuple[dt.date, int]]) -> SafeString:
    """Bars per day from the first day with actions to the last (at most MAX_DAYS)."""
    if not days:
        return mark_safe("")  # noqa: S308 - an empty string
    by_day = dict(days)
    first, last = min(by_day), max(by_day)
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    peak = max(by_day.get(d, 0) for d in span) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(span)
    bar = max(1.0, slot * 0.8)
    label = _("Actions per day, %(first)s to %(last)s") % {
        "first": date_format(first, "j E Y"),
        "last": date_format(last, "j E Y"),
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
        n = by_day.get(day, 0)
        if not n:
            continue
        h = max(1.0, plot_h * n / peak)
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
    for day, anchor in ((first, "start"), (last, "end")):
        x = LEFT if anchor == "start" else WIDTH - RIGHT
        parts.append(
            f'<text x="{x}" y="{HEIGHT - 12}" text-anchor="{anchor}" font-size="12">'
            f"{escape(date_format(day, 'j E Y'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every dynamic part is escaped above
