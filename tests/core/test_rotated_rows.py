"""Large stores answer from rotated rows and bounds: the results must be exactly the top k an
exhaustive scan gives, for any k, with removed and date-filtered photos left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.search.space_index import SpaceIndex
from core.storage.catalog import Catalog
from core.vectors.vector_store import VectorStore, top_k
from tests.core.storage_helpers import MODEL, PlainSpace, add_photos, clustered, remove_photos

DIM = 160  # more than the 96 axes the bound keeps, so the bound is not the cosine itself


def structured(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors in many clusters, most of their variance on a few axes (as the word-space
    vectors have), with a little noise on every axis."""
    mixing = np.random.default_rng(0).normal(0, 1, (40, DIM))
    x = clustered(rng, n, 40, clusters=30) @ mixing + rng.normal(0, 0.5, (n, DIM))
    return np.asarray(x / np.linalg.norm(x, axis=1, keepdims=True), np.float32)


def mixed_queries(rng: np.random.Generator, vecs: np.ndarray) -> np.ndarray:
    """Queries near stored rows (as `similar` asks) and random directions (as words do)."""
    near = vecs[rng.choice(len(vecs), 8, replace=False)] + rng.normal(0, 0.05, (8, DIM))
    q = np.concatenate([near, rng.normal(0, 1, (8, DIM))])
    return np.asarray(q / np.linalg.norm(q, axis=1, keepdims=True), np.float32)


def test_a_large_store_returns_the_exact_top_k_for_any_k(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vecs = structured(rng, 3000)
    store = VectorStore(tmp_path, "big", DIM)
    store.rotated_min_items = 1000
    loaded = store.build([(np.arange(3000) * 3, vecs)], 3000, {})
    stored = np.load(store.vectors_path).astype(np.float32)  # float16 on disk, as the app scores
    dead = rng.random(3000) < 0.3  # removed or outside a date filter
    for q in mixed_queries(rng, vecs):
        exact = stored @ q
        exact[dead] = -np.inf
        for k in (1, 10, 100, 500, 5000):
            rows, scores = loaded.query(q, k, dead)
            want = top_k(exact, min(k, int((~dead).sum())))
            assert len(set(rows.tolist())) == len(want) and not dead[rows].any()
            assert scores == pytest.approx(exact[rows], abs=1e-5)  # true cosines
            # ... and rank by rank as high as the exact top k (rows may differ on exact ties)
            assert scores == pytest.approx(exact[want], abs=1e-5)
    assert loaded.rotated is not None  # the first query scanned, the others used the bounds


def index_with_photos(tmp_path: Path, feats: np.ndarray) -> tuple[SpaceIndex, list[int]]:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    ids = add_photos(catalog, feats)
    index = SpaceIndex(catalog, tmp_path / "indexes", PlainSpace(DIM), MODEL, DIM)
    index.store.rotated_min_items = 500
    index.rebuild()
    return index, ids


def test_space_index_on_rotated_rows_matches_the_exhaustive_ranking(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    feats = structured(rng, 1500)
    index, ids = index_with_photos(tmp_path, feats)
    remove_photos(index.catalog, ids[:100])
    added = add_photos(index.catalog, structured(rng, 20), first=5000)  # not in the store yet
    outside = frozenset(ids[100:400])  # a date filter
    for q in mixed_queries(rng, feats):
        for k in (10, 300, 5000):
            got = index.query(q, k, outside)
            want = dict(index.exhaustive(q, 5000, outside))
            assert len(got) == min(k, 1500 - 100 - 300 + 20)
            assert not {p for p, _ in got} & (outside | set(ids[:100]))
            # Stored vectors are float16: only near-ties (within its rounding) may swap places.
            kth = sorted(want.values())[-len(got)]
            assert all(want[p] >= kth - 2e-3 for p, _ in got)
            assert [s for _, s in got] == pytest.approx([want[p] for p, _ in got], abs=2e-3)
    photos = np.array([ids[500], added[3], ids[200]])  # stored, added since, excluded
    for q in mixed_queries(rng, feats)[:4]:
        exact = dict(index.exhaustive(q, 5000))
        got = index.products(photos, q[None])[0]
        assert got == pytest.approx([exact[int(p)] for p in photos], abs=2e-3)
