"""One vector space's photo vectors on disk, and exact and approximate top-k over them.

The store is a derived cache of the catalog: a float16 matrix of unit vectors (NAME.vectors.npy),
the photo id of each row (NAME.ids.npy, ascending), a metadata file with checksums
(NAME.json), and, for large libraries only, an Annoy index over the same rows (NAME.ann).

Below ANN_MIN_ITEMS rows a query is exact, and faster there than Annoy (`python -m
benchmarks.recall`): a scan (matrix-vector product + argpartition) for small stores, and from
ROTATED_MIN_ITEMS rows a two-stage scan (rotated_rows.py) that bounds every row's cosine
from part of its rotated coordinates and scores exactly only the rows whose bound can reach the
top k. Above it Annoy proposes candidates and the matrix re-ranks them exactly, so scores are
always true cosines.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from annoy import AnnoyIndex

from core.storage.atomic import atomic_path, atomic_write_bytes
from core.vectors.ann import file_sha256, file_unchanged
from core.vectors.row_ops import gather_rows, scan

if TYPE_CHECKING:
    from core.vectors.rotated_rows import RotatedRows

# Where Annoy starts to beat the exact scan at recall@10 >= 0.98 (benchmarks/recall.py).
ANN_MIN_ITEMS = 250_000
ANN_TREES = 32
# Annoy nodes inspected per query, per result wanted, and candidates re-ranked per result.
ANN_SEARCH_PER_RESULT = 2_000
ANN_CANDIDATES_PER_RESULT = 10
STORE_DTYPE = np.float16
# From this many rows (and without Annoy) a store is held rotated (rotated_rows.py) and a
# query scores exactly only the rows whose bound can reach its top k; below, a scan is cheap.
ROTATED_MIN_ITEMS = 20_000
# If the bound leaves more than this share of the rows in play, scoring them all is cheaper.
BOUND_MAX_SHARE = 0.15
# Scoring more than this share of a store's rows: scan them all rather than gather them.
GATHER_MAX_SHARE = 0.25
# Margin for float32 rounding in the bounds (far more than it can be).
BOUND_SLACK = 1e-4


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first (ties by position)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where each wanted id is in the ascending, non-empty array ids, whether it is there)."""
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return at, ids[at] == wanted


def rows_of(ids: np.ndarray, wanted: frozenset[int]) -> np.ndarray:
    """Positions in the ascending array ids of those wanted ids it holds."""
    want = np.fromiter(wanted, np.int64, len(wanted))
    if not len(ids):
        return want[:0]
    at, found = positions(ids, want)
    rows: np.ndarray = at[found]
    return rows


