"""The SQLite catalog: the truth about which photos exist and their stored feature vectors."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.errors import PhotoSearchError, storage_errors
from core.storage import feature_codec
from core.storage.profile import make_private
from core.storage.schema import SCHEMA_VERSION as SCHEMA_VERSION
from core.storage.schema import catalog_error, is_fault, migrate


def path_key(path: str | os.PathLike[str]) -> bytes:
    """Paths are stored as raw bytes so that non-UTF-8 file names survive."""
    return os.fsencode(os.fspath(path))


def path_str(key: bytes) -> str:
    return os.fsdecode(key)


def prefix_range(root: bytes) -> tuple[bytes, bytes]:
    """Byte range [lo, hi) of every path strictly below root."""
    base = root.rstrip(b"/") + b"/"
    return base, base[:-1] + b"0"  # '0' is the byte after '/'


@dataclass(frozen=True)
class PhotoRow:
    """One catalog row."""

    id: int
    path: str
    size: int
    mtime_ns: int
    hash: bytes | None
    status: str
    reason: str | None


class NewPhoto(NamedTuple):
    """A file as indexing found it: raw path, size, mtime, and what reading it told."""

    key: bytes
    size: int
    mtime_ns: int
    hash: bytes | None = None
    width: int | None = None
    height: int | None = None
    taken: float | None = None  # capture time, Unix seconds (core/media/dates.py)


Old = PhotoRow | None  # the row a path had before an index run


class Catalog:
    """Thread-safe access to catalog.sqlite3: one connection per thread, WAL journal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self.created = False  # True when this opening made a new, empty catalog
        with storage_errors(f"cannot create the catalog folder {path.parent}"):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._init_schema(self.conn)
        except sqlite3.Error as e:
            self.close()
            if not is_fault(e):
                raise
            raise catalog_error(e, path) from e
        except BaseException:
            self.close()
            raise
        # SQLite creates its files with the umask; the WAL files copy the catalog's mode.
        for suffix in ("", "-wal", "-shm"):
            make_private(Path(str(path) + suffix))

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            # 16 KiB pages hold six 2.5 KiB feature rows where 4 KiB pages hold one. It only
            # takes effect on a new, empty file (before WAL is switched on); else a no-op.
            conn.execute("PRAGMA page_size = 16384")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        self.created = migrate(conn, self.path) == 0
        # Touch every table so that a damaged file is found now, not in the middle of a query.
        for table in ("folders", "photos", "features", "meta"):
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()

    # -- transactions ------------------------------------------------------------------------

    class _Tx:
        def __init__(self, catalog: Catalog, bump: bool = True) -> None:
            self.catalog = catalog
            self.bump = bump

        def __enter__(self) -> sqlite3.Connection:
            self.catalog._write_lock.acquire()
            try:
                conn = self.catalog.conn
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                self.catalog._write_lock.release()
                if not is_fault(e):
                    raise
                raise catalog_error(e, self.catalog.path) from e
            return conn

        def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
            conn = self.catalog.conn
            try:
                if exc is None:
                    try:
                        if self.bump:
                            conn.execute(
                                "INSERT INTO meta(key, value) VALUES('generation', '1') ON "
                                "CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                            )
                        conn.execute("COMMIT")
                    except sqlite3.Error as e:
                        _rollback(conn)
                        if not is_fault(e):
                            raise
                        raise catalog_error(e, self.catalog.path) from e
                else:
                    _rollback(conn)
                    if is_fault(exc):
                        # A full disk mid-batch: the batch is rolled back, the catalog is whole.
                        raise catalog_error(exc, self.catalog.path) from exc  # type: ignore[arg-type]
            finally:
                self.catalog._write_lock.release()

    def transaction(self, bump: bool = True) -> Catalog._Tx:
        """A write transaction; committing it bumps the catalog generation unless bump is
        False (facts about photos that no index or cache derives from, such as places)."""
        return Catalog._Tx(self, bump)

    def generation(self) -> int:
        """A number that changes whenever any process commits a change."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # -- folders -----------------------------------------------------------------------------

    def folders(self) -> list[Path]:
        rows = self.conn.execute("SELECT path FROM folders ORDER BY path").fetchall()
        return [Path(path_str(r[0])) for r in rows]

    def add_folder(self, folder: Path) -> bool:
        """Remember a library folder; False when it was already there."""
        with self.transaction() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)",
                (path_key(folder), time.time()),
            )
            return cur.rowcount > 0

    def remove_folder(self, folder: Path) -> int:
        """Forget a folder and its photos (unless another library folder covers them)."""
        others = [f for f in self.folders() if f != folder]
        with self.transaction() as c:
            c.execute("DELETE FROM folders WHERE path = ?", (path_key(folder),))
            if any(folder.is_relative_to(o) for o in others):
                return 0
            # Photos of library folders inside this one stay: they are still in the library.
            kept = [prefix_range(path_key(o)) for o in others if o.is_relative_to(folder)]
            query = "UPDATE photos SET status = 'deleted' WHERE path >= ? AND path < ?"
            query += " AND NOT (path >= ? AND path < ?)" * len(kept)
            args = [*prefix_range(path_key(folder)), *(key for r in kept for key in r)]
            cur = c.execute(query + " AND status != 'deleted'", args)
            return cur.rowcount

    # -- photos ------------------------------------------------------------------------------

    def rows_under(self, root: Path) -> dict[bytes, PhotoRow]:
        """Every row (any status) whose path lies below root, keyed by raw path."""
        lo, hi = prefix_range(path_key(root))
        cur = self.conn.execute(
            "SELECT id, path, size, mtime_ns, hash, status, reason FROM photos "
            "WHERE path >= ? AND path < ?",
            (lo, hi),
        )
        return {r[1]: _row(r) for r in cur}

    def photo_by_path(self, path: Path) -> PhotoRow | None:
        r = self.conn.execute(
            "SELECT id, path, size, mtime_ns, hash, status, reason FROM photos WHERE path = ?",
            (path_key(path),),
        ).fetchone()
        return _row(r) if r else None

    def indexed_id(self, path: str | os.PathLike[str]) -> int:
        """The id of the indexed photo at path (made absolute); a clear error for any other."""
        row = self.photo_by_path(Path(os.path.abspath(os.fspath(path))))
        if row is None or row.status != "ok":
            raise PhotoSearchError(f"not an indexed photo: {path}")
        return row.id

    def photos_by_hash(self, digest: bytes, model: str) -> list[PhotoRow]:
        """Rows with this content hash that have stored features for model."""
        cur = self.conn.execute(
            "SELECT p.id, p.path, p.size, p.mtime_ns, p.hash, p.status, p.reason FROM photos p "
            "JOIN features f ON f.photo_id = p.id AND f.model = ? WHERE p.hash = ?",
            (model, digest),
        )
        return [_row(r) for r in cur]

    def known_hashes(self, model: str) -> set[bytes]:
        cur = self.conn.execute(
            "SELECT DISTINCT p.hash FROM photos p JOIN features f "
            "ON f.photo_id = p.id AND f.model = ? WHERE p.hash IS NOT NULL",
            (model,),
        )
        return {r[0] for r in cur}

    def paths(self, ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for i, p in self.conn.execute(
                f"SELECT id, path FROM photos WHERE id IN ({marks})", chunk
            ):
                out[int(i)] = path_str(p)
        return out

    def ok_photos(self, root: Path | None = None) -> list[tuple[int, str]]:
        """(id, path) of every indexed photo, optionally only below root, sorted by path."""
        if root is None:
            cur = self.conn.execute("SELECT id, path FROM photos WHERE status = 'ok' ORDER BY path")
        else:
            lo, hi = prefix_range(path_key(root))
            cur = self.conn.execute(
                "SELECT id, path FROM photos WHERE status = 'ok' AND path >= ? AND path < ? "
                "ORDER BY path",
                (lo, hi),
            )
        return [(int(i), path_str(p)) for i, p in cur]

    def ok_ids(self, model: str) -> np.ndarray:
        """Sorted ids of indexed photos with features for model."""
        cur = self.conn.execute(
            "SELECT p.id FROM photos p JOIN features f ON f.photo_id = p.id AND f.model = ? "
            "WHERE p.status = 'ok' ORDER BY p.id",
            (model,),
        )
        return np.fromiter((r[0] for r in cur), dtype=np.int64)

    def skipped(self, root: Path | None = None) -> list[tuple[str, str]]:
        """(path, reason) of files that could not be indexed."""
        q = "SELECT path, reason FROM photos WHERE status = 'skipped'"
        args: tuple[bytes, ...] = ()
        if root is not None:
            q += " AND path >= ? AND path < ?"
            args = prefix_range(path_key(root))
        return [(path_str(p), r or "") for p, r in self.conn.execute(q + " ORDER BY path", args)]

    def counts(self, root: Path | None = None) -> dict[str, int]:
        q = "SELECT status, count(*) FROM photos"
        args: tuple[bytes, ...] = ()
        if root is not None:
            q += " WHERE path >= ? AND path < ?"
            args = prefix_range(path_key(root))
        out = {"ok": 0, "skipped": 0, "deleted": 0}
        out.update({s: int(n) for s, n in self.conn.execute(q + " GROUP BY status", args)})
        return out

    # -- features ----------------------------------------------------------------------------

    def features(self, ids: Sequence[int], model: str, dim: int) -> np.ndarray:
        """Stored features for ids, in the given order, as float32 [len(ids), dim]."""
        out = np.zeros((len(ids), dim), np.float32)
        pos = {int(i): n for n, i in enumerate(ids)}
        for chunk in _chunks(list(pos), 500):
            marks = ",".join("?" * len(chunk))
            cur = self.conn.execute(
                f"SELECT photo_id, vector FROM features WHERE model = ? AND photo_id IN ({marks})",
                [model, *chunk],
            )
            for pid, blob in cur:
                out[pos[int(pid)]] = feature_codec.decode(blob, dim)
        return out

    def iter_features(
        self, model: str, dim: int, chunk: int = 1024
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, features) chunks of every indexed photo, in id order (small chunks: the joint
        model's activations for one stay in onnxruntime's arena; 4096 rows cost 190 MiB)."""
        for ids, blobs in self._feature_blobs(model, chunk):
            yield ids, feature_codec.decode_many(blobs, dim)

    def feature_rows(
        self, model: str, dim: int, chunk: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, stored blobs as uint8 [n, 8 + dim]) chunks of every indexed photo, in id order:
        the 8-bit rows themselves, undecoded (the class search keeps them in memory)."""
        for ids, blobs in self._feature_blobs(model, chunk):
            yield ids, feature_codec.stack_blobs(blobs, dim)

    def _feature_blobs(self, model: str, chunk: int) -> Iterator[tuple[np.ndarray, list[bytes]]]:
        """(ids, stored blobs) chunks of every indexed photo, in id order."""
        try:  # a scan of every feature row: damage anywhere in them is found here
            cur = self.conn.execute(
                "SELECT p.id, f.vector FROM photos p JOIN features f "
                "ON f.photo_id = p.id AND f.model = ? WHERE p.status = 'ok' ORDER BY p.id",
                (model,),
            )
            while rows := cur.fetchmany(chunk):
                yield np.fromiter((r[0] for r in rows), np.int64, len(rows)), [r[1] for r in rows]
        except sqlite3.Error as e:
            if not is_fault(e):
                raise
            raise catalog_error(e, self.path) from e

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads on this thread inside see one state of the catalog (a read transaction)."""
        conn = self.conn
        if conn.in_transaction:  # already inside one: it is the snapshot
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    # -- indexing writes: core/indexing/scan.py decides what changed, these apply it ---------------
    # One transaction a call. `old` is the row that held the same path before the run, if any;
    # deleting it by id and path leaves alone a row that this run moved elsewhere.

    def store_embedded(
        self, model: str, photos: Sequence[NewPhoto], vectors: np.ndarray, olds: Sequence[Old]
    ) -> None:
        """Store new features; an unchanged "ok" row only gains model's vector."""
        with self.transaction() as c:
            for p, vector, old in zip(photos, vectors, olds, strict=True):
                if old is not None and old.status == "ok" and (old.size, old.mtime_ns) == p[1:3]:
                    photo_id = old.id
                else:
                    photo_id = self._insert(c, p, old)
                c.execute(
                    "INSERT OR REPLACE INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                    (photo_id, model, feature_blob(vector)),
                )

    def _insert(self, c: sqlite3.Connection, p: NewPhoto, old: Old, reason: str = "") -> int:
        if old is not None:
            c.execute("DELETE FROM photos WHERE id = ? AND path = ?", (old.id, p.key))
        cur = c.execute(
            "INSERT INTO photos(path, size, mtime_ns, hash, width, height, taken, status, "
            "reason, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*p, "skipped" if reason else "ok", reason or None, time.time()),
        )
        return int(cur.lastrowid or 0)

    def copy_photo(self, source_id: int | None, p: NewPhoto, old: Old) -> None:
        """A new path with known content: a new row sharing source's stored vectors."""
        with self.transaction() as c:
            photo_id = self._insert(c, p, old)
            if source_id is not None:
                c.execute(
                    "INSERT INTO features(photo_id, model, vector) SELECT ?, model, vector "
                    "FROM features WHERE photo_id = ?",
                    (photo_id, source_id),
                )

    def mark_skipped(self, p: NewPhoto, reason: str, old: Old) -> None:
        """Remember a file that could not be indexed, and why."""
        with self.transaction() as c:
            self._insert(c, p, old, reason)

    def move_photo(self, photo_id: int, p: NewPhoto, old: Old) -> None:
        """The same content at a new path (photo_id's own path when only touched)."""
        with self.transaction() as c:
            if old is not None and old.id != photo_id:
                c.execute("DELETE FROM photos WHERE id = ? AND path = ?", (old.id, p.key))
            c.execute(
                "UPDATE photos SET path = ?, size = ?, mtime_ns = ?, status = 'ok', "
                "reason = NULL, indexed_at = ? WHERE id = ?",
                (p.key, p.size, p.mtime_ns, time.time(), photo_id),
            )

    def mark_deleted(self, rows: Sequence[PhotoRow]) -> int:
        """Mark rows of vanished files deleted; returns how many were indexed ("ok") ones."""
        removed = 0
        with self.transaction() as c:
            for row in rows:
                cur = c.execute(
                    "UPDATE photos SET status = 'deleted' WHERE id = ? AND path = ?",
                    (row.id, path_key(row.path)),
                )
                removed += bool(cur.rowcount and row.status == "ok")
        return removed


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite rolls back by itself after some failures (SQLITE_FULL); then there is nothing left.
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def feature_blob(vector: np.ndarray) -> bytes:
    """The stored form of one photo's features (core/storage/feature_codec.py: 8 bits a value)."""
    return feature_codec.encode(vector)


def _row(r: tuple[object, ...]) -> PhotoRow:
    return PhotoRow(
        id=int(r[0]),  # type: ignore[call-overload]
        path=path_str(r[1]),  # type: ignore[arg-type]
        size=int(r[2]),  # type: ignore[call-overload]
        mtime_ns=int(r[3]),  # type: ignore[call-overload]
        hash=r[4],  # type: ignore[arg-type]
        status=str(r[5]),
        reason=r[6],  # type: ignore[arg-type]
    )


def _chunks(items: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
