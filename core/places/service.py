"""The library's places: the country > region > city tree, each photo's place, and place
names as search terms (a resolver for core/search/metadata_terms.py)."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import PhotoSearchError
from core.places.fill import fill_places
from core.places.geocoder import RULE_VERSION, Geocoder
from core.places.names import COUNTRY_ALIASES, fold
from core.storage import places as sql
from core.storage.places import PlaceNames

if TYPE_CHECKING:
    from core.storage.catalog import Catalog


# {folded name: [(the column it is in, the names of a place it names)]}
_NameIndex = dict[str, list[tuple[str, PlaceNames]]]


@dataclass(frozen=True)
class PlaceNode:
    """A country, region or city of the tree, with how many indexed photos were taken there."""

    name: str | None  # a region may be unnamed (Singapore has none)
    photos: int
    children: list[PlaceNode] = field(default_factory=list)


@dataclass(frozen=True)
class PlaceTree:
    """Countries > regions > cities, and the photos with a position but no place near."""

    countries: list[PlaceNode]
    with_gps: int
    unnamed: int

    def to_json(self) -> dict[str, object]:
        return {
            "countries": [
                {
                    "country": c.name,
                    "photos": c.photos,
                    "regions": [
                        {
                            "region": r.name,
                            "photos": r.photos,
                            "cities": [{"city": t.name, "photos": t.photos} for t in r.children],
                        }
                        for r in c.children
                    ],
                }
                for c in self.countries
            ],
            "photos_with_gps": self.with_gps,
            "photos_with_gps_but_no_town_near": self.unnamed,
        }


@dataclass(frozen=True)
class PlaceMatch:
    """Query words that name places of the library (a TermMatch)."""

    length: int
    label: str
    ids: frozenset[int]
    kind: str = "place"


def place_json(names: PlaceNames | None) -> dict[str, str | None] | None:
    """A photo's "place" in JSON: city, region and country, or None without one."""
    if names is None:
        return None
    return {"city": names.city, "region": names.region, "country": names.country}


def place_label(names: PlaceNames) -> str:
    """ "Paris, Île-de-France, France" (parts that are missing or repeat are left out)."""
    parts: list[str] = []
    for part in (names.city, names.region, names.country):
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts)