def rows_above(scores: np.ndarray, k: int, sample_size: int) -> np.ndarray:
    """Rows (ascending) of about the k highest finite scores.

    The threshold is the matching rank of an evenly spaced sample of sample_size scores, so
    selecting costs one comparison per row instead of a partition of all of them (1 ms at
    100k photos); the count is k within a few percent.
    """
    stride = len(scores) // sample_size
    if k < len(scores) and stride >= 2:
        sample = scores[::stride]
        rank = max(k // stride, 1)
        threshold = np.partition(sample, len(sample) - rank)[len(sample) - rank]
        if np.isfinite(threshold):
            rows = np.flatnonzero(scores >= threshold)
            if len(rows) >= k // 2:  # else a skewed sample: the exact selection below
                return rows
    best = (
        np.argpartition(scores, len(scores) - k)[len(scores) - k :]
        if k < len(scores)
        else np.arange(len(scores))
    )
    return np.sort(best[np.isfinite(scores[best])])


@dataclass
class LoadedVectors:
    """A store's rows in memory: ids (ascending), float32 unit vectors, metadata, Annoy; a large
    store without Annoy is held rotated instead (rotated, and vectors None) from its second
    query on, so that a process that asks once (a CLI search) never pays for the rotation
    (0.1-0.2 s of CPU at 100,000 photos, more with busy BLAS threads)."""

    ids: np.ndarray
    vectors: np.ndarray | None
    meta: dict[str, Any]
    ann: AnnoyIndex | None
    rotated: RotatedRows | None = None
    rotate: bool = False
    _queries: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _rows(self) -> tuple[np.ndarray | None, RotatedRows | None]:
        """(vectors, rotated), read together: the rotation replaces one by the other."""
        with self._lock:
            return self.vectors, self.rotated

    def _count_query(self) -> None:
        if not self.rotate:
            return
        with self._lock:
            self._queries += 1
            turn = self._queries == 2 and self.vectors is not None
            vectors = self.vectors
        if turn and vectors is not None:
            from core.vectors.rotated_rows import RotatedRows

            rotated = RotatedRows.fit(vectors)
            with self._lock:
                self.vectors, self.rotated = None, rotated

    def scores_of(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """float32: the dot products of these rows with a vector (the same bits whether a few
        rows are gathered or, for many, every row is scanned: 3x faster than gathering them)."""
        vectors, rotated = self._rows()
        every = len(rows) > GATHER_MAX_SHARE * len(self.ids)
        if every:
            out: np.ndarray = self.scores_all(vector)[rows]
            return out
        if rotated is not None:
            return rotated.scores(rows, vector)
        assert vectors is not None
        return scan(gather_rows(vectors, rows), vector)

    def rotated_rows(self) -> RotatedRows | None:
        """The rotated rows, once the store is held rotated (from its second query)."""
        self._count_query()
        return self._rows()[1]

    def scores_all(self, vector: np.ndarray) -> np.ndarray:
        """float32: every row's dot product with a vector (the bits scores_of gives)."""
        vectors, rotated = self._rows()
        if rotated is not None:
            return rotated.scores(None, vector)
        assert vectors is not None
        return scan(vectors, vector)

    def query(
        self, vector: np.ndarray, k: int, dead: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row positions, cosines) of the k best rows; rows where dead is True never appear."""
        self._count_query()
        vectors, rotated = self._rows()
        n_dead = int(dead.sum()) if dead is not None else 0
        if self.ann is None:
            k = min(k, len(self.ids) - n_dead)
            if rotated is not None:
                return self._bounded_query(rotated, vector, k, dead)
            assert vectors is not None
            scores = scan(vectors, vector)
            if n_dead:
                scores[dead] = -np.inf
            rows = top_k(scores, k)
            return rows, scores[rows]
        assert vectors is not None
        want = k + n_dead
        rows = np.asarray(
            self.ann.get_nns_by_vector(
                np.asarray(vector, np.float32).tolist(),
                want * ANN_CANDIDATES_PER_RESULT,
                search_k=max(want, 10) * ANN_SEARCH_PER_RESULT,
            ),
            np.int64,
        )
        if n_dead and dead is not None:
            rows = rows[~dead[rows]]
        scores = scan(vectors[rows], vector)
        best = top_k(scores, k)
        return rows[best], scores[best]

    def _bounded_query(
        self, rotated: RotatedRows, vector: np.ndarray, k: int, dead: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The exact top k: every row whose bound reaches the k-th best cosine among the rows
        with the highest bounds is scored exactly (all rows where that would be most)."""
        if k < 1:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        bounds = rotated.bounds(vector)
        if dead is not None:
            bounds[dead] = -np.inf
        first = highest_rows(bounds, max(4 * k, 200), k)
        scores = rotated.scores(first, vector)
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        rows = np.flatnonzero(bounds >= kth - BOUND_SLACK)
        if len(rows) > BOUND_MAX_SHARE * len(bounds):
            scores = rotated.scores(None, vector)
            scores[~np.isfinite(bounds)] = -np.inf
            rows = top_k(scores, k)
            return rows, scores[rows]
        scores = rotated.scores(rows, vector)
        best = top_k(scores, k)
        return rows[best], scores[best]


def highest_rows(scores: np.ndarray, count: int, at_least: int) -> np.ndarray:
    """Rows (ascending) of about the count highest finite scores, and at least at_least of
    them where there are as many: a threshold from an evenly spaced sample, as in rows_above,
    lowered until enough rows pass."""
    stride = max(len(scores) // 4000, 1)
    sample = np.sort(scores[::stride])
    rank = max(count // stride, 1)
    while rank < len(sample) and np.isfinite(sample[len(sample) - rank]):
        rows = np.flatnonzero(scores >= sample[len(sample) - rank])
        if len(rows) >= at_least:
            return rows
        rank *= 4
    return np.flatnonzero(np.isfinite(scores))


class VectorStore:
    """The files of one space's store: build from (ids, unit vectors) chunks, load, remove."""

    def __init__(self, directory: Path, name: str, dim: int) -> None:
        self.directory = directory
        self.name = name
        self.dim = dim
        self.vectors_path = directory / f"{name}.vectors.npy"
        self.ids_path = directory / f"{name}.ids.npy"
        self.meta_path = directory / f"{name}.json"
        self.ann_path = directory / f"{name}.ann"
        self.rotated_min_items = ROTATED_MIN_ITEMS

    def build(
        self,
        rows: Iterable[tuple[np.ndarray, np.ndarray]],
        count: int,
        info: dict[str, Any],
        ann_min_items: int = ANN_MIN_ITEMS,
    ) -> LoadedVectors:
        """Write up to count rows from (ids, vectors) chunks in ascending id order."""
        ids = np.zeros(count, np.int64)
        n = 0
        with atomic_path(self.vectors_path, durable=False) as tmp:
            out = np.lib.format.open_memmap(tmp, "w+", STORE_DTYPE, (count, self.dim))
            for chunk_ids, vectors in rows:
                m = min(len(chunk_ids), count - n)  # rows added meanwhile wait for the next build
                out[n : n + m] = vectors[:m]
                ids[n : n + m] = chunk_ids[:m]
                n += m
            out.flush()
            del out
            if n < count:  # photos removed meanwhile: keep the file exactly n rows long
                data = np.load(tmp, mmap_mode="r")[:n].copy()
                with open(tmp, "wb") as f:
                    np.save(f, data, allow_pickle=False)
        ids = ids[:n]
        ids_bytes = _npy_bytes(ids)
        atomic_write_bytes(self.ids_path, ids_bytes, durable=False)
        ann = None
        if n >= ann_min_items:
            ann = self._build_ann(np.load(self.vectors_path, mmap_mode="r"))
        else:
            self.ann_path.unlink(missing_ok=True)
        stat = self.vectors_path.stat()
        meta = {
            **info,
            "dim": self.dim,
            "items": n,
            "built_at": time.time(),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": file_sha256(self.vectors_path),
            "ids_sha256": hashlib.sha256(ids_bytes).hexdigest(),
            "ann_trees": ANN_TREES if ann is not None else 0,
        }
        if ann is not None:
            meta["ann_size"] = self.ann_path.stat().st_size
            meta["ann_mtime_ns"] = self.ann_path.stat().st_mtime_ns
            meta["ann_sha256"] = file_sha256(self.ann_path)
        self.save_meta(meta)
        loaded = self.load()
        if loaded is None:
            raise OSError(f"the index {self.vectors_path} could not be read back after writing")
        return loaded

    def _build_ann(self, vectors: np.ndarray) -> AnnoyIndex:
        index = AnnoyIndex(self.dim, "angular")
        for i, v in enumerate(vectors):
            index.add_item(i, np.asarray(v, np.float32).tolist())
        index.build(ANN_TREES, n_jobs=-1)
        with atomic_path(self.ann_path, durable=False) as tmp:
            index.save(str(tmp))
        index.unload()
        return index

    def save_meta(self, meta: dict[str, Any]) -> None:
        atomic_write_bytes(self.meta_path, json.dumps(meta, indent=1).encode())

    def load(self) -> LoadedVectors | None:
        """The store if present, complete and unchanged since it was built; else None."""
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("dim") != self.dim or not file_unchanged(
                self.vectors_path, meta["size"], meta["mtime_ns"], meta["sha256"]
            ):
                return None
            ids_bytes = self.ids_path.read_bytes()
            if hashlib.sha256(ids_bytes).hexdigest() != meta["ids_sha256"]:
                return None
            ids = np.load(io.BytesIO(ids_bytes), allow_pickle=False)
            stored = np.load(self.vectors_path, mmap_mode="r", allow_pickle=False)
            if stored.shape != (meta["items"], self.dim) or len(ids) != meta["items"]:
                return None
            vectors = np.asarray(stored, np.float32)  # one conversion, then scans are float32
            if not np.isfinite(vectors).all():
                return None
            ann = self._load_ann(meta) if meta.get("ann_trees") else None
            if meta.get("ann_trees") and ann is None:
                return None
            big = ann is None and len(ids) >= self.rotated_min_items
            return LoadedVectors(ids, vectors, meta, ann, rotate=big)
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    def _load_ann(self, meta: dict[str, Any]) -> AnnoyIndex | None:
        if not file_unchanged(
            self.ann_path, meta["ann_size"], meta["ann_mtime_ns"], meta["ann_sha256"]
        ):
            return None
        index = AnnoyIndex(self.dim, "angular")
        index.load(str(self.ann_path))
        if index.get_n_items() != meta["items"]:
            index.unload()
            return None
        return index

    def remove(self) -> None:
        for p in (self.vectors_path, self.ids_path, self.meta_path, self.ann_path):
            p.unlink(missing_ok=True)


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()
