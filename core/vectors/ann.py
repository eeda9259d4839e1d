"""Annoy indexes as verified, rebuildable caches: written atomically, checked before use."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from annoy import AnnoyIndex

from core.storage.atomic import atomic_path, atomic_write_bytes

# Trees trade build time and disk for recall; 10 keeps recall@10 high at these dimensions.
DEFAULT_TREES = 10


def unit_rows(x: np.ndarray) -> np.ndarray:
    """L2-normalise each row (zero rows stay zero)."""
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12), np.float32)


def angular_to_cosine(distance: float) -> float:
    """Annoy's angular distance is sqrt(2 - 2 cos)."""
    return 1.0 - distance * distance / 2.0


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_unchanged(path: Path, size: int, mtime_ns: int, sha256: str) -> bool:
    """Whether a file still has the size, and the bytes, it had when built: its checksum is read
    only when its mtime moved since (touched, so only trusted if the bytes are the same)."""
    stat = path.stat()
    if stat.st_size != size:
        return False
    return stat.st_mtime_ns == mtime_ns or file_sha256(path) == sha256


@dataclass
class AnnIndex:
    """A loaded Annoy index plus the external ids of its items and its build metadata."""

    index: AnnoyIndex
    ids: np.ndarray
    meta: dict[str, Any]

    def query(self, vector: np.ndarray, k: int, search_k: int = -1) -> list[tuple[int, float]]:
        """(external id, cosine) for the k nearest items."""
        k = min(k, len(self.ids))
        if k <= 0:
            return []
        items, dists = self.index.get_nns_by_vector(
            np.asarray(vector, np.float32).tolist(), k, search_k=search_k, include_distances=True
        )
        return [(int(self.ids[i]), angular_to_cosine(d)) for i, d in zip(items, dists, strict=True)]


class AnnStore:
    """One named index on disk: NAME.ann, NAME.ids.npy and NAME.json (the metadata)."""

    def __init__(self, directory: Path, name: str, dim: int) -> None:
        self.directory = directory
        self.name = name
        self.dim = dim
        self.ann_path = directory / f"{name}.ann"
        self.ids_path = directory / f"{name}.ids.npy"
        self.meta_path = directory / f"{name}.json"

    def build(
        self,
        rows: Iterable[tuple[np.ndarray, np.ndarray]],
        info: dict[str, Any],
        trees: int = DEFAULT_TREES,
    ) -> AnnIndex:
        """Build from (ids, vectors) chunks into temporary files, then rename into place."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index = AnnoyIndex(self.dim, "angular")
        all_ids: list[np.ndarray] = []
        n = 0
        for ids, vectors in rows:
            for v in np.asarray(vectors, np.float32):
                index.add_item(n, v.tolist())
                n += 1
            all_ids.append(np.asarray(ids, np.int64))
        index.build(trees, n_jobs=-1)
        ids_array = np.concatenate(all_ids) if all_ids else np.zeros(0, np.int64)
        with atomic_path(self.ann_path) as tmp:
            index.save(str(tmp))
        buf = _npy_bytes(ids_array)
        atomic_write_bytes(self.ids_path, buf)
        stat = self.ann_path.stat()
        meta = {
            **info,
            "dim": self.dim,
            "items": n,
            "trees": trees,
            "built_at": time.time(),
            "ann_size": stat.st_size,
            "ann_mtime_ns": stat.st_mtime_ns,
            "ann_sha256": file_sha256(self.ann_path),
            "ids_sha256": hashlib.sha256(buf).hexdigest(),
        }
        atomic_write_bytes(self.meta_path, json.dumps(meta, indent=1).encode())
        loaded = AnnoyIndex(self.dim, "angular")
        loaded.load(str(self.ann_path))
        return AnnIndex(loaded, ids_array, meta)

    def save_meta(self, meta: dict[str, Any]) -> None:
        atomic_write_bytes(self.meta_path, json.dumps(meta, indent=1).encode())

    def load(self) -> AnnIndex | None:
        """The index if it is present, complete and unchanged since it was built; else None."""
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("dim") != self.dim or not file_unchanged(
                self.ann_path, meta["ann_size"], meta["ann_mtime_ns"], meta["ann_sha256"]
            ):
                return None
            ids_bytes = self.ids_path.read_bytes()
            if hashlib.sha256(ids_bytes).hexdigest() != meta["ids_sha256"]:
                return None
            ids = np.load(_bytes_io(ids_bytes), allow_pickle=False)
            index = AnnoyIndex(self.dim, "angular")
            index.load(str(self.ann_path))
            if index.get_n_items() != meta["items"] or len(ids) != meta["items"]:
                index.unload()
                return None
            return AnnIndex(index, ids, meta)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def load_or_build(
        self,
        is_current: Callable[[dict[str, Any]], bool],
        rows: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]],
        info: dict[str, Any],
    ) -> AnnIndex:
        """Load the index if valid and current, else rebuild it from rows()."""
        loaded = self.load()
        if loaded is not None and is_current(loaded.meta):
            return loaded
        return self.build(rows(), info)

    def remove(self) -> None:
        for p in (self.ann_path, self.ids_path, self.meta_path):
            p.unlink(missing_ok=True)


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)
