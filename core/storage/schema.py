"""The catalog's schema, its migration ladder, and what a SQLite failure means for a user."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from core.errors import DISK_FULL, CorruptDataError, PhotoSearchError, StorageError
from core.storage.faces import create_face_memory, create_face_tables
from core.storage.feature_codec import migrate_features_v2

SCHEMA = """
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path BLOB NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash BLOB,
    status TEXT NOT NULL CHECK (status IN ('ok', 'skipped', 'deleted')),
    reason TEXT,
    width INTEGER,
    height INTEGER,
    indexed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS photos_hash ON photos(hash);
CREATE INDEX IF NOT EXISTS photos_status ON photos(status);
CREATE TABLE IF NOT EXISTS features (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (photo_id, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _create_v1(conn: sqlite3.Connection) -> None:
    """Version 1: folders, photos, features and meta (IF NOT EXISTS: older first starts that
    were interrupted before user_version was set left some of it behind)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _add_taken(conn: sqlite3.Connection) -> None:
    """Version 3: when each photo was taken (Unix seconds; EXIF, else the file's mtime).

    Rows from before stay NULL here: the next index reads their EXIF (core/media/dates.py), and
    until then the browser shows their mtime.
    """
    conn.execute("ALTER TABLE photos ADD COLUMN taken REAL")
    conn.execute("CREATE INDEX IF NOT EXISTS photos_taken ON photos(taken)")


# The migration ladder: MIGRATIONS[n] brings a catalog from user_version n to n + 1. Each runs
# once, in its own transaction with the version bump, so a crash leaves a whole version. Add
# new steps at the end; never edit one that has shipped.
Migration = Callable[[sqlite3.Connection], None]


def _features_8bit_v2(conn: sqlite3.Connection) -> None:
    """Version 2: feature blobs go from float16 to 8 bits a value (storage/feature_codec.py)."""
    migrate_features_v2(conn)


def _add_places(conn: sqlite3.Connection) -> None:
    """Where photos were taken: GPS positions and place names (core/storage/places.py).

    The table starts empty: the next index reads every photo's GPS from its file, without
    embedding anything again.
    """
    conn.execute(
        """CREATE TABLE IF NOT EXISTS photo_places (
            photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            size INTEGER NOT NULL,  -- the file version the GPS was read from
            mtime_ns INTEGER NOT NULL,
            lat REAL,  -- NULL: the file has no usable GPS position
            lon REAL,
            city TEXT,
            region TEXT,
            country TEXT,
            district TEXT,  -- the nearest town or district when it is not the city
            rule INTEGER  -- the naming rule's version (core/places/geocoder.py)
        )"""
    )
    for column in ("city", "region", "country"):
        conn.execute(f"CREATE INDEX IF NOT EXISTS photo_places_{column} ON photo_places({column})")


def _media_files(conn: sqlite3.Connection) -> None:
    """Each video's duration, and the RAW files shown as companions of a JPEG of the same
    name (storage/media_files.py reads and writes them)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS video_info ("
        " photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,"
        " duration REAL)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS companions (path BLOB PRIMARY KEY, main_path BLOB NOT NULL)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS companions_main ON companions(main_path)")


def _add_faces(conn: sqlite3.Connection) -> None:
    """Faces found in photos, the people they form and the user's corrections
    (core/storage/faces.py). Photos get their faces at the next `index`."""
    create_face_tables(conn)


def _remember_corrections(conn: sqlite3.Connection) -> None:
    """The user's face corrections outlive an edit of the photo (core/storage/faces.py)."""
    create_face_memory(conn)


# A place set by hand outlives an edit of the photo (a new row for the same path): before a
# photo row is deleted, its manual place is remembered by path, and the next fill gives it back
# (core/storage/places.py restore_remembered).
PLACE_MEMORY_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS place_memory (
        path BLOB NOT NULL, lat REAL, lon REAL, city TEXT, region TEXT, country TEXT,
        district TEXT, rule INTEGER
    )""",
    """CREATE TRIGGER IF NOT EXISTS places_remembered BEFORE DELETE ON photos
    BEGIN
        INSERT INTO place_memory(path, lat, lon, city, region, country, district, rule)
        SELECT OLD.path, lat, lon, city, region, country, district, rule FROM photo_places
        WHERE photo_id = OLD.id AND manual = 1;
    END""",
)


def _manual_places(conn: sqlite3.Connection) -> None:
    """Places the user set by hand (`set-place`): never replaced by reading the file's GPS,
    and remembered by path through an edit of the photo (core/storage/places.py)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(photo_places)")}
    if "manual" not in columns:  # run again on a catalog set back to an older version
        conn.execute("ALTER TABLE photo_places ADD COLUMN manual INTEGER NOT NULL DEFAULT 0")
    for statement in PLACE_MEMORY_SCHEMA:
        conn.execute(statement)


MIGRATIONS: list[Migration] = [
    _create_v1,
    _features_8bit_v2,
    _add_taken,
    _add_places,
    _media_files,
    _add_faces,
    _remember_corrections,
    _manual_places,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Apply the migrations this catalog lacks; returns the version it had (0: a new file)."""
    target = len(MIGRATIONS)
    start = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if start > target:
        raise PhotoSearchError(
            f"the catalog {path} was written by a newer Photo Search "
            f"(schema {start}, this one reads {target}); please upgrade"
        )
    for step in range(start, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have run this step while we waited for the write lock.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) <= step:
                MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start


def catalog_error(e: sqlite3.Error, path: Path) -> PhotoSearchError:
    """The user-facing error for a SQLite failure: only real damage counts as corruption."""
    code = getattr(e, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return CorruptDataError(f"the catalog {path} is damaged ({e}); run `index` to rebuild it")
    if primary == sqlite3.SQLITE_FULL:
        return StorageError(f"cannot write the catalog {path}: {DISK_FULL}")
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return StorageError(
            f"cannot write the catalog {path}: it or its folder is read-only or not yours ({e})"
        )
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageError(f"the catalog {path} is locked by another program; try again later")
    return StorageError(f"cannot use the catalog {path}: {e}")


def is_fault(e: BaseException) -> bool:
    """A SQLite failure a user can cause (disk, permission, damage), not a bug in our SQL."""
    return isinstance(e, sqlite3.OperationalError) or type(e) is sqlite3.DatabaseError
