"""Top-k search over one vector space of the library, exact up to large libraries.

The store (core/vectors/vector_store.py) is a cache of the catalog. Photos indexed after its last
build (the delta) are searched exactly, and photos removed since are filtered out, so results
are always current. `exhaustive` ranks every photo from the catalog itself: the reference the
recall benchmark and the tests compare `query` against.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.models.joint import VectorSpace
from core.storage.catalog import Catalog
from core.vectors.ann import unit_rows
from core.vectors.row_ops import gather_rows, scan
from core.vectors.vector_store import LoadedVectors, VectorStore, positions, rows_of, top_k


@dataclass(frozen=True)
class TermScores:
    """Photos (ids ascending), an upper bound on each one's dot product with each vector, and
    exact(positions) -> the exact products of the photos at those positions."""

    ids: np.ndarray
    bounds: np.ndarray
    exact: Callable[[np.ndarray], np.ndarray]


class SpaceIndex:
    """Stored unit vectors of one (backbone, space) pair, plus the exact delta."""

    def __init__(
        self, catalog: Catalog, index_dir: Path, space: VectorSpace, model: str, feature_dim: int
    ) -> None:
        self.catalog = catalog
        self.space = space
        self.model = model
        self.feature_dim = feature_dim
        self.store = VectorStore(index_dir, space.name, space.dim)
        self._lock = threading.RLock()
        self._generation = -1
        self._stored: LoadedVectors | None = None
        self._stored_loaded = False
        self._ok_ids = np.zeros(0, np.int64)
        self._dead = np.zeros(0, bool)  # rows of the store whose photo is gone
        self._delta_ids = np.zeros(0, np.int64)
        self._delta_vecs = np.zeros((0, space.dim), np.float32)

    # -- state -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Bring the delta and the removed-photo filter up to date with the catalog."""
        with self._lock:
            gen = self.catalog.generation()
            if gen == self._generation and self._stored_loaded:
                return
            if not self._stored_loaded:
                self._stored = self.store.load()
                self._stored_loaded = True
            stored = self._stored
            in_store = stored.ids if stored is not None else np.zeros(0, np.int64)
            if stored is not None and stored.meta.get("generation") == gen:
                ok = in_store  # unchanged since the build: no 0.4 s id query at 100k photos
            else:
                ok = self.catalog.ok_ids(self.model)
            delta = np.setdiff1d(ok, in_store, assume_unique=True)
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
            self._dead = ~np.isin(in_store, ok, assume_unique=True)
            self._generation = gen

    def rebuild(self) -> None:
        """Rebuild the store from the catalog (it is a cache: nothing is lost)."""
        with self._lock:
            generation = self.catalog.generation()
            count = len(self.catalog.ok_ids(self.model))
            stored = self.store.build(self._rows(), count, {"model": self.model})
            if stored.meta["items"] == count:
                stored.meta["generation"] = generation
                self.store.save_meta(stored.meta)
            self._stored = stored
            self._stored_loaded = True
            self._generation = -1
            self._delta_ids = np.zeros(0, np.int64)
            self._delta_vecs = np.zeros((0, self.space.dim), np.float32)
        self.refresh()

    def _rows(self) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        for ids, feats in self.catalog.iter_features(self.model, self.feature_dim):
            yield ids, unit_rows(self.space.transform(feats))

    def status(self) -> dict[str, Any]:
        self.refresh()
        stored = self._stored
        removed = int(self._dead.sum())
        return {
            "space": self.space.name,
            "indexed": len(self._ok_ids),
            "in_index": (len(stored.ids) if stored is not None else 0) - removed,
            "pending": len(self._delta_ids),
            "removed_since_build": removed,
            "built_at": stored.meta.get("built_at") if stored is not None else None,
            "method": _method(stored),
            "fresh": len(self._delta_ids) == 0 and removed == 0 and stored is not None,
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
            stored, dead = self._stored, self._dead
            delta_ids, delta_vecs = self._delta_ids, self._delta_vecs
        ids_parts, score_parts = [], []
        if stored is not None and len(stored.ids):
            if exclude:
                dead = dead.copy()
                dead[rows_of(stored.ids, exclude)] = True
            rows, scores = stored.query(vector, k, dead)
            ids_parts.append(stored.ids[rows])
            score_parts.append(scores)
        if len(delta_ids):
            scores = scan(delta_vecs, vector)
            if exclude:
                scores[rows_of(delta_ids, exclude)] = -np.inf
            best = top_k(scores, k)
            ids_parts.append(delta_ids[best])
            score_parts.append(scores[best])
        return _merge(ids_parts, score_parts, k)

    def products(self, photos: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """[len(vectors), len(photos)] float32: the vectors' dot products with these photos'
        unit vectors (photos this index knows, ids ascending or not; any other scores 0)."""
        with self._lock:
            self.refresh()
            stored, delta_ids, delta_vecs = self._stored, self._delta_ids, self._delta_vecs
        out = np.zeros((len(vectors), len(photos)), np.float32)
        if stored is not None and len(stored.ids):
            at, found = positions(stored.ids, photos)
            for j, vector in enumerate(vectors):
                out[j, found] = stored.scores_of(at[found], vector)
        if len(delta_ids):
            at, found = positions(delta_ids, photos)
            rows = gather_rows(delta_vecs, at[found])
            for j, vector in enumerate(vectors):
                out[j, found] = scan(rows, vector)
        return out

    def all_terms(self, vectors: np.ndarray, exclude: frozenset[int] = frozenset()) -> TermScores:
        """Every photo's (but the excluded) upper bound on its dot product with each vector,
        from one pass over part of each row, and the exact products on demand."""
        with self._lock:
            self.refresh()
            stored, dead = self._stored, self._dead
            delta_ids, delta_vecs = self._delta_ids, self._delta_vecs
        ids_parts, bound_parts, head_parts = [], [], []
        live_rows = np.zeros(0, np.int64)
        rotated = None
        if stored is not None and len(stored.ids):
            live = ~dead
            if exclude:
                live[rows_of(stored.ids, exclude)] = False
            live_rows = np.flatnonzero(live)
            rotated = stored.rotated_rows()
            if rotated is not None:
                split = [rotated.split_scores(v) for v in vectors]
                bounds = np.stack([b for b, _ in split])
                heads = np.stack([h for _, h in split])
            else:
                bounds = heads = np.stack([stored.scores_all(v) for v in vectors])
            all_live = len(live_rows) == len(stored.ids)
            ids_parts.append(stored.ids if all_live else stored.ids[live_rows])
            bound_parts.append(bounds if all_live else bounds[:, live_rows])
            head_parts.append(heads if all_live else heads[:, live_rows])
        if len(delta_ids):
            keep = np.ones(len(delta_ids), bool)
            keep[rows_of(delta_ids, exclude)] = False
            products = np.stack([scan(delta_vecs[keep], v) for v in vectors])
            ids_parts.append(delta_ids[keep])
            bound_parts.append(products)
            head_parts.append(products)
        if not ids_parts:
            empty = np.zeros((len(vectors), 0), np.float32)
            return TermScores(np.zeros(0, np.int64), empty, lambda at: empty)
        ids = np.concatenate(ids_parts)
        bounds, heads = np.concatenate(bound_parts, axis=1), np.concatenate(head_parts, axis=1)
        order = np.argsort(ids, kind="stable") if len(ids_parts) > 1 else None  # rare
        n_stored = len(live_rows)

        def exact(at: np.ndarray) -> np.ndarray:
            """[len(vectors), len(at)] exact products of the photos at these positions."""
            where = at if order is None else order[at]
            out = heads[:, where].copy()
            in_store = where < n_stored
            if rotated is not None and in_store.any():
                store_rows = live_rows[where[in_store]]
                for j, v in enumerate(vectors):
                    out[j, in_store] += rotated.tail_scores(store_rows, v)
            return out

        if order is not None:
            ids, bounds = ids[order], bounds[:, order]
        return TermScores(ids, bounds, exact)

    def exhaustive(
        self, vector: np.ndarray, k: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        """The true top k, from every photo's catalog features (slow; the recall reference)."""
        ids_parts, score_parts = [], []
        for ids, feats in self.catalog.iter_features(self.model, self.feature_dim):
            scores = unit_rows(self.space.transform(feats)) @ np.asarray(vector, np.float32)
            if exclude:
                scores[np.isin(ids, list(exclude))] = -np.inf
            best = top_k(scores, k)
            ids_parts.append(ids[best])
            score_parts.append(scores[best])
        return _merge(ids_parts, score_parts, k)


def _merge(
    ids_parts: list[np.ndarray], score_parts: list[np.ndarray], k: int
) -> list[tuple[int, float]]:
    """The k best (id, score) pairs of several ranked parts, dropping excluded (-inf) ones."""
    if not ids_parts:
        return []
    ids = np.concatenate(ids_parts)
    scores = np.concatenate(score_parts)
    live = np.isfinite(scores)
    ids, scores = ids[live], scores[live]
    best = top_k(scores, k)
    return [(int(ids[j]), float(scores[j])) for j in best]


def _method(stored: LoadedVectors | None) -> str:
    if stored is not None and stored.ann is not None:
        return "annoy"
    return "exact, bounded" if stored is not None and stored.rotated is not None else "exact"
