"""Places a person can pick: an offline gazetteer of GeoNames towns.

`events/data/places.zip` holds one JSON per ISO country: every place with
5,000 people or more and its Cyrillic other names (GeoNames cities5000, CC BY
4.0; see events/data/README.md and scripts/build_countries.py), largest
first. A country is read the first time it is asked for, so a process holds
only the countries its visitors pick. The event form searches it by the
start of a name, the event maps label the towns near a point with it, and a
typed city is resolved to a point when the browser ran no script. Nothing
is asked of another host.
"""

import functools
import json
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, replace

from django.conf import settings

PLACES_PATH = settings.BASE_DIR / "events" / "data" / "places.zip"
MAX_RESULTS = 10
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    latitude: float
    longitude: float
    # Every name it is found by, folded for matching, with the form to show:
    # GeoNames' name first ("krakow" for "Kraków"), then its Cyrillic names.
    names: tuple[tuple[str, str], ...] = ()
    # The same from each later word on: "main" of "Frankfurt am Main".
    words: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict:
        return {"name": self.name, "lat": self.latitude, "lon": self.longitude}

    def called(self, name: str) -> "Place":
        return replace(self, name=name)


# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """Case and accents away, so "krakow", "KRAKÓW" and "Kraków" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _place(row: list) -> Place:
    name, lat, lon, *rest = row
    names = tuple((fold(n), n) for n in [name, *(rest[0] if rest else [])])
    words = tuple(
        (key[i + 1 :], shown)
        for key, shown in names
        for i, c in enumerate(key)
        if c in " -'" and key[i + 1 :]
    )
    return Place(name, lat, lon, names, words)


@functools.cache
def _country(code: str) -> tuple[Place, ...]:
    try:
        with zipfile.ZipFile(PLACES_PATH) as z:
            rows = json.loads(z.read(f"{code}.json"))
    except KeyError:
        return ()  # a country without places of 5,000 people (Vatican, Pitcairn)
    return tuple(_place(row) for row in rows)


def _places_of(country: str) -> tuple[Place, ...]:
    code = country.upper()
    # Only codes reach the cache, so odd input cannot grow it.
    return _country(code) if re.fullmatch("[A-Z]{2}", code) else ()


def _matching(places, test, limit: int, *, words: bool = False, skip=frozenset()) -> dict:
    """Up to `limit` places (by position) with a name (or a later word of one)
    passing the test, each called by the first name that did."""
    found: dict[int, Place] = {}
    for i, p in enumerate(places):
        if i in skip:
            continue
        name = next((shown for key, shown in (p.words if words else p.names) if test(key)), None)
        if name is not None:
            found[i] = p.called(name)
            if len(found) == limit:
                break
    return found


def place_search(*, country: str, prefix: str, limit: int = MAX_RESULTS) -> list[Place]:
    """Places in the country with a name (or a word of one) starting with the
    prefix, largest first, each shown by the name that matched ("Брусэль"
    for "брус"); an unknown country or an empty prefix finds nothing."""
    wanted = fold(prefix)[:MAX_QUERY]
    if not wanted:
        return []
    places = _places_of(country)
    found = _matching(places, lambda key: key.startswith(wanted), limit)
    if len(found) < limit:
        found.update(
            _matching(
                places,
                lambda key: key.startswith(wanted),
                limit - len(found),
                words=True,
                skip=frozenset(found),
            )
        )
    return list(found.values())


def place_resolve(*, country: str, name: str) -> Place | None:
    """The largest place in the country called exactly so (case and accents aside)."""
    wanted = fold(name)
    if not wanted:
        return None
    found = _matching(_places_of(country), lambda key: key == wanted, 1)
    return next(iter(found.values()), None)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: exact enough within a few hundred kilometres.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371 * math.hypot(x, math.radians(lat2 - lat1))


def places_near(
    *, latitude: float, longitude: float, country: str, radius_km: float = 150, limit: int = 12
) -> list[Place]:
    """The largest places of the country within radius_km of the point: map labels."""
    found = []
    for p in _places_of(country):
        if _km(latitude, longitude, p.latitude, p.longitude) <= radius_km:
            found.append(p)
            if len(found) == limit:
                break
    return found
