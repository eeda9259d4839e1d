"""The catalog on its own: schema versions and migrations, folders, photo rows, transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

import core.storage.schema
from core.errors import CorruptDataError, PhotoSearchError
from core.storage.catalog import SCHEMA_VERSION, Catalog, feature_blob, path_key

# The schema of the catalog as main shipped it before the migration ladder (user_version 1),
# frozen here: the ladder must upgrade exactly this file in place.
SCHEMA_V1 = """
CREATE TABLE folders (id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, added_at REAL NOT NULL);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, hash BLOB,
    status TEXT NOT NULL CHECK (status IN ('ok', 'skipped', 'deleted')), reason TEXT,
    width INTEGER, height INTEGER, indexed_at REAL NOT NULL
);
CREATE INDEX photos_hash ON photos(hash);
CREATE INDEX photos_status ON photos(status);
CREATE TABLE features (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE, model TEXT NOT NULL,
    vector BLOB NOT NULL, PRIMARY KEY (photo_id, model)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def old_catalog(path: Path) -> np.ndarray:
    """A version-1 catalog with a folder, two photos (one skipped) and features; the vector."""
    conn = sqlite3.connect(path)
    conn.executescript("PRAGMA page_size = 16384; PRAGMA journal_mode=WAL;" + SCHEMA_V1)
    vector = np.linspace(0, 6, 1280).astype(np.float16)
    conn.execute("INSERT INTO folders(path, added_at) VALUES (?, 1.0)", (b"/photos",))
    conn.execute(
        "INSERT INTO photos VALUES (7, ?, 10, 20, ?, 'ok', NULL, 640, 480, 2.0)",
        (b"/photos/caf\xe9.jpg", b"h" * 16),
    )
    conn.execute(
        "INSERT INTO photos VALUES (8, ?, 1, 2, NULL, 'skipped', 'permission denied', NULL, "
        "NULL, 3.0)",
        (b"/photos/locked.jpg",),
    )
    conn.execute("INSERT INTO features VALUES (7, 'efficientnet-lite0', ?)", (vector.tobytes(),))
    conn.execute("INSERT INTO meta VALUES ('generation', '5')")
    conn.commit()
    conn.close()
    return vector.astype(np.float32)


def test_todays_catalog_upgrades_in_place_losing_nothing(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    vector = old_catalog(path)
    catalog = Catalog(path)
    assert not catalog.created
    assert catalog.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert catalog.folders() == [Path("/photos")]
    assert catalog.ok_photos() == [(7, "/photos/caf\udce9.jpg")]
    assert catalog.skipped() == [("/photos/locked.jpg", "permission denied")]
    # v2 stores 8 bits a value (core.storage.feature_codec): within half a step of float16.
    assert np.allclose(catalog.features([7], "efficientnet-lite0", 1280)[0], vector, atol=6 / 510)
    (blob,) = catalog.conn.execute("SELECT vector FROM features WHERE photo_id = 7").fetchone()
    assert len(blob) < len(vector) * 2
    assert catalog.generation() == 5


def test_a_new_step_runs_once_in_its_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "catalog.sqlite3"
    old_catalog(path)
    runs = []

    def add_taken_at(conn: sqlite3.Connection) -> None:
        runs.append(1)
        conn.execute("ALTER TABLE photos ADD COLUMN taken_at REAL")

    monkeypatch.setattr(
        core.storage.schema, "MIGRATIONS", [*core.storage.schema.MIGRATIONS, add_taken_at]
    )
    for _ in range(2):
        catalog = Catalog(path)
        assert catalog.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        catalog.close()
    assert runs == [1]
    row = Catalog(path).conn.execute("SELECT path, taken_at FROM photos WHERE id = 7").fetchone()
    assert row == (b"/photos/caf\xe9.jpg", None)


def test_a_failing_step_leaves_the_previous_version_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "catalog.sqlite3"
    old_catalog(path)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE photos ADD COLUMN taken_at REAL")
        raise RuntimeError("power cut")

    monkeypatch.setattr(
        core.storage.schema, "MIGRATIONS", [*core.storage.schema.MIGRATIONS, half_done]
    )
    with pytest.raises(RuntimeError):
        Catalog(path)
    monkeypatch.undo()
    catalog = Catalog(path)
    assert catalog.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [r[1] for r in catalog.conn.execute("PRAGMA table_info(photos)")]
    assert "taken_at" not in columns


def test_a_catalog_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    old_catalog(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(PhotoSearchError, match="newer Photo Search"):
        Catalog(path)


def test_a_new_catalog(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "sub" / "catalog.sqlite3")
    assert catalog.created and catalog.folders() == [] and catalog.generation() == 0
    assert Catalog(tmp_path / "sub" / "catalog.sqlite3").created is False


def test_folders_and_removal(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    assert catalog.add_folder(Path("/a")) and not catalog.add_folder(Path("/a"))
    catalog.add_folder(Path("/a/b"))
    with catalog.transaction() as c:
        for n, p in enumerate([b"/a/1.jpg", b"/a/b/2.jpg", b"/ab/3.jpg"]):
            c.execute(
                "INSERT INTO photos(id, path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, ?, 1, 1, 'ok', 0)",
                (n + 1, p),
            )
    assert [p for _, p in catalog.ok_photos(Path("/a"))] == ["/a/1.jpg", "/a/b/2.jpg"]
    # /a/b stays a library folder: its photo stays; /ab is only a name prefix, not inside /a.
    assert catalog.remove_folder(Path("/a")) == 1
    assert [p for _, p in catalog.ok_photos()] == ["/a/b/2.jpg", "/ab/3.jpg"]
    assert catalog.folders() == [Path("/a/b")]
    assert catalog.counts() == {"ok": 2, "skipped": 0, "deleted": 1}


def test_transactions_commit_whole_or_not_at_all(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with pytest.raises(ZeroDivisionError), catalog.transaction() as c:
        c.execute("INSERT INTO folders(path, added_at) VALUES (?, 0)", (path_key("/x"),))
        _ = 1 / 0
    assert catalog.folders() == [] and catalog.generation() == 0
    catalog.add_folder(Path("/y"))
    assert catalog.generation() == 1


def test_features_round_trip_in_8_bits(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    # 16 values: at 8 a blob's 8-byte header + 8 bytes is as long as the old float16 format.
    vectors = np.random.default_rng(0).uniform(0, 6, (3, 16)).astype(np.float32)
    with catalog.transaction() as c:
        for i, v in enumerate(vectors, start=1):
            c.execute(
                "INSERT INTO photos(id, path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, ?, 1, 1, 'ok', 0)",
                (i, f"/p/{i}.jpg".encode()),
            )
            c.execute("INSERT INTO features VALUES (?, 'm', ?)", (i, feature_blob(v)))
    got = catalog.features([3, 1], "m", 16)
    assert np.allclose(got, vectors[[2, 0]], atol=6 / 510)  # half a step of 8 bits over [0, 6]
    assert catalog.ok_ids("m").tolist() == [1, 2, 3]
    ids, feats = next(catalog.iter_features("m", 16))
    assert ids.tolist() == [1, 2, 3] and np.allclose(feats, vectors, atol=6 / 510)


def test_raw_feature_rows_are_the_stored_blobs(tmp_path: Path) -> None:
    # The class search reads these rows into memory: they must decode to what the catalog
    # gives, float16 rows of a catalog not yet upgraded included.
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    vectors = np.random.default_rng(1).uniform(0, 6, (3, 16)).astype(np.float32)
    with catalog.transaction() as c:
        for i, v in enumerate(vectors, start=1):
            c.execute(
                "INSERT INTO photos(id, path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, ?, 1, 1, ?, 0)",
                (i, f"/p/{i}.jpg".encode(), "deleted" if i == 2 else "ok"),
            )
            blob = v.astype(np.float16).tobytes() if i == 3 else feature_blob(v)
            c.execute("INSERT INTO features VALUES (?, 'm', ?)", (i, blob))
    chunks = list(catalog.feature_rows("m", 16))
    ids = np.concatenate([i for i, _ in chunks])
    rows = np.concatenate([r for _, r in chunks])
    assert ids.tolist() == [1, 3] and rows.shape == (2, 8 + 16) and rows.dtype == np.uint8
    assert rows[0].tobytes() == feature_blob(vectors[0])
    decoded = rows[:, 8:] * rows[:, 4:8].copy().view("<f4") + rows[:, :4].copy().view("<f4")
    assert np.allclose(decoded, catalog.features([1, 3], "m", 16), atol=6 / 510)


def test_damaged_feature_rows_are_a_one_line_error(tmp_path: Path) -> None:
    # Rows longer than a page go on in overflow pages, which opening the catalog does not
    # read: damage there is found by the full read of the class search, and reported.
    path = tmp_path / "catalog.sqlite3"
    catalog = Catalog(path)
    dim = 40000  # three overflow pages a row
    with catalog.transaction() as c:
        for i in range(1, 4):
            c.execute(
                "INSERT INTO photos(id, path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, ?, 1, 1, 'ok', 0)",
                (i, f"/p/{i}.jpg".encode()),
            )
            c.execute("INSERT INTO features VALUES (?, 'm', ?)", (i, feature_blob(np.ones(dim))))
    catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = catalog.conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'features' AND pagetype = 'overflow'"
    ).fetchall()
    catalog.close()
    assert pages
    with open(path, "r+b") as f:  # each overflow page's link to the next one: past the end
        for (page,) in pages:
            f.seek((page - 1) * 16384)
            f.write(b"\x00\xff\xff\xff")
    damaged = Catalog(path)
    with pytest.raises(CorruptDataError, match="is damaged"):
        list(damaged.feature_rows("m", dim))
