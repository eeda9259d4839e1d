"""Incremental indexing by mark and sweep; one worker thread per core reads, decodes and embeds.

A generator: it yields Progress records and returns an IndexSummary. Whoever drives it
(the CLI's progress bar, the GUI's worker thread) may stop at any yield: every finished batch
is already committed, so the next run carries on where this one stopped.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.indexing.companions import pair_companions
from core.media.decode import (
    MEDIA_EXTENSIONS,
    DecodeError,
    LoadedPhoto,
    load_photo,
    media_kind,
    retry,
)
from core.media.video import NOT_INSTALLED
from core.models.encoder import ImageEncoder
from core.progress import Progress
from core.storage.catalog import Catalog, NewPhoto, PhotoRow, path_key
from core.storage.lock import IndexLock
from core.storage.media_files import copy_duration, replace_companions, set_durations

# Photos a worker decodes and then embeds in one onnxruntime call. Small: a single-threaded
# call is no faster per photo on larger batches, and a cancelled run waits for one chunk.
CHUNK = 4
# Photos per catalog transaction.
BATCH = 16


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
    raw: int = 0  # RAW files read this run (added or updated)
    videos: int = 0  # videos read this run (added or updated)
    companions: int = 0  # RAW files and Live Photo clips shown with the picture of their name
    videos_unsupported: int = 0  # videos skipped because the `video` extra is not installed
    # The face pass that followed (core/people), as its to_json(); None when it did not run.
    faces: dict[str, Any] | None = None

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
            "raw": self.raw,
            "videos": self.videos,
            "companions": self.companions,
            "videos_unsupported": self.videos_unsupported,
        } | ({"faces": self.faces} if self.faces is not None else {})


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
                elif os.path.splitext(entry.name)[1].lower() in MEDIA_EXTENSIONS and entry.is_file(
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


def index_catalog(
    catalog: Catalog,
    encoder: ImageEncoder,
    folders: list[Path] | None,
    lock_path: Path,
    indexes_stale: Callable[[], bool] = lambda: False,
    refresh_indexes: Callable[[bool], None] = lambda force: None,
    follow_external_symlinks: bool = False,
) -> Generator[Progress, None, IndexSummary]:
    """Bring the catalog up to date with folders, under the profile's indexing lock.

    The derived indexes are refreshed at the end when anything changed or indexes_stale();
    with new vectors, refresh_indexes(force=True): they are rebuilt without first looking at
    how stale they are, which would run every new photo through the joint model at once.
    """
    start = time.monotonic()
    summary = IndexSummary()
    with IndexLock(lock_path):
        model = encoder.name
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
        follow = follow_external_symlinks
        for root in roots:
            for f in walk_photos(root, scan_errors, follow):
                found[f.key] = f
                if len(found) % 1000 == 0:
                    yield Progress("scanning", len(found), 0, path=f.path)
        yield Progress("scanning", len(found), len(found))
        summary.skipped.extend(scan_errors)
        summary.companions = _set_aside_companions(catalog, roots, found)

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
                summary.videos_unsupported += row.reason == NOT_INSTALLED
            else:
                todo.append(f)

        changes = _Changes(catalog, model, existing, found, summary)
        yield from _embed_all(encoder, todo, catalog.known_hashes(model), changes)

        # Sweep: only after a complete walk, so an interrupted run never removes anything.
        gone = [
            row for key, row in existing.items() if key not in found and row.status != "deleted"
        ]
        summary.removed += catalog.mark_deleted(gone)

        if summary.changed or indexes_stale():
            yield Progress("building", 0, 1)
            refresh_indexes(bool(summary.added or summary.updated))
            yield Progress("building", 1, 1)
        summary.seconds = time.monotonic() - start
    return summary


def _set_aside_companions(
    catalog: Catalog, roots: list[Path], found: dict[bytes, _FoundFile]
) -> int:
    """Take the RAW files and Live Photo clips that have a picture of the same name out of
    found (the pair is the picture's photo; a row from before the picture came is swept) and
    record the pairs."""
    pairs = pair_companions(f.path for f in found.values())
    for raw in pairs:
        del found[path_key(raw)]
    for root in roots:
        below = os.path.join(os.fspath(root), "")
        replace_companions(
            catalog,
            path_key(root),
            ((path_key(r), path_key(m)) for r, m in pairs.items() if r.startswith(below)),
        )
    return len(pairs)


@dataclass
class _Chunk:
    """A few files as one worker thread read, decoded and embedded them."""

    files: list[_FoundFile]
    loaded: list[LoadedPhoto | str]  # a photo, or why it could not be read
    features: np.ndarray  # one row per photo with pixels, in order


def _read_and_embed(
    encoder: ImageEncoder, files: list[_FoundFile], known_hashes: frozenset[bytes]
) -> _Chunk:
    """One worker's job: decode a few photos, then run the CNN on them, all on one core."""
    loaded: list[LoadedPhoto | str] = []
    for f in files:
        try:
            loaded.append(load_photo(Path(f.path), encoder.input_size, known_hashes))
        except DecodeError as e:
            loaded.append(str(e))
        except Exception as e:
            loaded.append(f"unexpected error while reading: {type(e).__name__}: {e}")
    pixels = [p.pixels for p in loaded if isinstance(p, LoadedPhoto) and p.pixels is not None]
    if not pixels:
        return _Chunk(files, loaded, np.zeros((0, encoder.feature_dim), np.float32))
    return _Chunk(files, loaded, encoder.encode(np.stack(pixels)).features)


def _embed_all(
    encoder: ImageEncoder, todo: list[_FoundFile], known_hashes: set[bytes], changes: _Changes
) -> Generator[Progress, None, None]:
    """Read, decode and embed in one worker thread per core; record the results in order here.

    Each worker takes a few photos from file to features by itself, one single-threaded CNN
    call per chunk: both cores stay busy with no hand-over between a decode pool and the
    model, and Pillow, hashlib and onnxruntime release the GIL for their heavy parts.
    """
    if not todo:
        return
    workers = max(1, min(4, os.cpu_count() or 1))
    frozen = frozenset(known_hashes)
    chunks = iter([todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)])
    pool = ThreadPoolExecutor(workers, thread_name_prefix="index")
    pending: deque[Future[_Chunk]] = deque()
    batch: list[tuple[_FoundFile, LoadedPhoto]] = []
    vectors: list[np.ndarray] = []
    done = 0
    began = time.monotonic()
    try:
        while True:
            while len(pending) < 2 * workers and (files := next(chunks, None)) is not None:
                pending.append(pool.submit(_read_and_embed, encoder, files, frozen))
            if not pending:
                break
            chunk = pending.popleft().result()
            rows = iter(chunk.features)
            for f, loaded in zip(chunk.files, chunk.loaded, strict=True):
                if isinstance(loaded, str):
                    changes.skip(f, loaded)
                elif loaded.pixels is None:
                    changes.reuse(f, loaded)
                else:
                    batch.append((f, loaded))
                    vectors.append(next(rows))
            done += len(chunk.files)
            if len(batch) >= BATCH or (not pending and batch):
                changes.add(batch, np.stack(vectors))  # one transaction for the batch
                batch, vectors = [], []
            rate = done / max(time.monotonic() - began, 1e-6)
            eta = (len(todo) - done) / rate if rate > 0 else None
            yield Progress("indexing", done, len(todo), rate, eta, chunk.files[-1].path)
    finally:
        # Waits for the chunks in flight (a fraction of a second), so that nothing still
        # reads or computes once a cancelled run has returned.
        pool.shutdown(wait=True, cancel_futures=True)


