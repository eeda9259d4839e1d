"""The vector store and SpaceIndex: the k best photos, exactly as an exhaustive scan ranks them,
current after photos are added or removed, and rebuilt when a file is damaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.search.space_index import SpaceIndex
from core.storage.catalog import Catalog
from core.vectors import vector_store
from core.vectors.vector_store import VectorStore, top_k
from tests.conftest import garble, truncate
from tests.core.storage_helpers import MODEL, PlainSpace, add_photos, clustered, remove_photos

DIM = 24


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    c = Catalog(tmp_path / "catalog.sqlite3")
    add_photos(c, clustered(np.random.default_rng(0), 400, DIM))
    return c


def index_of(catalog: Catalog, tmp_path: Path) -> SpaceIndex:
    return SpaceIndex(catalog, tmp_path / "indexes", PlainSpace(DIM), MODEL, DIM)


def queries(n: int = 20) -> np.ndarray:
    q = clustered(np.random.default_rng(1), n, DIM)
    return np.asarray(q / np.linalg.norm(q, axis=1, keepdims=True), np.float32)


def test_query_returns_the_exhaustive_top_k(catalog: Catalog, tmp_path: Path) -> None:
    index = index_of(catalog, tmp_path)
    index.rebuild()
    assert index.status()["method"] == "exact" and index.status()["fresh"]
    for q in queries():
        got = index.query(q, 10)
        want = dict(index.exhaustive(q, 400))
        kth = sorted(want.values())[-10]
        # Stored vectors are float16: only near-ties (within its rounding) may swap places.
        assert all(want[p] >= kth - 2e-3 for p, _ in got)
        assert [s for _, s in got] == pytest.approx([want[p] for p, _ in got], abs=2e-3)
        assert len(set(p for p, _ in got) & set(sorted(want, key=want.__getitem__)[-10:])) >= 9


def test_excluded_and_removed_photos_never_appear(catalog: Catalog, tmp_path: Path) -> None:
    index = index_of(catalog, tmp_path)
    index.rebuild()
    q = queries(1)[0]
    first = [p for p, _ in index.query(q, 5)]
    remove_photos(catalog, first[:2])
    got = [p for p, _ in index.query(q, 5, exclude=frozenset({first[2]}))]
    assert not set(first[:3]) & set(got)
    assert got == [p for p, _ in index.exhaustive(q, 5, exclude=frozenset({first[2]}))]
    assert index.status()["removed_since_build"] == 2


def test_photos_added_after_the_build_are_found(catalog: Catalog, tmp_path: Path) -> None:
    index = index_of(catalog, tmp_path)
    index.rebuild()
    q = queries(1)[0]
    new = add_photos(catalog, np.stack([q * 3, q * 2]), first=1000)  # the best possible matches
    assert [p for p, _ in index.query(q, 2)] == new
    assert index.status()["pending"] == 2 and not index.status()["fresh"]
    index.rebuild()
    assert [p for p, _ in index.query(q, 2)] == new and index.status()["fresh"]


def test_k_larger_than_the_library_returns_every_photo(tmp_path: Path) -> None:
    c = Catalog(tmp_path / "catalog.sqlite3")
    ids = add_photos(c, clustered(np.random.default_rng(3), 7, DIM))
    index = index_of(c, tmp_path)
    index.rebuild()
    assert sorted(p for p, _ in index.query(queries(1)[0], 50)) == ids
    empty = index_of(Catalog(tmp_path / "empty.sqlite3"), tmp_path / "e")
    empty.rebuild()
    assert empty.query(queries(1)[0], 5) == []


def test_annoy_path_finds_the_true_neighbours_with_exact_scores(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    vecs = clustered(rng, 3000, DIM)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store = VectorStore(tmp_path, "ann-test", DIM)
    loaded = store.build([(np.arange(3000) * 2, vecs)], 3000, {}, ann_min_items=1)
    assert loaded.ann is not None and store.ann_path.exists()
    hits = 0
    for q in queries(30):
        rows, scores = loaded.query(q, 10)
        exact = vecs @ q
        hits += len(set(rows.tolist()) & set(top_k(exact, 10).tolist()))
        assert scores == pytest.approx(exact[rows], abs=2e-3)  # re-ranked: true cosines
    assert hits / 300 >= 0.98


def test_small_stores_have_no_annoy_file(tmp_path: Path) -> None:
    store = VectorStore(tmp_path, "small", DIM)
    loaded = store.build([(np.arange(5), np.eye(5, DIM, dtype=np.float32))], 5, {})
    assert loaded.ann is None and not store.ann_path.exists()
    assert vector_store.ANN_MIN_ITEMS > 100_000


@pytest.mark.parametrize("damage", [garble, truncate])
@pytest.mark.parametrize("suffix", [".vectors.npy", ".ids.npy", ".json", ".ann"])
def test_a_damaged_store_is_not_used(tmp_path: Path, suffix: str, damage: object) -> None:
    vecs = clustered(np.random.default_rng(5), 300, DIM)
    store = VectorStore(tmp_path, "damaged", DIM)
    store.build([(np.arange(300), vecs)], 300, {}, ann_min_items=1)
    assert store.load() is not None
    damage(tmp_path / f"damaged{suffix}")  # type: ignore[operator]
    assert store.load() is None


def test_top_k_orders_best_first_and_caps_at_the_length() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9, -1.0], np.float32)
    assert top_k(scores, 3).tolist() == [1, 3, 2]
    assert top_k(scores, 10).tolist() == [1, 3, 2, 0, 4]
    assert top_k(scores, 0).tolist() == []
