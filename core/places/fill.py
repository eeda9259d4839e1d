"""Reading GPS positions into the catalog at the end of an index run, and naming them.

Apart from the scan (core/indexing/scan.py) so that places need no change to how photos are
decoded and embedded: new photos, changed files and catalogs from before places are all read
here, from their metadata only, and nothing is embedded again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

from core.media.gps import GpsPoint, read_gps
from core.places.geocoder import RULE_VERSION, Geocoder
from core.storage.places import (
    GpsRow,
    PlaceNames,
    photos_to_read,
    positions_to_name,
    restore_remembered,
    store_gps,
    store_names,
)

if TYPE_CHECKING:
    from core.storage.catalog import Catalog

# Files read for GPS between two progress steps, and in one catalog transaction.
FILL_BATCH = 256


def fill_places(
    catalog: Catalog,
    geocoder: Geocoder,
    read: Callable[[Path], GpsPoint | None] = read_gps,
) -> Generator[tuple[int, int], None, int]:
    """Read the GPS position of indexed photos not read yet (or changed since) and name it;
    then rename positions named by an older rule. Yields (done, total); returns how many
    files were read. The geocoder loads only when a position needs a name."""
    restore_remembered(catalog)  # places set by hand, for photos edited since
    rows = photos_to_read(catalog)
    for start in range(0, len(rows), FILL_BATCH):
        batch = rows[start : start + FILL_BATCH]
        found = []
        for pid, key, size, mtime_ns in batch:
            point = read(Path(os.fsdecode(key)))
            if point is None:
                found.append(GpsRow(pid, size, mtime_ns, None, None, None, None))
            else:
                names = geocoder.name(point.lat, point.lon)
                found.append(GpsRow(pid, size, mtime_ns, point.lat, point.lon, names, RULE_VERSION))
        store_gps(catalog, found)
        yield start + len(batch), len(rows)
    stale = positions_to_name(catalog, RULE_VERSION)
    for start in range(0, len(stale), FILL_BATCH):
        named: list[tuple[int, PlaceNames | None]] = [
            (pid, geocoder.name(lat, lon)) for pid, lat, lon in stale[start : start + FILL_BATCH]
        ]
        store_names(catalog, named, RULE_VERSION)
    return len(rows)
