"""Incremental indexing by mark and sweep, with a decode thread pool ahead of batched inference.

A generator: it yields IndexProgress records and returns an IndexSummary. Whoever drives it
(the CLI's progress bar, the GUI's worker thread) may stop at any yield: every finished batch
is already committed, so the next run carries on where this one stopped.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.catalog import PhotoRow, feature_blob, path_key
from core.decode import PHOTO_EXTENSIONS, DecodeError, LoadedPhoto, load_photo, retry
from core.lock import IndexLock

if TYPE_CHECKING:
    from core.library import Library

# Photos per onnxruntime call: amortises call overhead; 32 was no faster and used more memory.
BATCH = 16


@dataclass(frozen=True)
class IndexProgress:
    """One progress step: phase is "scanning", "indexing" or "building"."""

    phase: str
    done: int
    total: int
    rate: float = 0.0
    eta: float | None = None
    path: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class IndexSummary:
    """What an index run changed; the CLI prints it as JSON."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    missing_folders: list[str] = field(default_factory=list)
    seconds: float = 0.0
    complete: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "moved": self.moved,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "missing_folders": self.missing_folders,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _FoundFile:
    key: bytes
    path: str
    size: int
    mtime_ns: int


def walk_photos(
    root: Path, errors: list[SkippedFile], follow_outside: bool = False
) -> Iterator[_FoundFile]:
    """Photo files below root; follows folder symlinks once each, so loops cannot hang it.

    A symlink that leads out of root is skipped (and reported) unless follow_outside.
    """
    seen: set[tuple[int, int]] = set()
    real_root = os.path.realpath(root)
    stack = [os.fspath(root)]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            errors.append(SkippedFile(folder, f"folder not readable: {e.strerror or e}"))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders, including macOS "._" resource forks
            try:
                if not follow_outside and entry.is_symlink() and _leads_out(entry, real_root):
                    errors.append(SkippedFile(entry.path, OUTSIDE_LINK))
                    continue
                if entry.is_dir(follow_symlinks=True):
                    subfolders.append(entry.path)
                elif os.path.splitext(entry.name)[1].lower() in PHOTO_EXTENSIONS and entry.is_file(
                    follow_symlinks=True
                ):
                    st = entry.stat(follow_symlinks=True)
                    yield _FoundFile(path_key(entry.path), entry.path, st.st_size, st.st_mtime_ns)
            except OSError:
                continue  # a dangling symlink or a file that vanished mid-scan
        stack.extend(reversed(subfolders))


OUTSIDE_LINK = "symlink leads outside the library folder (see follow_external_symlinks)"


def _leads_out(entry: os.DirEntry[str], real_root: str) -> bool:
    target = os.path.realpath(entry.path)
    return os.path.commonpath([real_root, target]) != real_root


def index_library(
    library: Library, folders: list[Path] | None
) -> Generator[IndexProgress, None, IndexSummary]:
    """Bring the catalog up to date with folders; see the module docstring."""
    start = time.monotonic()
    summary = IndexSummary()
    with IndexLock(library.profile.lock_path):
        catalog = library.catalog
        model = library.backbone
        known = set(catalog.folders())
        if folders is None:
            folders = sorted(known)
        roots = []
        for folder in folders:
            if folder.is_dir():
                if folder not in known:
                    catalog.add_folder(folder)
                roots.append(folder)
            else:
                # An unplugged drive must not wipe its photos from the library.
                summary.missing_folders.append(str(folder))

        found: dict[bytes, _FoundFile] = {}
        scan_errors: list[SkippedFile] = []
        follow = library.settings.follow_external_symlinks
        for root in roots:
            for f in walk_photos(root, scan_errors, follow):
                found[f.key] = f
                if len(found) % 1000 == 0:
                    yield IndexProgress("scanning", len(found), 0, path=f.path)
        yield IndexProgress("scanning", len(found), len(found))
        summary.skipped.extend(scan_errors)

        existing: dict[bytes, PhotoRow] = {}
        for root in roots:
            existing.update(catalog.rows_under(root))
        with_features = set(catalog.ok_ids(model).tolist())
        todo: list[_FoundFile] = []
        for key, f in found.items():
            row = existing.get(key)
            same = row is not None and row.size == f.size and row.mtime_ns == f.mtime_ns
            if same and row is not None and row.status == "ok" and row.id in with_features:
                summary.unchanged += 1
            elif same and row is not None and row.status == "skipped" and not retry(row.reason):
                summary.skipped.append(SkippedFile(f.path, row.reason or "could not be read"))
            else:
                todo.append(f)

        writer = _Writer(library, existing, found, summary)
        yield from _embed_all(library, todo, catalog.known_hashes(model), writer, start)

        # Sweep: only after a complete walk, so an interrupted run never removes anything.
        gone = [
            row for key, row in existing.items() if key not in found and row.status != "deleted"
        ]
        writer.mark_deleted(gone)

        if summary.changed or _stale(library):
            yield IndexProgress("building", 0, 1)
            library.refresh_indexes()
            yield IndexProgress("building", 1, 1)
        summary.complete = True
        summary.seconds = time.monotonic() - start
    return summary


