"""Per-photo class evidence: exact scores from the compact cache, and a damaged or stale
cache is rebuilt without changing search results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from core.library import Library
from core.search.class_evidence import ClassPostings, query_evidence, top_classes
from core.storage.profile import resolve_profile
from tests.conftest import garble, make_photos, run_index, truncate


def test_postings_score_equals_the_dense_sum_over_each_photos_top_classes() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(1000, 0.05), size=200).astype(np.float32)
    classes, top_p = top_classes(probs, 32)
    postings = ClassPostings.from_top(classes, top_p)
    weights = {int(c): float(w) for c, w in zip(rng.choice(1000, 40), rng.random(40), strict=True)}
    dense = np.zeros((200, 1000), np.float32)
    np.put_along_axis(dense, classes.astype(np.int64), top_p.astype(np.float32), axis=1)
    expected = dense @ np.array([weights.get(c, 0.0) for c in range(1000)], np.float32)
    assert np.allclose(postings.score(weights), expected, atol=1e-5)


def test_query_evidence_ignores_terms_without_classes_and_subtracts_unwanted() -> None:
    classes = np.array([[1, 2], [2, 3]], np.uint16)
    probs = np.array([[0.6, 0.4], [0.7, 0.3]], np.float16)
    postings = ClassPostings.from_top(classes, probs)
    assert query_evidence(postings, [{}]) is None
    ev = query_evidence(postings, [{1: 1.0}], [{3: 1.0}])
    assert ev is not None
    assert ev[0] == pytest.approx(0.6, abs=1e-3)
    assert ev[1] == pytest.approx(-0.5 * 0.3, abs=1e-3)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    folder = tmp_path / "photos"
    make_photos(folder, 10)
    lib = Library(resolve_profile(tmp_path / "profile"))
    lib.add_folder(folder)
    assert run_index(lib).added == 10
    return lib


@pytest.mark.parametrize("damage", [garble, truncate])
@pytest.mark.parametrize("which", ["path", "meta_path"])
def test_a_damaged_cache_is_rebuilt_and_results_stay_the_same(
    library: Library, damage: Callable[[Path], None], which: str
) -> None:
    cache = library.class_evidence
    assert cache.path.is_file() and cache.fresh()
    before = [(h.path, round(h.score, 5)) for h in library.search(["tennis", "ball"], 5).hits]
    damage(getattr(cache, which))
    assert cache.load() is None
    after = [(h.path, round(h.score, 5)) for h in library.search(["tennis", "ball"], 5).hits]
    assert after == before
    assert cache.fresh()  # the search rebuilt it
    library.close()


def test_photos_indexed_after_the_cache_was_built_are_searched(
    library: Library, tmp_path: Path
) -> None:
    make_photos(tmp_path / "more", 3, first_seed=100, prefix="new")
    library.add_folder(tmp_path / "more")
    for _ in library.index([tmp_path / "more"]):
        pass
    result = library.search(["golden", "retriever"], 20)
    assert result.words == ["golden retriever"]
    hits = result.hits
    assert len(hits) == 13
    assert sum("new0" in h.path for h in hits) == 3
    library.close()


def test_a_term_without_classes_leaves_room_for_the_joint_space() -> None:
    classes = np.array([[1, 2], [2, 3]], np.uint16)
    probs = np.array([[0.8, 0.2], [0.9, 0.1]], np.float16)
    postings = ClassPostings.from_top(classes, probs)
    alone = query_evidence(postings, [{1: 1.0}])
    with_sunset = query_evidence(postings, [{1: 1.0}, {}])
    both = query_evidence(postings, [{1: 1.0}, {2: 1.0}])
    assert alone is not None and with_sunset is not None and both is not None
    assert with_sunset[0] == pytest.approx(alone[0] / 2, abs=1e-3)
    assert both[0] == pytest.approx(0.5, abs=1e-3)  # a dog at the beach beats...
    assert both[1] == pytest.approx(0.45, abs=1e-3)  # ...a plain beach
