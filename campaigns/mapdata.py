"""What the map needs besides tallies: the country shapes and the colour classes.

The same classes colour the Leaflet map (passed to the page as JSON), the
legend and the rendered PNG/SVG, so all three agree.
"""

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

SHAPES_PATH = settings.BASE_DIR / "static" / "map" / "countries.geojson"
# What browsers load; its "centres" object has a point for every ISO country.
TOPOLOGY_PATH = settings.BASE_DIR / "static" / "map" / "countries.topo.json"

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


@functools.cache
def centres() -> dict[str, tuple[float, float]]:
    """(longitude, latitude) of each ISO country's centre: where a place too
    small for the shapes (Malta, Bermuda) is drawn as a circle."""
    with open(TOPOLOGY_PATH, encoding="utf-8") as f:
        topology = json.load(f)
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    return {
        g["properties"]["code"]: (g["coordinates"][0] * sx + tx, g["coordinates"][1] * sy + ty)
        for g in topology["objects"]["centres"]["geometries"]
    }


# Two neighbouring classes must differ by more than this (a fraction of the
# lower class's largest count), or they become one.
MIN_CLASS_STEP = 0.02


@dataclass(frozen=True)
class MapClass:
    minimum: int
    maximum: int
    colour: str


def map_classes(counts: Iterable[int]) -> list[MapClass]:
    """Up to five quantile classes of the counts shown, each with its range.

    Quantiles, not equal or geometric steps: counts per country span orders of
    magnitude (30,000 from Poland, 818 from Malta), and equal-count classes
    spread the countries over every colour, so no class is empty and the
    legend lists only what the map uses. A value never straddles two classes:
    each break falls between two counts more than MIN_CLASS_STEP apart, and each range is the
    smallest to the largest count in its class.
    """
    values = sorted(c for c in counts if c > 0)
    if not values:
        return []
    n = len(CLASS_COLOURS)
    k = min(n, len(set(values)))
    groups: list[list[int]] = []
    start = 0
    for i in range(1, k + 1):
        end = round(i * len(values) / k)
        # Move the break past equal values, so each count sits in one class,
        # and past values a reader cannot tell apart (1,636 and 1,637 in two
        # colours once made Latvia darker than Bulgaria for one letter).
        while 0 < end < len(values) and values[end] <= values[end - 1] * (1 + MIN_CLASS_STEP):
            end += 1
        if end > start:
            groups.append(values[start:end])
            start = end
    # Darkest last, spread over however many classes there are.
    offset = n - len(groups)
    return [
        MapClass(minimum=g[0], maximum=g[-1], colour=CLASS_COLOURS[offset + i])
        for i, g in enumerate(groups)
    ]


def colour_for(count: int, classes: list[MapClass]) -> str:
    colour = NO_ACTIONS_COLOUR
    for c in classes:
        if count >= c.minimum:
            colour = c.colour
    return colour
