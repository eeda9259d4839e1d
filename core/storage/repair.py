"""Opening the catalog with repair: a damaged file is moved aside and rebuilt from what survives."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from core.errors import CorruptDataError, storage_errors
from core.storage.catalog import Catalog


def open_catalog(path: Path, repair: bool) -> tuple[Catalog, str | None]:
    """Open the catalog; with repair, a damaged one is moved aside and rebuilt from what survives.

    Returns the catalog and, when a repair happened, a one-line message for the user.
    """
    try:
        return Catalog(path), None
    except CorruptDataError:
        if not repair:
            raise
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    with storage_errors(f"cannot move the damaged catalog {path} aside"):
        shutil.move(path, aside)
        # The write-ahead log may hold committed transactions: it travels with its file.
        for suffix in ("-wal", "-shm"):
            journal = Path(str(path) + suffix)
            if journal.exists():
                shutil.move(journal, Path(str(aside) + suffix))
    catalog = Catalog(path)
    saved = _salvage(aside, catalog)
    return catalog, (
        f"the catalog was damaged; moved it to {aside.name} and rebuilt it "
        f"({saved} photos recovered, the rest will be re-indexed)"
    )


def _salvage(source: Path, target: Catalog) -> int:
    """Copy whatever rows of a damaged catalog can still be read; returns photos recovered."""
    try:
        old = sqlite3.connect(source)  # read-write, so that SQLite can replay the moved WAL
    except sqlite3.DatabaseError:
        return 0
    saved = 0
    with target.transaction() as c:
        try:
            folders = old.execute("SELECT path, added_at FROM folders").fetchall()
            c.executemany("INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)", folders)
        except sqlite3.DatabaseError:
            pass
        try:
            rows = old.execute(
                "SELECT p.id, p.path, p.size, p.mtime_ns, p.hash, p.width, p.height, "
                "f.model, f.vector FROM photos p JOIN features f ON f.photo_id = p.id "
                "WHERE p.status = 'ok'"
            ).fetchall()
        except sqlite3.DatabaseError:
            rows = []
        for pid, path, size, _mtime_ns, digest, w, h, model, vector in rows:
            # A wrong mtime forces a re-check of the file: the hash then reuses the vector.
            cur = c.execute(
                "INSERT OR IGNORE INTO photos(id, path, size, mtime_ns, hash, status, width, "
                "height, indexed_at) VALUES (?, ?, ?, -1, ?, 'ok', ?, ?, ?)",
                (pid, path, size, digest, w, h, time.time()),
            )
            saved += cur.rowcount
            c.execute(
                "INSERT OR IGNORE INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                (pid, model, vector),
            )
    old.close()
    return saved
