"""Does a point fall inside a country? Pure Python over static/map/countries.geojson.

The shapes are Natural Earth 1:110m, rounded to two decimals: coarse. A point
within MARGIN_DEGREES of a country's outline is accepted, so an event on a
coast or a border is not refused for the map's simplification. Countries too
small to be in the 110m set (Malta, Singapore, Monaco, ...) have no shape:
any point is then accepted for them and the form relies on the map picker.
"""

import json
import math
from functools import lru_cache

from django.conf import settings

MARGIN_DEGREES = 0.3

Ring = list[tuple[float, float]]


@lru_cache(maxsize=1)
def _shapes() -> dict[str, list[list[Ring]]]:
    path = settings.BASE_DIR / "static" / "map" / "countries.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    shapes: dict[str, list[list[Ring]]] = {}
    for feature in data["features"]:
        code = feature["properties"].get("code")
        if not code:
            continue
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            shapes.setdefault(code, []).append(
                [[(float(x), float(y)) for x, y in ring] for ring in polygon]
            )
    return shapes


def country_has_shape(code: str) -> bool:
    return code in _shapes()


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _distance_to_ring(x: float, y: float, ring: Ring) -> float:
    best = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        dx, dy = x2 - x1, y2 - y1
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length))
        best = min(best, math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)))
    return best


def point_in_country(*, latitude: float, longitude: float, country: str) -> bool:
    polygons = _shapes().get(country)
    if polygons is None:
        return True  # no shape for this country at 110m: see the module note
    x, y = float(longitude), float(latitude)
    for rings in polygons:
        outer, holes = rings[0], rings[1:]
        if _in_ring(x, y, outer) and not any(_in_ring(x, y, h) for h in holes):
            return True
    return any(_distance_to_ring(x, y, rings[0]) <= MARGIN_DEGREES for rings in polygons)
