"""What the map needs besides tallies: the country shapes and the colour classes.

The same classes colour the Leaflet map (passed to the page as JSON), the
legend and the rendered PNG/SVG, so all three agree.
"""

import functools
import json
import math
from dataclasses import dataclass

from django.conf import settings

SHAPES_PATH = settings.BASE_DIR / "static" / "map" / "countries.geojson"

# Light to dark; "none" is a country with no actions.
CLASS_COLOURS = ["#fcd5ce", "#f4a093", "#e3665a", "#c0362c", "#7f1d16"]
NO_ACTIONS_COLOUR = "#e6e4de"
BORDER_COLOUR = "#ffffff"
SEA_COLOUR = "#f3f6f8"


@functools.cache
def shapes() -> dict:
    with open(SHAPES_PATH, encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def shape_codes() -> frozenset[str]:
    return frozenset(f["properties"]["code"] for f in shapes()["features"])


def _nice(value: float) -> int:
    """Round down to 1, 2 or 5 times a power of ten: legends people can read."""
    if value < 1:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * exp <= value:
            return int(step * exp)
    return int(exp)


@dataclass(frozen=True)
class MapClass:
    minimum: int
    colour: str


def map_classes(max_count: int) -> list[MapClass]:
    """Up to five classes with geometric lower bounds from 1 to the largest count.

    Counts per country span orders of magnitude (30,000 from Poland, 300 from
    Togo), so linear steps would paint all but one country the same.
    """
    n = len(CLASS_COLOURS)
    if max_count <= 0:
        return []
    bounds: list[int] = []
    for i in range(n):
        b = _nice(max_count ** (i / n))
        if not bounds or b > bounds[-1]:
            bounds.append(b)
    # Spread the colours over however many distinct bounds there are, darkest last.
    offset = n - len(bounds)
    return [MapClass(minimum=b, colour=CLASS_COLOURS[offset + i]) for i, b in enumerate(bounds)]


def colour_for(count: int, classes: list[MapClass]) -> str:
    colour = NO_ACTIONS_COLOUR
    for c in classes:
        if count >= c.minimum:
            colour = c.colour
    return colour
