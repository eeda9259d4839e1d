"""Capture dates that older catalogs lack, read at the end of an index run.

Apart from core/media/dates.py because it reports progress as indexing does
(core.indexing.scan), which reads dates through core.media.decode, which imports
core.media.dates: one module would make a circle.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.media.dates import read_taken
from core.progress import Progress

if TYPE_CHECKING:
    from core.storage.catalog import Catalog

# Rows whose dates are read in one transaction by fill_missing_dates.
FILL_BATCH = 256


def fill_missing_dates(catalog: Catalog) -> Generator[Any, None, int]:
    """Read the capture date of indexed photos that have none yet (catalogs from before dates,
    copies found by their hash); yields Progress("dates", ...), returns how many."""
    rows = catalog.conn.execute(
        "SELECT id, path, mtime_ns FROM photos WHERE status = 'ok' AND taken IS NULL"
    ).fetchall()
    for start in range(0, len(rows), FILL_BATCH):
        batch = rows[start : start + FILL_BATCH]
        dates = []
        for pid, key, mtime_ns in batch:
            taken = read_taken(Path(os.fsdecode(key)))
            if taken is None and mtime_ns > 0:
                taken = mtime_ns / 1e9
            if taken is not None:
                dates.append((taken, pid))
        with catalog.transaction() as c:
            c.executemany("UPDATE photos SET taken = ? WHERE id = ? AND taken IS NULL", dates)
        yield Progress("dates", start + len(batch), len(rows))
    return len(rows)


def with_dates(run: Generator[Any, None, Any], catalog: Catalog) -> Generator[Any, None, Any]:
    """An index run, then fill_missing_dates; returns the run's summary."""
    summary = yield from run
    yield from fill_missing_dates(catalog)
    return summary
