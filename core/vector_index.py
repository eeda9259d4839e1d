"""Nearest-neighbour search over one vector space of the library.

The Annoy index is a cache of the catalog. Photos indexed after its last build (the delta)
are searched exactly, and photos removed since are filtered out, so results are always current.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.ann import AnnIndex, AnnStore, unit_rows
from core.catalog import Catalog
from core.joint import VectorSpace


class SpaceIndex:
    """Annoy index plus exact delta for one (backbone, space) pair."""

    def __init__(
        self, catalog: Catalog, index_dir: Path, space: VectorSpace, model: str, feature_dim: int
    ) -> None:
        self.catalog = catalog
        self.space = space
        self.model = model
        self.feature_dim = feature_dim
        self.store = AnnStore(index_dir, space.name, space.dim)
        self._lock = threading.RLock()
        self._generation = -1
        self._ann: AnnIndex | None = None
        self._ann_loaded = False
        self._ok_ids = np.zeros(0, np.int64)
        self._delta_ids = np.zeros(0, np.int64)
        self._delta_vecs = np.zeros((0, space.dim), np.float32)
        self._stale = 0

    # -- state -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Bring the delta and the removed-photo filter up to date with the catalog."""
        with self._lock:
            gen = self.catalog.generation()
            if gen == self._generation and self._ann_loaded:
                return
            if not self._ann_loaded:
                self._ann = self.store.load()
                self._ann_loaded = True
            built_at_gen = self._ann.meta.get("generation") if self._ann is not None else None
            if self._ann is not None and built_at_gen == gen:
                ok = self._ann.ids  # unchanged since the build: no 0.4 s id query at 100k photos
            else:
                ok = self.catalog.ok_ids(self.model)
            in_ann = self._ann.ids if self._ann is not None else np.zeros(0, np.int64)
            delta = np.setdiff1d(ok, in_ann, assume_unique=True)
            keep = np.isin(self._delta_ids, delta)
            have = self._delta_ids[keep]
            new = np.setdiff1d(delta, have, assume_unique=True)
            vecs = [self._delta_vecs[keep]]
            if len(new):
                feats = self.catalog.features(new.tolist(), self.model, self.feature_dim)
                vecs.append(unit_rows(self.space.transform(feats)))
            ids = np.concatenate([have, new])
            order = np.argsort(ids)
            self._delta_ids = ids[order]
            self._delta_vecs = np.concatenate(vecs)[order] if len(ids) else self._delta_vecs[:0]
            self._ok_ids = ok
            self._stale = int(len(in_ann) - np.isin(in_ann, ok, assume_unique=True).sum())
            self._generation = gen

    def rebuild(self) -> None:
        """Rebuild the Annoy index from the catalog (it is a cache: nothing is lost)."""
        with self._lock:
            generation = self.catalog.generation()
            ok_count = len(self.catalog.ok_ids(self.model))
            self._ann = self.store.build(self._rows(), {"model": self.model})
            if self._ann.meta["items"] == ok_count:
                self._ann.meta["generation"] = generation
                self.store.save_meta(self._ann.meta)
            self._ann_loaded = True
            self._generation = -1
            self._delta_ids = np.zeros(0, np.int64)
            self._delta_vecs = np.zeros((0, self.space.dim), np.float32)
        self.refresh()

    def _rows(self) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        for ids, feats in self.catalog.iter_features(self.model, self.feature_dim):
            yield ids, unit_rows(self.space.transform(feats))

    def status(self) -> dict[str, Any]:
        self.refresh()
        meta = self._ann.meta if self._ann is not None else {}
        return {
            "space": self.space.name,
            "indexed": len(self._ok_ids),
            "in_index": int(meta.get("items", 0)) - self._stale,
            "pending": len(self._delta_ids),
            "removed_since_build": self._stale,
            "built_at": meta.get("built_at"),
            "fresh": len(self._delta_ids) == 0 and self._stale == 0 and self._ann is not None,
        }

    # -- queries -----------------------------------------------------------------------------

    def vector_for(self, features: np.ndarray) -> np.ndarray:
        """The unit query vector for raw features of one photo."""
        vector: np.ndarray = unit_rows(self.space.transform(np.atleast_2d(features)))[0]
        return vector

    def query(
        self, vector: np.ndarray, k: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """(photo id, cosine) of the k best photos for a unit query vector in this space."""
        with self._lock:
            self.refresh()
            hits: dict[int, float] = {}
            if self._ann is not None:
                want = k + len(exclude) + self._stale
                for pid, score in self._ann.query(vector, want):
                    hits[pid] = score
                if self._stale:
                    alive = np.isin(np.fromiter(hits, np.int64, len(hits)), self._ok_ids)
                    hits = {p: s for (p, s), a in zip(hits.items(), alive, strict=True) if a}
            if len(self._delta_ids):
                scores = self._delta_vecs @ np.asarray(vector, np.float32)
                top = np.argsort(-scores)[: k + len(exclude)]
                for j in top:
                    hits[int(self._delta_ids[j])] = float(scores[j])
        ranked = sorted(((p, s) for p, s in hits.items() if p not in exclude), key=lambda t: -t[1])
        return ranked[:k]

    def size(self) -> int:
        self.refresh()
        return len(self._ok_ids)