class _Changes:
    """Decides what each file means for the catalog (new, changed, moved, copied, unreadable)
    and counts it in the summary; the catalog applies it, one transaction per call."""

    def __init__(
        self,
        catalog: Catalog,
        model: str,
        existing: dict[bytes, PhotoRow],
        found: dict[bytes, _FoundFile],
        summary: IndexSummary,
    ) -> None:
        self.catalog = catalog
        self.model = model
        self.existing = existing
        self.found = found
        self.summary = summary

    def _count(self, old: PhotoRow | None) -> None:
        if old is not None and old.status == "ok":
            self.summary.updated += 1
        else:
            self.summary.added += 1

    def add(self, batch: list[tuple[_FoundFile, LoadedPhoto]], features: np.ndarray) -> None:
        photos = [
            # No EXIF date: the file's mtime is the best guess, as in every photo browser.
            NewPhoto(
                f.key,
                f.size,
                f.mtime_ns,
                p.content_hash,
                p.width,
                p.height,
                p.taken or f.mtime_ns / 1e9,
            )
            for f, p in batch
        ]
        olds = [self.existing.get(f.key) for f, _ in batch]
        self.catalog.store_embedded(self.model, photos, features, olds)
        set_durations(
            self.catalog, [(f.key, p.duration) for f, p in batch if p.duration is not None]
        )
        for f, _ in batch:
            kind = media_kind(f.path)
            self.summary.raw += kind == "raw"
            self.summary.videos += kind == "video"
        for f, old in zip((f for f, _ in batch), olds, strict=True):
            if (
                old is not None
                and old.status == "ok"
                and (old.size, old.mtime_ns)
                == (
                    f.size,
                    f.mtime_ns,
                )
            ):
                self.summary.added += 1  # same file, new backbone: this model's vector is new
            else:
                self._count(old)

    def reuse(self, f: _FoundFile, loaded: LoadedPhoto) -> None:
        """A file whose content is already known: a touch, a move/rename, or a copy."""
        candidates = self.catalog.photos_by_hash(loaded.content_hash, self.model)
        photo = NewPhoto(f.key, f.size, f.mtime_ns, loaded.content_hash)
        old = self.existing.get(f.key)
        same = next((r for r in candidates if path_key(r.path) == f.key), None)
        if same is not None:
            self.catalog.move_photo(same.id, photo, old)
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
            self.catalog.move_photo(moved_from.id, photo, old)
            self.summary.moved += 1
            return
        self.catalog.copy_photo(candidates[0].id if candidates else None, photo, old)
        if candidates and media_kind(f.path) == "video":
            copy_duration(self.catalog, candidates[0].id, f.key)
        self._count(old)

    def skip(self, f: _FoundFile, reason: str) -> None:
        self.summary.skipped.append(SkippedFile(f.path, reason))
        self.summary.videos_unsupported += reason == NOT_INSTALLED
        old = self.existing.get(f.key)
        self.catalog.mark_skipped(NewPhoto(f.key, f.size, f.mtime_ns), reason, old)
        if old is not None and old.status == "ok":
            self.summary.removed += 1