def _stale(library: Library) -> bool:
    return not (
        library.image_index.status()["fresh"]
        and library.joint_index.status()["fresh"]
        and library.feature_cache.load() is not None
    )


def _embed_all(
    library: Library,
    todo: list[_FoundFile],
    known_hashes: set[bytes],
    writer: _Writer,
    start: float,
) -> Generator[IndexProgress, None, None]:
    """Decode in a thread pool, run the CNN in batches on this thread, commit each batch."""
    if not todo:
        return
    encoder = library.encoder
    size = encoder.input_size
    workers = max(1, min(4, os.cpu_count() or 1))
    window = BATCH * 3
    pool = ThreadPoolExecutor(workers, thread_name_prefix="decode")
    pending: deque[tuple[_FoundFile, Future[LoadedPhoto]]] = deque()
    items = iter(todo)
    frozen = frozenset(known_hashes)

    def fill() -> None:
        while len(pending) < window:
            f = next(items, None)
            if f is None:
                return
            pending.append((f, pool.submit(load_photo, Path(f.path), size, frozen)))

    batch: list[tuple[_FoundFile, LoadedPhoto]] = []
    done = 0
    began = time.monotonic()
    try:
        fill()
        while pending:
            f, future = pending.popleft()
            fill()
            try:
                loaded = future.result()
            except DecodeError as e:
                writer.skip(f, str(e))
            except Exception as e:
                writer.skip(f, f"unexpected error while reading: {type(e).__name__}: {e}")
            else:
                if loaded.pixels is None:
                    writer.reuse(f, loaded)
                else:
                    batch.append((f, loaded))
            done += 1
            if len(batch) >= BATCH or (not pending and batch):
                pixels = np.stack([p.pixels for _, p in batch])  # type: ignore[misc]
                writer.add(batch, encoder.encode(pixels).features)
                batch = []
            if done % 8 == 0 or not pending:
                elapsed = max(time.monotonic() - began, 1e-6)
                rate = done / elapsed
                eta = (len(todo) - done) / rate if rate > 0 else None
                yield IndexProgress("indexing", done, len(todo), rate, eta, f.path)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _Writer:
    """Applies one run's changes to the catalog, one transaction per batch."""

    def __init__(
        self,
        library: Library,
        existing: dict[bytes, PhotoRow],
        found: dict[bytes, _FoundFile],
        summary: IndexSummary,
    ) -> None:
        self.catalog = library.catalog
        self.model = library.backbone
        self.existing = existing
        self.found = found
        self.summary = summary

    def _replace_row(self, c: sqlite3.Connection, f: _FoundFile) -> PhotoRow | None:
        old = self.existing.get(f.key)
        if old is not None:
            c.execute("DELETE FROM photos WHERE id = ? AND path = ?", (old.id, f.key))
        return old

    def add(self, batch: list[tuple[_FoundFile, LoadedPhoto]], features: np.ndarray) -> None:
        now = time.time()
        with self.catalog.transaction() as c:
            for (f, loaded), vector in zip(batch, features, strict=True):
                old = self.existing.get(f.key)
                if (
                    old is not None
                    and old.status == "ok"
                    and old.size == f.size
                    and old.mtime_ns == f.mtime_ns
                ):
                    # Same file, new backbone: add this model's features, keep the row.
                    c.execute(
                        "INSERT OR REPLACE INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                        (old.id, self.model, feature_blob(vector)),
                    )
                    self.summary.added += 1
                    continue
                old = self._replace_row(c, f)
                cur = c.execute(
                    "INSERT INTO photos(path, size, mtime_ns, hash, status, width, height, "
                    "indexed_at) VALUES (?, ?, ?, ?, 'ok', ?, ?, ?)",
                    (
                        f.key,
                        f.size,
                        f.mtime_ns,
                        loaded.content_hash,
                        loaded.width,
                        loaded.height,
                        now,
                    ),
                )
                c.execute(
                    "INSERT INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                    (cur.lastrowid, self.model, feature_blob(vector)),
                )
                if old is not None and old.status == "ok":
                    self.summary.updated += 1
                else:
                    self.summary.added += 1

    def reuse(self, f: _FoundFile, loaded: LoadedPhoto) -> None:
        """A file whose content is already known: a touch, a move/rename, or a copy."""
        candidates = self.catalog.photos_by_hash(loaded.content_hash, self.model)
        now = time.time()
        with self.catalog.transaction() as c:
            same = next((r for r in candidates if path_key(r.path) == f.key), None)
            if same is not None:
                c.execute(
                    "UPDATE photos SET size = ?, mtime_ns = ?, status = 'ok', reason = NULL "
                    "WHERE id = ?",
                    (f.size, f.mtime_ns, same.id),
                )
                if same.status == "ok":
                    self.summary.unchanged += 1
                else:
                    self.summary.added += 1
                return
            moved_from = next(
                (
                    r
                    for r in candidates
                    if path_key(r.path) not in self.found and not os.path.lexists(r.path)
                ),
                None,
            )
            if moved_from is not None:
                self._replace_row(c, f)
                c.execute(
                    "UPDATE photos SET path = ?, size = ?, mtime_ns = ?, status = 'ok', "
                    "reason = NULL, indexed_at = ? WHERE id = ?",
                    (f.key, f.size, f.mtime_ns, now, moved_from.id),
                )
                self.summary.moved += 1
                return
            source = candidates[0] if candidates else None
            old = self._replace_row(c, f)
            cur = c.execute(
                "INSERT INTO photos(path, size, mtime_ns, hash, status, indexed_at) "
                "VALUES (?, ?, ?, ?, 'ok', ?)",
                (f.key, f.size, f.mtime_ns, loaded.content_hash, now),
            )
            if source is not None:
                c.execute(
                    "INSERT INTO features(photo_id, model, vector) SELECT ?, model, vector "
                    "FROM features WHERE photo_id = ?",
                    (cur.lastrowid, source.id),
                )
            if old is not None and old.status == "ok":
                self.summary.updated += 1
            else:
                self.summary.added += 1

    def skip(self, f: _FoundFile, reason: str) -> None:
        self.summary.skipped.append(SkippedFile(f.path, reason))
        with self.catalog.transaction() as c:
            old = self._replace_row(c, f)
            c.execute(
                "INSERT INTO photos(path, size, mtime_ns, status, reason, indexed_at) "
                "VALUES (?, ?, ?, 'skipped', ?, ?)",
                (f.key, f.size, f.mtime_ns, reason, time.time()),
            )
            if old is not None and old.status == "ok":
                self.summary.removed += 1

    def mark_deleted(self, rows: list[PhotoRow]) -> None:
        with self.catalog.transaction() as c:
            for row in rows:
                # Matching on the path too leaves rows alone that this run moved elsewhere.
                cur = c.execute(
                    "UPDATE photos SET status = 'deleted' WHERE id = ? AND path = ?",
                    (row.id, path_key(row.path)),
                )
                if cur.rowcount and row.status == "ok":
                    self.summary.removed += 1