class Places:
    """Places of one catalog; the geocoder loads only when a position needs a name."""

    def __init__(
        self, catalog: Catalog, cache_dir: Path | None = None, geocoder: Geocoder | None = None
    ) -> None:
        self.catalog = catalog
        self.geocoder = geocoder or Geocoder(cache_dir)
        self._index: tuple[tuple[int, int], _NameIndex, int] | None = None

    def fill(self) -> Generator[tuple[int, int], None, int]:
        """Read and name the GPS of photos not read yet; see core/places/fill.py. The town
        table it loads is dropped again at the end: a long-running app needs it rarely."""
        loaded = self.geocoder.loaded
        try:
            return (yield from fill_places(self.catalog, self.geocoder))
        finally:
            if not loaded:
                self.geocoder.release()

    def tree(self) -> PlaceTree:
        """Countries, their regions and cities, with photo counts, by name."""
        countries: list[PlaceNode] = []
        for country, region, city, n in sql.place_counts(self.catalog):
            if not countries or countries[-1].name != country:
                countries.append(PlaceNode(country, 0))
            regions = countries[-1].children
            if not regions or regions[-1].name != region:
                regions.append(PlaceNode(region, 0))
            regions[-1].children.append(PlaceNode(city, n))
        countries = [_with_counts(c) for c in countries]
        with_gps, unnamed = sql.gps_counts(self.catalog)
        return PlaceTree(countries, with_gps, unnamed)

    def names_of(self, ids: Sequence[int]) -> dict[int, PlaceNames]:
        """The place names of those photos that have one."""
        return sql.names_of(self.catalog, ids)

    def set_place(self, ids: Sequence[int], name: str) -> PlaceNames:
        """Set by hand where photos were taken (a camera without GPS): the town the name means,
        named as its GPS position would be. It stays through re-indexing until cleared; a
        name no town has is a clear error."""
        loaded = self.geocoder.loaded
        try:
            position = self.geocoder.locate(name)
            names = self.geocoder.name(*position) if position is not None else None
        finally:
            if not loaded:
                self.geocoder.release()
        if position is None or names is None:
            raise PhotoSearchError(
                f"no town called {name!r} (towns of 1,000 people or more; "
                "add the region or country after a comma: 'Paris, Texas')"
            )
        sql.store_manual(self.catalog, ids, *position, names, RULE_VERSION)
        return names

    def clear_place(self, ids: Sequence[int]) -> int:
        """Forget the places set by hand for photos (their files' GPS is read again at the
        next index); returns how many had one."""
        return sql.clear_manual(self.catalog, ids)

    def photos_in(
        self, country: str, region: str | None = None, city: str | None = None
    ) -> frozenset[int]:
        """Indexed photos taken in a node of the tree (a country, or a region or city of it)."""
        ids = sql.ids_named(self.catalog, "country", [country])
        if region is not None:
            ids &= sql.ids_named(self.catalog, "region", [region])
        if city is not None:
            ids &= sql.ids_named(self.catalog, "city", [city])
        return frozenset(ids)

    # -- place names as search terms ----------------------------------------------------------

    def match(self, words: Sequence[str], start: int) -> PlaceMatch | None:
        """The longest run of words from start that names a place of the library's photos."""
        index, longest = self._name_index()
        for n in range(min(longest, len(words) - start), 0, -1):
            key = fold(" ".join(words[start : start + n]))
            entries = index.get(key)
            if entries:
                return PlaceMatch(n, _label(entries), self._ids(entries))
        return None

    def find(self, text: str) -> PlaceMatch | None:
        """The place a whole name means ("paris", "New York"); None when it names none."""
        words = fold(text).split()
        found = self.match(words, 0) if words else None
        return found if found is not None and found.length == len(words) else None

    def _ids(self, entries: list[tuple[str, PlaceNames]]) -> frozenset[int]:
        ids: set[int] = set()
        for column in sql.NAME_COLUMNS:
            values = [getattr(names, column) for col, names in entries if col == column]
            ids |= sql.ids_named(self.catalog, column, values)
        return frozenset(ids)

    def _name_index(self) -> tuple[_NameIndex, int]:
        """{folded name: [(column, names of a place it names)]} and the most words a name has;
        rebuilt when the catalog changed."""
        generation = sql.places_generation(self.catalog)
        if self._index is not None and self._index[0] == generation:
            return self._index[1], self._index[2]
        index: _NameIndex = {}
        countries: dict[str, PlaceNames] = {}
        for names in sql.distinct_names(self.catalog):
            for column in sql.NAME_COLUMNS:
                value = getattr(names, column)
                if value:
                    index.setdefault(fold(value), []).append((column, names))
            if names.country:
                countries.setdefault(names.country, names)
        for alias, country in COUNTRY_ALIASES.items():
            if country in countries:
                index.setdefault(alias, []).append(("country", countries[country]))
        longest = max((k.count(" ") + 1 for k in index), default=0)
        self._index = (generation, index, longest)
        return index, longest


def _with_counts(country: PlaceNode) -> PlaceNode:
    regions = [
        PlaceNode(r.name, sum(c.photos for c in r.children), r.children) for r in country.children
    ]
    return PlaceNode(country.name, sum(r.photos for r in regions), regions)


def _label(entries: list[tuple[str, PlaceNames]]) -> str:
    """What a name was understood as: "Paris, Île-de-France, France", "New York, United
    States"; a name of several places lists up to three."""
    labels: list[str] = []
    for column, names in entries:
        if column == "city":
            text = place_label(names)
        elif column == "region":
            text = place_label(PlaceNames(None, names.region, names.country))
        elif column == "country":
            text = names.country or ""
        else:
            text = f"{names.district} ({place_label(names)})"
        if text and text not in labels:
            labels.append(text)
    shown = " or ".join(labels[:3])
    return shown + (f" or {len(labels) - 3} more" if len(labels) > 3 else "")
