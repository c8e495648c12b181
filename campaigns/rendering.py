"""Draw a campaign's world choropleth as PNG (Pillow) and SVG, for sharing and print.

Equirectangular projection from the same shapes and colour classes as the
page's Leaflet map. Pure functions: bytes in memory, no storage, no database.
"""

import io
from xml.sax.saxutils import escape, quoteattr

from django.utils.formats import number_format
from django.utils.translation import ngettext, pgettext
from django_countries import countries as country_names
from PIL import Image, ImageDraw, ImageFont

from campaigns import mapdata

WIDTH, HEIGHT = 1200, 630  # the size link previews (og:image) expect
MAP_TOP = 86
NORTH, SOUTH = 84.0, -58.0  # Antarctica and the Arctic sea add nothing here
MAP_HEIGHT = WIDTH * (NORTH - SOUTH) / 360
SCALE = 2  # draw large, then shrink: smooth coastlines without an AA library
FONT_PATHS = {
    True: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    False: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude to pixels of the final WIDTH×HEIGHT picture."""
    x = (lon + 180.0) / 360.0 * WIDTH
    y = MAP_TOP + (NORTH - lat) / (NORTH - SOUTH) * MAP_HEIGHT
    return x, y


def _unwrap(ring: list[list[float]]) -> list[list[float]]:
    """Keep a ring continuous where it crosses the antimeridian (Russia, Fiji).

    Natural Earth closes such rings with a jump from 180 to -180; drawn as
    is, that jump paints a band across the whole world.
    """
    out = [list(ring[0])]
    shift = 0.0
    for (lon0, _lat0), (lon, lat) in zip(ring, ring[1:], strict=False):
        if lon - lon0 > 180:
            shift -= 360
        elif lon0 - lon > 180:
            shift += 360
        out.append([lon + shift, lat])
    return out


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    """Polygons (lists of rings), antimeridian-crossing ones also drawn one world over."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return []
    result = []
    for polygon in polygons:
        rings = [_unwrap(ring) for ring in polygon]
        result.append(rings)
        lons = [lon for lon, _ in rings[0]]
        if max(lons) > 180:
            result.append([[[lon - 360, lat] for lon, lat in r] for r in rings])
        if min(lons) < -180:
            result.append([[[lon + 360, lat] for lon, lat in r] for r in rings])
    return result


def _bbox_area(feature: dict) -> float:
    xs, ys = [], []
    for polygon in _polygons(feature["geometry"]):
        for lon, lat in polygon[0]:
            xs.append(lon)
            ys.append(lat)
    return (max(xs) - min(xs)) * (max(ys) - min(ys)) if xs else 0.0


def _features_in_drawing_order() -> list[dict]:
    # Large countries first, so an enclave (Lesotho inside South Africa) is
    # painted over its neighbour's hole rather than under it.
    return sorted(mapdata.shapes()["features"], key=_bbox_area, reverse=True)


def _small_places(counts: dict[str, int]) -> list[tuple[str, int, float, float]]:
    """Countries with actions and no shape at this scale: (code, count, x, y) of a circle."""
    shaped, centres = mapdata.shape_codes(), mapdata.centres()
    return [
        (code, n, *project(*centres[code]))
        for code, n in sorted(counts.items())
        if n > 0 and code not in shaped and code in centres
    ]


SMALL_RADIUS = 6


def _font(size: int, bold: bool = False):
    try:
        return ImageFont.truetype(FONT_PATHS[bold], size)
    except OSError:
        return ImageFont.load_default(size=size)


def grouped(n: int) -> str:
    """``n`` grouped as the active language writes it (12,345 / 12 345)."""
    return number_format(n, force_grouping=True)


def caption(*, total: int, countries: int) -> str:
    # Two numbers, two plurals: "1 действие", "5 действий" follow the total;
    # "из 1 страны", "из 5 стран" follow the countries.
    actions = ngettext("%(total)s action", "%(total)s actions", total) % {"total": grouped(total)}
    places = ngettext("from %(countries)s country", "from %(countries)s countries", countries) % {
        "countries": grouped(countries)
    }
    # Translators: the map caption, e.g. "1,234 actions" + "from 5 countries".
    return pgettext("map caption", "%(actions)s %(countries)s") % {
        "actions": actions,
        "countries": places,
    }


def class_label(c: mapdata.MapClass) -> str:
    if c.minimum == c.maximum:
        return grouped(c.minimum)
    return f"{grouped(c.minimum)}–{grouped(c.maximum)}"


def render_png(*, title: str, counts: dict[str, int], total: int, countries: int) -> bytes:
    classes = mapdata.map_classes(counts.values())
    s = SCALE
    img = Image.new("RGB", (WIDTH * s, HEIGHT * s), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, MAP_TOP * s, WIDTH * s, (MAP_TOP + MAP_HEIGHT) * s], fill=mapdata.SEA_COLOUR)
    for feature in _features_in_drawing_order():
        colour = mapdata.colour_for(counts.get(feature["properties"]["code"], 0), classes)
        for polygon in _polygons(feature["geometry"]):
            rings = [[(x * s, y * s) for x, y in (project(*p) for p in ring)] for ring in polygon]
            if len(rings[0]) >= 3:
                draw.polygon(rings[0], fill=colour, outline=mapdata.BORDER_COLOUR)
            for hole in rings[1:]:
                if len(hole) >= 3:
                    draw.polygon(hole, fill=mapdata.SEA_COLOUR)
    for _code, count, x, y in _small_places(counts):
        r = SMALL_RADIUS * s
        draw.ellipse(
            [x * s - r, y * s - r, x * s + r, y * s + r],
            fill=mapdata.colour_for(count, classes),
            outline="#3d3b36",
            width=s,
        )
    draw.text((24 * s, 20 * s), title, font=_font(34 * s, bold=True), fill="#1d1d1f")
    bottom = (MAP_TOP + MAP_HEIGHT + 14) * s
    draw.text(
        (24 * s, bottom),
        caption(total=total, countries=countries),
        font=_font(26 * s),
        fill="#1d1d1f",
    )
    # The legend: one swatch per class, its lower bound beside it.
    x = WIDTH * s - 24 * s
    for c in reversed(classes):
        label = class_label(c)
        font = _font(16 * s)
        w = draw.textlength(label, font=font)
        x -= w
        draw.text((x, bottom + 6 * s), label, font=font, fill="#5c5c66")
        x -= 28 * s
        draw.rectangle([x, bottom + 6 * s, x + 22 * s, bottom + 28 * s], fill=c.colour)
        x -= 16 * s
    img = img.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def render_svg(*, title: str, counts: dict[str, int], total: int, countries: int) -> bytes:
    classes = mapdata.map_classes(counts.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<rect y="{MAP_TOP}" width="{WIDTH}" height="{MAP_HEIGHT:.1f}" '
        f'fill="{mapdata.SEA_COLOUR}"/>',
        f'<g stroke="{mapdata.BORDER_COLOUR}" stroke-width="0.5" fill-rule="evenodd">',
    ]
    for feature in _features_in_drawing_order():
        code = feature["properties"]["code"]
        count = counts.get(code, 0)
        d = []
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                pts = [project(*p) for p in ring]
                d.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
        parts.append(
            f'<path data-code={quoteattr(code)} data-count="{count}" '
            f'fill="{mapdata.colour_for(count, classes)}" d="{"".join(d)}">'
            f"<title>{escape(str(country_names.name(code)) or feature['properties']['name'])}: "
            f"{grouped(count)}</title></path>"
        )
    parts.append("</g>")
    for code, count, x, y in _small_places(counts):
        parts.append(
            f'<circle data-code={quoteattr(code)} data-count="{count}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{SMALL_RADIUS}" fill="{mapdata.colour_for(count, classes)}" stroke="#3d3b36">'
            f"<title>{escape(str(country_names.name(code)))}: {grouped(count)}</title></circle>"
        )
    parts.append(
        f'<text x="24" y="56" font-size="34" font-weight="bold" fill="#1d1d1f">'
        f"{escape(title)}</text>"
    )
    parts.append(
        f'<text x="24" y="{MAP_TOP + MAP_HEIGHT + 44:.0f}" font-size="26" fill="#1d1d1f">'
        f"{escape(caption(total=total, countries=countries))}</text>"
    )
    # Right-aligned; each step as wide as its label (about 9 px a character at 16 px).
    steps = [36 + 9 * len(class_label(c)) for c in classes]
    x = WIDTH - 24 - sum(steps)
    for c, step in zip(classes, steps, strict=True):
        y = MAP_TOP + MAP_HEIGHT + 20
        parts.append(f'<rect x="{x}" y="{y:.0f}" width="22" height="22" fill="{c.colour}"/>')
        parts.append(
            f'<text x="{x + 28}" y="{y + 17:.0f}" font-size="16" fill="#5c5c66">'
            f"{escape(class_label(c))}</text>"
        )
        x += step
    parts.append("</svg>")
    return "\n".join(parts).encode("utf-8")
