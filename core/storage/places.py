"""Where photos were taken, in the catalog: each photo's GPS position and its place names.

The table photo_places (created by _add_places in core/storage/schema.py) has one row per
photo whose file was read for GPS (core/places/fill.py): the file version it was read from
(size, mtime), the position (NULL when the file has none) and the names the reverse geocoder
gave it, with the version of the naming rule that gave them. A row whose file changed since,
or whose rule is older, is read or named again on the next index run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from core.storage.catalog import Catalog

# The names a place search or the places tree looks up.
NAME_COLUMNS = ("city", "region", "country", "district")


class PlaceNames(NamedTuple):
    """A position's names: city, region (state, province), country, and the finer name of
    the nearest town or district when it is not the city ("Times Square")."""

    city: str | None
    region: str | None
    country: str | None
    district: str | None = None


class GpsRow(NamedTuple):
    """What reading one photo file gave: its version, position and names (None: no GPS)."""

    photo_id: int
    size: int
    mtime_ns: int
    lat: float | None
    lon: float | None
    names: PlaceNames | None
    rule: int | None


def photos_to_read(catalog: Catalog) -> list[tuple[int, bytes, int, int]]:
    """(id, path, size, mtime_ns) of indexed photos whose file was never read for GPS, or has
    changed since (a touched or moved file keeps its row id); a place set by hand stays."""
    return catalog.conn.execute(
        "SELECT p.id, p.path, p.size, p.mtime_ns FROM photos p "
        "LEFT JOIN photo_places g ON g.photo_id = p.id "
        "WHERE p.status = 'ok' AND (g.photo_id IS NULL OR (g.manual = 0 AND (g.size != p.size "
        "OR g.mtime_ns != p.mtime_ns))) ORDER BY p.id"
    ).fetchall()


def restore_remembered(catalog: Catalog) -> int:
    """Give the places set by hand back to edited photos (same path, new row), then forget
    every remembered place (those of photos gone for good too); returns how many came back."""
    with catalog.transaction(bump=False) as c:
        restored = c.execute(
            "INSERT OR IGNORE INTO photo_places(photo_id, size, mtime_ns, lat, lon, city, region, "
            "country, district, rule, manual) "
            "SELECT p.id, p.size, p.mtime_ns, m.lat, m.lon, m.city, m.region, m.country, "
            "m.district, m.rule, 1 FROM place_memory m JOIN photos p ON p.path = m.path "
            "AND p.status = 'ok' WHERE NOT EXISTS "
            "(SELECT 1 FROM photo_places g WHERE g.photo_id = p.id)"
        ).rowcount
        c.execute("DELETE FROM place_memory")
        if restored:
            c.execute(_BUMP_PLACES)
    return restored


def store_manual(
    catalog: Catalog, ids: Sequence[int], lat: float, lon: float, names: PlaceNames, rule: int
) -> None:
    """A place the user set for photos by hand: kept until they clear it (clear_manual)."""
    with catalog.transaction(bump=False) as c:
        c.execute(_BUMP_PLACES)
        c.executemany(
            "INSERT OR REPLACE INTO photo_places(photo_id, size, mtime_ns, lat, lon, city, "
            "region, country, district, rule, manual) "
            "SELECT id, size, mtime_ns, ?, ?, ?, ?, ?, ?, ?, 1 FROM photos WHERE id = ?",
            [(lat, lon, *_names(names), rule, pid) for pid in ids],
        )


def clear_manual(catalog: Catalog, ids: Sequence[int]) -> int:
    """Forget the places set by hand for photos (the next index reads their files' GPS);
    returns how many had one."""
    with catalog.transaction(bump=False) as c:
        c.execute(_BUMP_PLACES)
        return sum(
            c.execute("DELETE FROM photo_places WHERE photo_id = ? AND manual = 1", (pid,)).rowcount
            for pid in ids
        )


def positions_to_name(catalog: Catalog, rule: int) -> list[tuple[int, float, float]]:
    """(id, lat, lon) of stored positions named by another rule version than rule."""
    return catalog.conn.execute(
        "SELECT photo_id, lat, lon FROM photo_places "
        "WHERE lat IS NOT NULL AND (rule IS NULL OR rule != ?) ORDER BY photo_id",
        (rule,),
    ).fetchall()


# Places change without the catalog generation (the search indexes do not derive from them):
# this counter in meta changes instead, for caches of place names.
_BUMP_PLACES = (
    "INSERT INTO meta(key, value) VALUES('places_generation', '1') "
    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)


def places_generation(catalog: Catalog) -> tuple[int, int]:
    """A key that changes whenever photos or their places change."""
    row = catalog.conn.execute("SELECT value FROM meta WHERE key = 'places_generation'").fetchone()
    return catalog.generation(), int(row[0]) if row else 0


def store_gps(catalog: Catalog, rows: Sequence[GpsRow]) -> None:
    """Store what reading files gave, replacing older rows of the same photos."""
    with catalog.transaction(bump=False) as c:
        c.execute(_BUMP_PLACES)
        c.executemany(
            "INSERT OR REPLACE INTO photo_places(photo_id, size, mtime_ns, lat, lon, city, "
            "region, country, district, rule) "
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?)",
            [
                (r.photo_id, r.size, r.mtime_ns, r.lat, r.lon, *_names(r.names), r.rule, r.photo_id)
                for r in rows
            ],
        )


def store_names(catalog: Catalog, rows: Iterable[tuple[int, PlaceNames | None]], rule: int) -> None:
    """New names for stored positions (after the naming rule changed)."""
    with catalog.transaction(bump=False) as c:
        c.execute(_BUMP_PLACES)
        c.executemany(
            "UPDATE photo_places SET city = ?, region = ?, country = ?, district = ?, rule = ? "
            "WHERE photo_id = ?",
            [(*_names(names), rule, pid) for pid, names in rows],
        )


def _names(names: PlaceNames | None) -> tuple[str | None, ...]:
    return tuple(names) if names is not None else (None, None, None, None)


def place_counts(catalog: Catalog) -> list[tuple[str | None, str | None, str | None, int]]:
    """(country, region, city, photos) of every place of indexed photos, by country."""
    return catalog.conn.execute(
        "SELECT g.country, g.region, g.city, count(*) FROM photo_places g "
        "JOIN photos p ON p.id = g.photo_id AND p.status = 'ok' "
        "WHERE g.country IS NOT NULL GROUP BY g.country, g.region, g.city "
        "ORDER BY g.country, g.region, g.city"
    ).fetchall()


def gps_counts(catalog: Catalog) -> tuple[int, int]:
    """(indexed photos with a position, those of them without a place name)."""
    row = catalog.conn.execute(
        "SELECT count(*), coalesce(sum(g.country IS NULL), 0) FROM photo_places g "
        "JOIN photos p ON p.id = g.photo_id AND p.status = 'ok' WHERE g.lat IS NOT NULL"
    ).fetchone()
    return int(row[0]), int(row[1])


def distinct_names(catalog: Catalog) -> list[PlaceNames]:
    """Every distinct (city, region, country, district) of indexed photos."""
    rows = catalog.conn.execute(
        "SELECT DISTINCT g.city, g.region, g.country, g.district FROM photo_places g "
        "JOIN photos p ON p.id = g.photo_id AND p.status = 'ok' WHERE g.country IS NOT NULL"
    ).fetchall()
    return [PlaceNames(*r) for r in rows]


def ids_named(catalog: Catalog, column: str, values: Iterable[str]) -> set[int]:
    """Indexed photos whose column (one of NAME_COLUMNS) is one of values."""
    if column not in NAME_COLUMNS:
        raise ValueError(f"not a place name column: {column}")
    wanted = sorted(set(values))
    if not wanted:
        return set()
    marks = ", ".join("?" * len(wanted))
    rows = catalog.conn.execute(
        f"SELECT g.photo_id FROM photo_places g JOIN photos p ON p.id = g.photo_id "
        f"AND p.status = 'ok' WHERE g.{column} IN ({marks})",
        wanted,
    )
    return {int(r[0]) for r in rows}


def names_of(catalog: Catalog, ids: Sequence[int]) -> dict[int, PlaceNames]:
    """The place names of those photos that have one."""
    out: dict[int, PlaceNames] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        rows = catalog.conn.execute(
            f"SELECT photo_id, city, region, country, district FROM photo_places "
            f"WHERE country IS NOT NULL AND photo_id IN ({marks})",
            chunk,
        )
        out.update({int(r[0]): PlaceNames(*r[1:]) for r in rows})
    return out


def position_of(catalog: Catalog, photo_id: int) -> tuple[float, float] | None:
    """A photo's stored GPS position, if it has one."""
    row = catalog.conn.execute(
        "SELECT lat, lon FROM photo_places WHERE photo_id = ? AND lat IS NOT NULL", (photo_id,)
    ).fetchone()
    return (float(row[0]), float(row[1])) if row else None
