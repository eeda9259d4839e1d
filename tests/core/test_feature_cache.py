"""The compact feature cache behind `similar --class`: the same top k as an exact scan of the
catalog, current after photos are added or removed, and not used when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.storage.catalog import Catalog
from core.vectors import feature_cache
from core.vectors.feature_cache import FeatureCache
from tests.conftest import garble, truncate
from tests.core.storage_helpers import MODEL, add_photos, clustered, remove_photos

DIM = 64


@pytest.fixture
def weights() -> np.ndarray:
    return np.asarray(np.random.default_rng(7).normal(0, 1, (30, DIM)), np.float32)


@pytest.fixture
def cache(tmp_path: Path, weights: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> FeatureCache:
    # Fewer candidates than photos, so that the sketch stage really runs on 600 photos.
    monkeypatch.setattr(feature_cache, "CANDIDATES", 150)
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    add_photos(catalog, clustered(np.random.default_rng(8), 600, DIM))
    c = FeatureCache(catalog, tmp_path / "indexes", MODEL, DIM, lambda: weights)
    c.build()
    return c


def queries(cache: FeatureCache, weights: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    feats = cache.catalog.features(list(range(1, 41)), MODEL, DIM)
    return [(feats[i], weights[i % len(weights)]) for i in range(40)]


def test_two_stage_search_finds_the_exact_top_k(cache: FeatureCache, weights: np.ndarray) -> None:
    found = 0
    for q, w in queries(cache, weights):
        got = cache.class_similar(q, w, 10)
        want = cache.exhaustive(q, w, 10)
        found += len({p for p, _ in got} & {p for p, _ in want})
        truth = dict(cache.exhaustive(q, w, 600))
        assert [s for _, s in got] == pytest.approx([truth[p] for p, _ in got], abs=1e-4)
    assert found / 400 >= 0.98


def test_removed_excluded_and_new_photos(cache: FeatureCache, weights: np.ndarray) -> None:
    q, w = queries(cache, weights)[0]
    first = [p for p, _ in cache.class_similar(q, w, 5)]
    remove_photos(cache.catalog, first[:2])
    got = [p for p, _ in cache.class_similar(q, w, 5, exclude=frozenset({first[2]}))]
    assert not set(first[:3]) & set(got)
    new = add_photos(cache.catalog, q[None] * 1.5, first=5000)  # the same direction: cosine 1
    assert cache.class_similar(q, w, 1)[0][0] == new[0]


def test_small_library_is_scored_exactly_without_a_sketch(
    tmp_path: Path, weights: np.ndarray
) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    add_photos(catalog, clustered(np.random.default_rng(9), 40, DIM))
    c = FeatureCache(catalog, tmp_path / "indexes", MODEL, DIM, lambda: weights)
    q = catalog.features([3], MODEL, DIM)[0]
    before = c.class_similar(q, weights[0], 40)  # no cache yet: straight from the catalog
    c.build()
    after = c.class_similar(q, weights[0], 40)
    assert [p for p, _ in before] == [p for p, _ in after] and len(after) == 40
    assert after[0] == (3, pytest.approx(1.0, abs=1e-5))


@pytest.mark.parametrize("damage", [garble, truncate])
@pytest.mark.parametrize("suffix", ["ids.npy", "sketch.npy", "basis.npy"])
def test_a_damaged_cache_is_not_used(
    cache: FeatureCache, weights: np.ndarray, suffix: str, damage: object
) -> None:
    q, w = queries(cache, weights)[0]
    before = cache.class_similar(q, w, 10)
    damage(cache.paths[suffix])  # type: ignore[operator]
    fresh = FeatureCache(cache.catalog, cache.meta_path.parent, MODEL, DIM, lambda: weights)
    assert fresh.load() is None
    assert [p for p, _ in fresh.class_similar(q, w, 10)] == [p for p, _ in before]


def test_sampled_shortlist_still_finds_the_top_k(
    cache: FeatureCache, weights: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large library picks its shortlist by a threshold from a sample of the sketched scores;
    # shrink the sample so that this path runs on 600 photos, with removed and excluded photos.
    monkeypatch.setattr(feature_cache, "SELECT_SAMPLE", 50)
    monkeypatch.setattr(feature_cache, "SHORTLIST", 300)
    monkeypatch.setattr(feature_cache, "CLOSE", 200)
    removed = [p for p, _ in cache.exhaustive(*queries(cache, weights)[5], 3)]
    remove_photos(cache.catalog, removed)
    found = 0
    for q, w in queries(cache, weights):
        excluded = frozenset(p for p, _ in cache.exhaustive(q, w, 1))
        got = cache.class_similar(q, w, 10, exclude=excluded)
        want = cache.exhaustive(q, w, 10, exclude=excluded | frozenset(removed))
        assert not {p for p, _ in got} & (excluded | frozenset(removed))
        found += len({p for p, _ in got} & {p for p, _ in want})
    assert found / 400 >= 0.98


def test_the_cache_keeps_no_copy_of_the_features(cache: FeatureCache, weights: np.ndarray) -> None:
    # The 8-bit rows live in the catalog only (issue 13: 1,288 bytes a photo were stored twice).
    files = list(cache.meta_path.parent.iterdir())
    ids, sketch, basis = 600 * 8, 600 * 2 * (16 + DIM), (2 + 16 + DIM) * DIM * 2
    headers = 3 * 128 + cache.meta_path.stat().st_size
    assert sum(f.stat().st_size for f in files) <= ids + sketch + basis + headers


def test_an_older_cache_with_a_copy_of_the_features_still_answers(
    cache: FeatureCache, weights: np.ndarray
) -> None:
    # Caches written before kept the catalog's rows in features-MODEL.npy, listed in the
    # metadata: they load as they are, and the next build deletes the copy.
    q, w = queries(cache, weights)[3]
    before = cache.class_similar(q, w, 10)
    rows = np.zeros((600, 8 + DIM), np.uint8)
    np.save(cache.legacy_rows, rows)
    meta = json.loads(cache.meta_path.read_text())
    meta["files"]["npy"] = feature_cache._fingerprint(cache.legacy_rows)
    cache.meta_path.write_text(json.dumps(meta))
    old = FeatureCache(cache.catalog, cache.meta_path.parent, MODEL, DIM, lambda: weights)
    assert old.load() is not None
    assert old.class_similar(q, w, 10) == before
    old.build()
    assert not old.legacy_rows.exists()
    assert old.class_similar(q, w, 10) == before


def test_photos_removed_before_a_new_process_loads_the_cache(
    cache: FeatureCache, weights: np.ndarray
) -> None:
    q, w = queries(cache, weights)[1]
    first = [p for p, _ in cache.class_similar(q, w, 10)]
    remove_photos(cache.catalog, first[:3])
    fresh = FeatureCache(cache.catalog, cache.meta_path.parent, MODEL, DIM, lambda: weights)
    got = fresh.class_similar(q, w, 10)
    assert not {p for p, _ in got} & set(first[:3])
    assert [p for p, _ in got][:7] == first[3:]
    truth = dict(fresh.exhaustive(q, w, 600))
    assert [s for _, s in got] == pytest.approx([truth[p] for p, _ in got], abs=1e-4)


def test_a_rebuild_after_searching_serves_the_new_photos(
    cache: FeatureCache, weights: np.ndarray
) -> None:
    # As in the GUI: class searches, then indexing adds and removes photos and rebuilds the
    # cache in the same process; the next search sees exactly the catalog's photos now.
    q, w = queries(cache, weights)[2]
    first = [p for p, _ in cache.class_similar(q, w, 10)]
    remove_photos(cache.catalog, first[:2])
    new = add_photos(cache.catalog, np.stack([q * 2.0, q + 0.01]), first=7000)
    cache.build()
    got = cache.class_similar(q, w, 10)
    assert {p for p, _ in got[:2]} == set(new) and not {p for p, _ in got} & set(first[:2])
    truth = dict(cache.exhaustive(q, w, 700))
    assert [s for _, s in got] == pytest.approx([truth[p] for p, _ in got], abs=1e-4)
