"""A catalog with made-up features and a plain vector space, for the storage tests."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.storage.catalog import Catalog, feature_blob, path_key

MODEL = "test-model"


class PlainSpace:
    """The raw features themselves (the identity map) as a vector space."""

    def __init__(self, dim: int) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"plain-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def transform(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features, np.float32)


def add_photos(catalog: Catalog, feats: np.ndarray, first: int = 0) -> list[int]:
    """Catalog rows for len(feats) photos with these features; returns their ids."""
    ids = []
    with catalog.transaction() as c:
        for i, f in enumerate(feats):
            cur = c.execute(
                "INSERT INTO photos(path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, 1, 0, 'ok', ?)",
                (path_key(Path(f"/photos/{first + i:06d}.jpg")), time.time()),
            )
            pid = int(cur.lastrowid or 0)
            c.execute(
                "INSERT INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                (pid, MODEL, feature_blob(f)),
            )
            ids.append(pid)
    return ids


def remove_photos(catalog: Catalog, ids: list[int]) -> None:
    with catalog.transaction() as c:
        c.executemany("UPDATE photos SET status = 'deleted' WHERE id = ?", [(i,) for i in ids])


def clustered(rng: np.random.Generator, n: int, dim: int, clusters: int = 8) -> np.ndarray:
    """Non-negative features in a few clusters, like a CNN's post-ReLU features."""
    centres = np.abs(rng.normal(0, 1, (clusters, dim))) * 2
    x = centres[rng.integers(0, clusters, n)] + np.abs(rng.normal(0, 0.5, (n, dim)))
    return np.asarray(np.clip(x, 0, 6), np.float32)
