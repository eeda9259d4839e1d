"""Every photo's raw features in compact, memory-mapped form, for the class-conditioned search.

`similar --class` re-weights raw features per query, so no stored index of fixed vectors can
answer it. Scanning all raw features costs 130 ms at 100k photos, so a query runs in two stages:

1. a sketch of each photo (float16: 256 coordinates of its features in a basis fit to this
   library, with each dimension weighted by how much the classifier uses it, plus 16 that
   approximate its per-class norms) scores every photo approximately: the first 128
   coordinates for all photos, all 256 for the best SHORTLIST, and for the CLOSE best of
   those the true values of the query's TOP_DIMS strongest dimensions replace the sketch's;
2. the best CANDIDATES of those are scored exactly from the 8-bit features (the catalog's own
   rows, so exact means exactly what a scan of the catalog gives).

At 100k photos a query costs about 7 ms of CPU: 2 ms scanning the coarse sketch (51 MB), most
of the rest gathering rows for the shortlist and the closest photos, so every gather takes
rows in ascending order, a whole row at a time. Recall is limited by the coarse scan and the
CLOSE cut (16,000 and 3,000 reach 0.997 on the benchmark's queries, at 10-13 ms of CPU), not
by CANDIDATES (benchmarks/recall.py).

Files: features-MODEL.ids.npy, .sketch.npy, .basis.npy and a metadata file with checksums. The
8-bit features are not copied here: each process reads the catalog's rows into memory on its
first class search, about 0.4 s of CPU and 129 MB at 100k photos (see
benchmarks/class_search_cold.py); a copy on disk cost 1,288 bytes a photo.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.storage.atomic import atomic_path, atomic_write_bytes
from core.storage.catalog import Catalog
from core.storage.feature_codec import HEADER, decode_rows
from core.vectors.ann import file_sha256
from core.vectors.row_ops import gather_rows, scan
from core.vectors.vector_store import positions, rows_above, rows_of, top_k

SKETCH_DIMS = 256
COARSE_DIMS = 128
FINE_DIMS = 128  # of the sketch's other coordinates, those the shortlist is re-scored on
NORM_DIMS = 16
# 12,000 gave recall@10 0.978 on a 100,000-photo library made from the shared features
# cache of `python -m export shared-features` (0.985 on the earlier one); 16,000: 0.988, about
# 1 ms of CPU more (benchmarks/recall.py).
SHORTLIST = 16000
CLOSE = 1500
TOP_DIMS = 64
CANDIDATES = 200  # scored exactly; recall@10 0.985 at 100k photos (benchmarks/recall.py)
FIT_SAMPLE = 8192
SELECT_SAMPLE = 8192
BUILD_MIN = 2000  # below this a scan of the catalog is fast enough: no cache is built on demand
FILES = ("ids.npy", "sketch.npy", "basis.npy")
LEGACY_ROWS = "npy"  # caches before the features were read from the catalog kept a copy here
# Files whose checksum this process has verified, by (path, inode, size, mtime): bit rot is
# caught on the first load and later loads cost a stat.
_VERIFIED: dict[tuple[str, int, int, int], str] = {}


@dataclass
class Cached:
    """The loaded cache: ids (ascending), their catalog rows (blobs), sketch parts and basis.

    norms float32 [NORM_DIMS, n] (transposed: a scan of 16 long rows is 5x faster than one of
    n short ones) and coarse float32 [n, COARSE_DIMS] are scanned in full; fine float32
    [n, NORM_DIMS + SKETCH_DIMS - COARSE_DIMS] (the norm coordinates again, then the rest of
    the sketch) is read for the shortlist only, so one gather brings all its later stages need.
    """

    ids: np.ndarray
    rows: np.ndarray
    norms: np.ndarray
    coarse: np.ndarray
    fine: np.ndarray
    basis: np.ndarray
    generation: int

    def features(self, positions: np.ndarray) -> np.ndarray:
        """float32 raw features of the given rows, in the given order."""
        raw = gather_rows(self.rows, positions)
        return decode_rows(raw[:, HEADER.itemsize :], _ranges(raw))


def _query_weights(query: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q = query * weight
    q = q / max(float(np.linalg.norm(q)), 1e-12)
    # (x * w) . q == x . (q * w): no weighted copy of the features is made
    return (q * weight).astype(np.float32), (weight * weight).astype(np.float32)


def class_scores(features: np.ndarray, query: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Cosine between features and the query, both multiplied by the class weights."""
    qw, w2 = _query_weights(query, weight)
    x = np.asarray(features, np.float32)
    norms = np.sqrt(np.maximum(np.einsum("nd,nd,d->n", x, x, w2), 1e-24))
    return np.asarray(np.einsum("nd,d->n", x, qw) / norms, np.float32)


