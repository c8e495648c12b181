"""Build ``static/map/countries.geojson`` from the vendored world-atlas TopoJSON.

Purpose
-------
The solidarity map (Leaflet choropleth in the browser, and server-side map
rendering) needs world country shapes keyed by ISO 3166-1 alpha-2 code, served
from our own static files so that no third-party request happens at runtime.

Input:  ``static/vendor/world-atlas/countries-110m.json`` (world-atlas 2.0.2,
        Natural Earth 4.1.0 admin-0 countries at 1:110m, TopoJSON; see the
        README.md next to it).
Output: ``static/map/countries.geojson`` -- a GeoJSON FeatureCollection, one
        feature per country, properties ``{"code": "<alpha-2>", "name": "<English
        name>"}``, geometry Polygon or MultiPolygon.

What the script does
--------------------
* Decodes the TopoJSON ``countries`` object: delta-encoded, quantized arcs
  (``transform`` scale/translate), reversed arcs referenced as ``~index``
  (i.e. negative indexes), Polygon and MultiPolygon geometries.
* Maps the ISO 3166-1 *numeric* feature ids to alpha-2 codes and English
  (common) names using ``django_countries`` (already a project dependency), so
  names match what ``CountryField`` shows.
* Rounds coordinates to 2 decimals (~1 km, well below the 1:110m resolution),
  removes the consecutive duplicate points this creates and drops rings that
  collapse to fewer than 4 positions.
* Rewinds rings to RFC 7946 order (exterior counter-clockwise, holes
  clockwise); world-atlas uses d3's spherical (clockwise) convention.
* Writes deterministic output: features sorted by code, compact separators.

Dropped features
----------------
* Features without an ``id`` in world-atlas (no ISO 3166-1 numeric code):
  "N. Cyprus", "Somaliland", "Kosovo".
* Any feature whose numeric id has no alpha-2 mapping in django_countries
  (none with world-atlas 2.0.2 / django-countries 9.1).
* Antarctica ("AQ"): large polygon that wastes space on a solidarity map.

Rerunning
---------
From the project root::

    .venv/bin/python scripts/build_countries.py

To update the source data, replace the vendored TopoJSON (``npm pack
world-atlas@<version>``, copy ``countries-110m.json``), update the vendor
README, rerun this script and commit both files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCE = BASE_DIR / "static" / "vendor" / "world-atlas" / "countries-110m.json"
TARGET = BASE_DIR / "static" / "map" / "countries.geojson"

PRECISION = 2
EXCLUDED_CODES = {"AQ"}  # Antarctica


def _country_lookup():
    """Return ``(alpha2, name)`` functions backed by django_countries.

    django_countries' names are lazy translation strings, so Django settings
    must be configured; a minimal standalone configuration is enough and keeps
    this script independent of the project's settings module.
    """
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    from django_countries import countries

    return countries.alpha2, lambda code: str(countries.name(code))


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Decode all (delta-encoded, quantized) arcs to absolute coordinates."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(points)
    return arcs


def _num(value: float) -> float | int:
    value = round(value, PRECISION)
    if value == 0:
        return 0  # avoid "-0.0"
    return int(value) if value.is_integer() else value


def build_ring(arc_indexes: list[int], arcs: list) -> list[list[float | int]] | None:
    """Stitch arcs into a closed, rounded ring; None if it degenerates."""
    coords: list[tuple[float, float]] = []
    for index in arc_indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        if coords:
            coords.pop()  # shared point between consecutive arcs
        coords.extend(points)

    ring: list[list[float | int]] = []
    for x, y in coords:
        point = [_num(x), _num(y)]
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        return None
    return ring


def _signed_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def build_polygon(rings: list[list[int]], arcs: list) -> list | None:
    """Return GeoJSON polygon coordinates (RFC 7946 winding) or None."""
    out = []
    for i, arc_indexes in enumerate(rings):
        ring = build_ring(arc_indexes, arcs)
        if ring is None or _signed_area(ring) == 0:
            if i == 0:
                return None  # exterior collapsed: drop the whole polygon
            continue
        exterior = i == 0
        # Exterior counter-clockwise (positive area), holes clockwise.
        if (_signed_area(ring) > 0) != exterior:
            ring.reverse()
        out.append(ring)
    return out


def build_geometry(geometry: dict, arcs: list) -> dict | None:
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']!r}")

    built = [p for p in (build_polygon(rings, arcs) for rings in polygons) if p]
    if not built:
        return None
    if len(built) == 1:
        return {"type": "Polygon", "coordinates": built[0]}
    return {"type": "MultiPolygon", "coordinates": built}


def main() -> int:
    topology = json.loads(SOURCE.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    to_alpha2, to_name = _country_lookup()

    features = []
    dropped = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        label = geometry.get("properties", {}).get("name", "?")
        numeric = geometry.get("id")
        code = to_alpha2(numeric) if numeric else ""
        if not code or code in EXCLUDED_CODES:
            dropped.append(f"{label} (id={numeric}, code={code or '-'})")
            continue
        geom = build_geometry(geometry, arcs)
        if geom is None:
            dropped.append(f"{label} ({code}: empty geometry)")
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": to_name(code)},
                "geometry": geom,
            }
        )

    codes = [f["properties"]["code"] for f in features]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate country codes in output")
    features.sort(key=lambda f: f["properties"]["code"])

    collection = {"type": "FeatureCollection", "features": features}
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(
        json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )

    print(
        f"wrote {TARGET.relative_to(BASE_DIR)}: {len(features)} features, "
        f"{TARGET.stat().st_size} bytes"
    )
    for item in dropped:
        print(f"dropped: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
