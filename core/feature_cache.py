"""A memory-mapped copy of every photo's raw features, for scans that Annoy cannot answer.

The class-conditioned search re-weights raw features per query, so it reads them all; reading
100k rows from SQLite takes about a second, a memory-mapped float32 matrix about 0.1 s. The
catalog keeps float16; the cache is float32 because converting 100k rows per query costs more
than the whole scan.
"""

from __future__ import annotations

import errno
import io
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.ann import file_sha256
from core.atomic import atomic_path, atomic_write_bytes
from core.catalog import Catalog

CHUNK = 8192
# Matrix files whose checksum this process has verified, by (path, inode, size, mtime): bit rot
# is caught on the first load (one SHA-256 pass, see benchmarks/feature_cache_check.py) and
# later loads cost a stat.
_VERIFIED: dict[tuple[str, int, int, int], str] = {}


class FeatureCache:
    """features-MODEL.npy (float32 [n, d]), features-MODEL.ids.npy and a metadata file."""

    def __init__(self, catalog: Catalog, index_dir: Path, model: str, dim: int) -> None:
        self.catalog = catalog
        self.model = model
        self.dim = dim
        self.matrix_path = index_dir / f"features-{model}.npy"
        self.ids_path = index_dir / f"features-{model}.ids.npy"
        self.meta_path = index_dir / f"features-{model}.json"

    def build(self) -> None:
        """Write the cache from the catalog into temporary files, then rename into place."""
        self.matrix_path.parent.mkdir(parents=True, exist_ok=True)
        generation = self.catalog.generation()
        n = len(self.catalog.ok_ids(self.model))
        ids = np.zeros(n, np.int64)
        row = 0
        with atomic_path(self.matrix_path) as tmp:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, self.dim))
            _reserve(tmp)
            for chunk_ids, feats in self.catalog.iter_features(self.model, self.dim):
                m = min(len(chunk_ids), n - row)  # photos added meanwhile wait for the next build
                out[row : row + m] = feats[:m]
                ids[row : row + m] = chunk_ids[:m]
                row += m
            out.flush()
            del out
        ids = ids[:row]
        atomic_write_bytes(self.ids_path, _npy_bytes(ids))
        stat = self.matrix_path.stat()
        meta = {
            "items": row,
            "rows_allocated": n,
            "generation": generation if row == n else -1,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": file_sha256(self.matrix_path),
            "ids_sha256": file_sha256(self.ids_path),
            "built_at": time.time(),
        }
        atomic_write_bytes(self.meta_path, json.dumps(meta).encode())

    def load(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids, float32 matrix memmap) when the cache is intact; else None."""
        loaded = self._load()
        return None if loaded is None else loaded[:2]

    def _load(self) -> tuple[np.ndarray, np.ndarray, int] | None:
        try:
            meta = json.loads(self.meta_path.read_text())
            stat = self.matrix_path.stat()
            if stat.st_size != meta["size"]:
                return None
            key = (str(self.matrix_path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if _VERIFIED.get(key) != meta["sha256"]:
                if file_sha256(self.matrix_path) != meta["sha256"]:
                    return None  # rotten or rewritten: score_all rebuilds it from the catalog
                _VERIFIED[key] = meta["sha256"]
            if file_sha256(self.ids_path) != meta["ids_sha256"]:
                return None
            ids = np.load(self.ids_path, allow_pickle=False)
            matrix = np.load(self.matrix_path, mmap_mode="r", allow_pickle=False)
            if matrix.shape[1] != self.dim or len(ids) != meta["items"]:
                return None
            return ids, matrix[: len(ids)], int(meta.get("generation", -1))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def score_all(self, score: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) over every indexed photo; score maps float32 [n, d] to [n]."""
        cached = self._load()
        if cached is not None and cached[2] == self.catalog.generation():
            ok = cached[0]  # nothing changed since the build: skip a 0.4 s query at 100k photos
        else:
            ok = self.catalog.ok_ids(self.model)
            if cached is None and len(ok) >= 2000:
                self.build()
                cached = self._load()
        id_parts, score_parts = [], []
        covered = np.zeros(0, np.int64)
        if cached is not None:
            ids, matrix, _ = cached
            for start in range(0, len(ids), CHUNK):
                block = matrix[start : start + CHUNK]
                id_parts.append(ids[start : start + CHUNK])
                score_parts.append(score(block))
            covered = ids
        missing = np.setdiff1d(ok, covered, assume_unique=True)
        for start in range(0, len(missing), CHUNK):
            part = missing[start : start + CHUNK]
            id_parts.append(part)
            score_parts.append(score(self.catalog.features(part.tolist(), self.model, self.dim)))
        if not id_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        all_ids = np.concatenate(id_parts)
        all_scores = np.concatenate(score_parts)
        alive = np.isin(all_ids, ok)
        return all_ids[alive], all_scores[alive]


def _reserve(path: Path) -> None:
    """Allocate a sparse file's blocks now: a full disk then fails here with ENOSPC, where
    writing through the memory map would kill the process with SIGBUS."""
    if hasattr(os, "posix_fallocate"):
        fd = os.open(path, os.O_RDWR)
        try:
            os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise
            # EOPNOTSUPP/EINVAL: a file system without fallocate; write through the map.
        finally:
            os.close(fd)


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()