class FeatureCache:
    """The compact feature cache of one backbone and its two-stage class-conditioned search."""

    def __init__(
        self,
        catalog: Catalog,
        index_dir: Path,
        model: str,
        dim: int,
        class_weights: Callable[[], np.ndarray],
    ) -> None:
        self.catalog = catalog
        self.model = model
        self.dim = dim
        self.class_weights = class_weights  # [classes, dim] classifier rows, loaded on demand
        self.paths = {s: index_dir / f"features-{model}.{s}" for s in FILES}
        self.meta_path = index_dir / f"features-{model}.json"
        self._lock = threading.Lock()
        self._cached: Cached | None = None
        self._cached_key: tuple[int, int] | None = None
        self._dead = np.zeros(0, bool)
        self._dead_key: tuple[int, ...] | None = None
        self.legacy_rows = index_dir / f"features-{model}.{LEGACY_ROWS}"
        # The catalog rows of the last load (ids, blobs): a rebuild in a process that searches
        # by class (the GUI's refresh after indexing) hands its own over instead of a re-read.
        self._rows: tuple[np.ndarray, np.ndarray] | None = None

    # -- building ----------------------------------------------------------------------------

    def build(self) -> None:
        """Write the sketch of the catalog's features into temporary files, then rename them."""
        with self.catalog.snapshot():  # the same photos in the ids, the rows and the generation
            generation = self.catalog.generation()
            ids = self.catalog.ok_ids(self.model)
            rows = self._read_rows(ids)
        n = len(ids)
        if n > CANDIDATES:
            # The first rows of each 1,024, FIT_SAMPLE in all (as when this read the catalog
            # in chunks: the same basis, so the same results as caches built before).
            sample = [
                rows[i : i + max(1, FIT_SAMPLE * min(1024, n - i) // n)] for i in range(0, n, 1024)
            ]
            basis = self._fit_basis(_decode(np.concatenate(sample))).astype(np.float16)
        else:  # every photo is scored exactly: no sketch is needed
            basis = np.zeros((0, self.dim), np.float16)
        sketch = np.zeros((n, max(len(basis) - 2, 0)), np.float16)
        for start in range(0, n if len(basis) else 0, 8192):
            block = _decode(rows[start : start + 8192])
            sketch[start : start + len(block)] = _sketch(block, basis.astype(np.float32))
        _save_npy(self.paths["ids.npy"], ids)
        _save_npy(self.paths["sketch.npy"], sketch)
        _save_npy(self.paths["basis.npy"], basis)
        meta: dict[str, Any] = {
            "items": n,
            "dim": self.dim,
            "generation": generation,
            "built_at": time.time(),
            "files": {s: _fingerprint(p) for s, p in self.paths.items()},
        }
        atomic_write_bytes(self.meta_path, json.dumps(meta).encode(), durable=False)
        self.legacy_rows.unlink(missing_ok=True)  # an older cache's copy of the catalog's rows
        with self._lock:
            self._cached, self._cached_key = None, None
            # 129 MB at 100k photos: kept only where class searches ran already
            self._rows = (ids, rows) if self._rows is not None else None

    def _read_rows(self, ids: np.ndarray) -> np.ndarray:
        """uint8 [len(ids), 8 + dim]: the catalog's blobs of these photos (ascending ids); a
        photo no longer indexed gets zeros (its row is dead for every query)."""
        out = np.zeros((len(ids), HEADER.itemsize + self.dim), np.uint8)
        if not len(ids):
            return out
        for chunk_ids, blobs in self.catalog.feature_rows(self.model, self.dim):
            pos, hit = positions(ids, chunk_ids)
            out[pos[hit]] = blobs[hit]  # photos indexed after ids was read are not covered
        return out

    def _rows_of(self, ids: np.ndarray) -> np.ndarray:
        """The catalog rows of these photos: those of the last load or build when the photos
        are the same, else read (about 0.4 s of CPU at 100k photos)."""
        if self._rows is None or not np.array_equal(self._rows[0], ids):
            self._rows = (ids, self._read_rows(ids))
        return self._rows[1]

    def _fit_basis(self, sample: np.ndarray) -> np.ndarray:
        """[2 + NORM_DIMS + SKETCH_DIMS, d]: mean, dimension weights, norm and sketch bases."""
        weights = np.asarray(self.class_weights(), np.float32)
        w2 = weights * weights
        g = np.sqrt(w2.mean(axis=0))
        mean = sample.mean(axis=0) if len(sample) else np.zeros(self.dim, np.float32)
        # Principal axes of the features as the classifier sees them (each dim scaled by g).
        a = (sample - mean) * g
        cov = a.T @ a if len(sample) else np.eye(self.dim, dtype=np.float32)
        _, vecs = np.linalg.eigh(cov)
        sketch_basis = vecs[:, ::-1][:, :SKETCH_DIMS].T
        norm_basis = _norm_basis(w2)
        return np.concatenate(
            [mean[None], g[None], norm_basis, sketch_basis], axis=0, dtype=np.float32
        )

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> Cached | None:
        """The cache when it is intact; else None."""
        with self._lock:
            try:
                meta = json.loads(self.meta_path.read_text())
                key = (meta["files"]["sketch.npy"]["mtime_ns"], int(meta["generation"]))
                if self._cached is not None and self._cached_key == key:
                    return self._cached
                for s, p in self.paths.items():
                    if not _matches(p, meta["files"][s]):
                        return None
                ids = np.load(self.paths["ids.npy"], allow_pickle=False)
                sketch = np.load(self.paths["sketch.npy"], allow_pickle=False)
                basis = np.load(self.paths["basis.npy"], allow_pickle=False)
                n = meta["items"]
                width = _sketch_width(self.dim) if len(basis) else 0
                if (
                    meta["dim"] != self.dim
                    or ids.dtype != np.int64
                    or len(ids) != n
                    or np.any(ids[1:] <= ids[:-1])
                    or sketch.shape != (n, width)
                    or basis.shape != ((2 + width if width else 0), self.dim)
                    or not np.isfinite(sketch).all()
                ):
                    return None
                split = NORM_DIMS + COARSE_DIMS if width else 0
                cached = Cached(
                    ids,
                    self._rows_of(ids),
                    np.ascontiguousarray(sketch[:, : min(NORM_DIMS, width)].T, np.float32),
                    np.ascontiguousarray(sketch[:, min(NORM_DIMS, width) : split], np.float32),
                    np.ascontiguousarray(
                        np.concatenate(
                            [
                                sketch[:, : min(NORM_DIMS, width)],
                                sketch[:, split : split + FINE_DIMS],
                            ],
                            axis=1,
                        ),
                        np.float32,
                    ),
                    basis.astype(np.float32),
                    int(meta["generation"]),
                )
                self._cached, self._cached_key = cached, key
                return cached
            except (OSError, ValueError, KeyError, TypeError, EOFError):
                return None

    # -- queries -----------------------------------------------------------------------------

    def _dead_rows(self, cached: Cached, ok: np.ndarray) -> np.ndarray:
        """Rows of photos removed since the build; computed once per catalog generation."""
        if ok is cached.ids:
            return np.zeros(len(cached.ids), bool)
        key = (id(cached), len(ok), int(ok[-1]) if len(ok) else -1, int(ok.sum()))
        if self._dead_key != key:
            self._dead = ~np.isin(cached.ids, ok, assume_unique=True)
            self._dead_key = key
        return self._dead

    def class_similar(
        self, query: np.ndarray, weight: np.ndarray, k: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """(photo id, class-conditioned cosine) of the k best photos."""
        cached = self.load()
        if cached is not None and cached.generation == self.catalog.generation():
            ok = cached.ids  # nothing changed since the build: skip a 0.4 s query at 100k photos
        else:
            ok = self.catalog.ok_ids(self.model)
            if cached is None and len(ok) >= BUILD_MIN:
                self.build()
                cached = self.load()
        q = np.asarray(query, np.float32)
        w = np.asarray(weight, np.float32)
        id_parts, score_parts = [], []
        covered = np.zeros(0, np.int64)
        if cached is not None and len(cached.ids):
            dead = self._dead_rows(cached, ok)
            if exclude:
                dead = dead.copy()
                dead[rows_of(cached.ids, exclude)] = True
            if len(cached.ids) > CANDIDATES and len(cached.basis):
                rows, blobs = _candidates(cached, q, w, dead)
            else:
                rows = np.flatnonzero(~dead)
                blobs = gather_rows(cached.rows, rows)
            feats = decode_rows(blobs[:, HEADER.itemsize :], _ranges(blobs))
            id_parts.append(cached.ids[rows])
            score_parts.append(class_scores(feats, q, w))
            covered = cached.ids
        missing = ok[:0] if ok is covered else np.setdiff1d(ok, covered, assume_unique=True)
        if exclude:
            missing = np.delete(missing, rows_of(missing, exclude))
        for start in range(0, len(missing), 8192):
            part = missing[start : start + 8192]
            feats = self.catalog.features(part.tolist(), self.model, self.dim)
            id_parts.append(part)
            score_parts.append(class_scores(feats, q, w))
        if not id_parts:
            return []
        ids, scores = np.concatenate(id_parts), np.concatenate(score_parts)
        return [(int(ids[j]), float(scores[j])) for j in top_k(scores, k)]

    def exhaustive(
        self, query: np.ndarray, weight: np.ndarray, k: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """The true top k from every photo's catalog features (slow; the recall reference)."""
        id_parts, score_parts = [], []
        for ids, feats in self.catalog.iter_features(self.model, self.dim):
            scores = class_scores(feats, query, weight)
            if exclude:
                scores[np.isin(ids, list(exclude))] = -np.inf
            best = top_k(scores, k)
            id_parts.append(ids[best])
            score_parts.append(scores[best])
        if not id_parts:
            return []
        ids, scores = np.concatenate(id_parts), np.concatenate(score_parts)
        return [(int(ids[j]), float(scores[j])) for j in top_k(scores, k) if np.isfinite(scores[j])]


def _sketch_width(dim: int) -> int:
    return min(NORM_DIMS, dim) + min(SKETCH_DIMS, dim)


def _norm_basis(w2: np.ndarray) -> np.ndarray:
    """The squared class rows are close to a low-rank family: per-class norms from 16 numbers."""
    _, vecs = np.linalg.eigh(w2.T @ w2)
    return np.asarray(vecs[:, ::-1][:, :NORM_DIMS].T, np.float32)


def _sketch(features: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """[n, NORM_DIMS + SKETCH_DIMS]: per-class norm coordinates, then the feature sketch."""
    mean, g = basis[0], basis[1]
    norm_basis, sketch_basis = basis[2 : 2 + NORM_DIMS], basis[2 + NORM_DIMS :]
    s = (features * features) @ norm_basis.T
    z = ((features - mean) * g) @ sketch_basis.T
    return np.concatenate([s, z], axis=1).astype(np.float16)


def _candidates(
    cached: Cached, query: np.ndarray, weight: np.ndarray, dead: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: rows (ascending) and blobs of the CANDIDATES photos with the best sketched
    class score (the blobs were read for the correction already: stage 2 reuses them)."""
    basis = cached.basis
    mean, g = basis[0], basis[1]
    norm_basis, sketch_basis = basis[2 : 2 + NORM_DIMS], basis[2 + NORM_DIMS :]
    w2 = weight * weight
    v = w2 * query  # the score's numerator is x . v
    # x ~ mean + (B^T z) / g, so x . v ~ mean . v + z . (B (v / g)); the norm likewise from s.
    # Small products too go through einsum: OpenBLAS threads make them slow on a busy machine.
    a = scan(sketch_basis, v / np.maximum(g, 1e-12))
    num = scan(cached.coarse, a[:COARSE_DIMS])
    num += float(np.dot(mean, v))
    norm2 = np.einsum("dn,d->n", cached.norms, scan(norm_basis, w2))
    np.maximum(norm2, 1e-12, out=norm2)
    approx = np.sqrt(norm2)
    np.divide(num, approx, out=approx)
    if dead.any():
        approx[dead] = -np.inf
    # Ascending rows: the gather below reads memory in order.
    short = rows_above(approx, SHORTLIST, SELECT_SAMPLE)
    fine_short = gather_rows(cached.fine, short)
    nd = len(cached.norms)
    fine_a = slice(COARSE_DIMS, COARSE_DIMS + fine_short.shape[1] - nd)
    num_short = num[short] + scan(fine_short[:, nd:], a[fine_a])
    near = _best(num_short / np.sqrt(norm2[short]), CLOSE)
    near = near[np.argsort(short[near])]  # ascending rows: one pass over the file
    close, num_close = short[near], num_short[near]
    # The sketch misses what a few heavily weighted dimensions say: for the closest photos,
    # replace its estimate over the query's TOP_DIMS strongest dimensions by their true values.
    m = min(TOP_DIMS, len(v))
    top = np.sort(np.argpartition(-(v * mean + w2 * mean * mean), m - 1)[:m])
    v_top = np.zeros_like(v)
    v_top[top] = v[top]
    w2_top = np.zeros_like(w2)
    w2_top[top] = w2[top]
    a_top = scan(sketch_basis, v_top / np.maximum(g, 1e-12))
    num_close -= scan(gather_rows(cached.coarse, close), a_top[:COARSE_DIMS])
    fine_close = gather_rows(fine_short, near)
    num_close -= scan(fine_close[:, nd:], a_top[fine_a]) + float(np.dot(mean, v_top))
    norm2_close = norm2[close] - scan(fine_close[:, :nd], scan(norm_basis, w2_top))
    columns = np.concatenate([np.arange(HEADER.itemsize), HEADER.itemsize + top])
    blobs = gather_rows(cached.rows, close)
    raw = blobs[:, columns]
    x_top = decode_rows(raw[:, HEADER.itemsize :], _ranges(raw))
    num_close += scan(x_top, v[top])
    norm2_close += scan(x_top * x_top, w2[top])
    corrected = num_close / np.sqrt(np.maximum(norm2_close, 1e-12))
    best = np.sort(_best(corrected, CANDIDATES))
    return close[best], blobs[best]


def _decode(blobs: np.ndarray) -> np.ndarray:
    """float32 raw features of catalog blobs (uint8 [n, 8 + d])."""
    return decode_rows(blobs[:, HEADER.itemsize :], _ranges(blobs))


def _ranges(blobs: np.ndarray) -> np.ndarray:
    """float32 [n, 2] offset and step of catalog blobs."""
    return blobs[:, : HEADER.itemsize].copy().view("<f4")


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, in no particular order."""
    if k >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(scores, len(scores) - k)[len(scores) - k :]


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path, durable=False) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)


def _fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_sha256(path)}


def _matches(path: Path, expected: dict[str, Any]) -> bool:
    """Same size and the same bytes as at the build.

    The checksum is verified on the first load in each process, even with an unchanged mtime
    (bit rot keeps it; see benchmarks/feature_cache_check.py for the cost); later loads of the
    same file cost a stat.
    """
    stat = path.stat()
    if stat.st_size != expected["size"]:
        return False
    key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if _VERIFIED.get(key) == expected["sha256"]:
        return True
    if file_sha256(path) != expected["sha256"]:
        return False  # rotten or rewritten: the caller rebuilds it from the catalog
    _VERIFIED[key] = expected["sha256"]
    return True
