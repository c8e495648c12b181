"""Places a person can pick: an offline gazetteer of GeoNames towns.

`events/data/places.json.gz` holds, per ISO country, every place with 5,000
people or more (GeoNames cities5000, CC BY 4.0; see events/data/README.md and
scripts/build_countries.py), largest first. The event form searches it by the
start of a name, the event maps label the towns near a point with it, and a
typed city is resolved to a point when the browser ran no script. Nothing
is asked of another host.
"""

import functools
import gzip
import json
import math
import unicodedata
from dataclasses import dataclass

from django.conf import settings

PLACES_PATH = settings.BASE_DIR / "events" / "data" / "places.json.gz"
MAX_RESULTS = 10
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    latitude: float
    longitude: float
    key: str  # the name folded for matching: "krakow" for "Kraków"

    def as_json(self) -> dict:
        return {"name": self.name, "lat": self.latitude, "lon": self.longitude}


# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """Case and accents away, so "krakow", "KRAKÓW" and "Kraków" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@functools.cache
def _places() -> dict[str, tuple[Place, ...]]:
    with gzip.open(PLACES_PATH, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    return {
        code: tuple(Place(name, lat, lon, fold(name)) for name, lat, lon in rows)
        for code, rows in raw.items()
    }


def _starts_a_word(key: str, prefix: str) -> bool:
    if key.startswith(prefix):
        return True
    # "Frankfurt am Main" for "main", "Saint-Denis" for "denis".
    return any(key.startswith(prefix, i + 1) for i, c in enumerate(key) if c in " -'")


def place_search(*, country: str, prefix: str, limit: int = MAX_RESULTS) -> list[Place]:
    """Places in the country whose name (or a word of it) starts with the prefix,
    largest first; an unknown country or an empty prefix finds nothing."""
    wanted = fold(prefix)[:MAX_QUERY]
    if not wanted:
        return []
    places = _places().get(country.upper(), ())
    starts = [p for p in places if p.key.startswith(wanted)][:limit]
    if len(starts) < limit:
        seen = set(starts)
        starts += [p for p in places if p not in seen and _starts_a_word(p.key, wanted)][
            : limit - len(starts)
        ]
    return starts


def place_resolve(*, country: str, name: str) -> Place | None:
    """The largest place in the country with exactly this name (case and accents aside)."""
    wanted = fold(name)
    if not wanted:
        return None
    return next((p for p in _places().get(country.upper(), ()) if p.key == wanted), None)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: exact enough within a few hundred kilometres.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371 * math.hypot(x, math.radians(lat2 - lat1))


def places_near(
    *, latitude: float, longitude: float, country: str, radius_km: float = 150, limit: int = 12
) -> list[Place]:
    """The largest places of the country within radius_km of the point: map labels."""
    found = []
    for p in _places().get(country.upper(), ()):
        if _km(latitude, longitude, p.latitude, p.longitude) <= radius_km:
            found.append(p)
            if len(found) == limit:
                break
    return found
