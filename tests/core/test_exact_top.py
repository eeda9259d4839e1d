"""core/search/exact_top.py against a full ranking, with word parts whose bounds are tight."""

from __future__ import annotations

import numpy as np
import pytest

from core.models.word_model import and_logit
from core.search.exact_top import WordPart, top_scores


def word_part(values: np.ndarray, first_want: int) -> WordPart:
    ids = np.arange(100, 100 + len(values))  # photo ids are not row numbers

    def best(n: int) -> tuple[np.ndarray, float]:
        order = np.argsort(-values, kind="stable")[:n]
        bound = -np.inf if n >= len(values) else float(values[order[-1]])
        return ids[order], bound

    def exact(wanted: np.ndarray) -> np.ndarray:
        return np.asarray(values[wanted - 100], np.float64)

    return WordPart(best, exact, first_want)


@pytest.mark.parametrize("seed", range(5))
def test_the_top_k_is_the_full_ranking_s_start(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    word = rng.normal(0, 1, n)
    extra = np.where(rng.random(n) < 0.05, rng.uniform(0, 6, n), rng.uniform(-0.5, 0.5, n))
    ids = np.arange(100, 100 + n)
    total = 0.8 * word + extra
    full = np.lexsort((ids, -total))
    for k in (1, 5, 10, 100, 1000, n):
        top, scores = top_scores(word_part(word, 50), 0.8, (ids, extra), k)
        assert top.tolist() == ids[full[:k]].tolist()
        np.testing.assert_allclose(scores, total[full[:k]])
        floor = 1.5
        top, scores = top_scores(word_part(word, 50), 0.8, (ids, extra), k, floor)
        assert top.tolist() == [i for i in ids[full] if total[i - 100] >= floor][:k]
    top, _ = top_scores(word_part(word, 50), 1.0, None, 20)
    assert top.tolist() == ids[np.lexsort((ids, -word))[:20]].tolist()


def test_several_terms_score_at_most_what_their_mean_allows() -> None:
    """The multi-word bound: and_logit of the terms' logits never exceeds that of their mean."""
    rng = np.random.default_rng(0)
    for terms in (2, 3, 5):
        logits = rng.normal(0, 4, (terms, 10_000))
        mean = logits.mean(axis=0)
        bound = and_logit(np.broadcast_to(mean, logits.shape))
        assert (and_logit(logits) <= bound + 1e-9).all()


@pytest.mark.parametrize("seed", range(3))
def test_several_terms_rank_as_a_full_sort_of_every_photo(seed: int) -> None:
    from core.search.exact_top import top_all_terms

    rng = np.random.default_rng(seed)
    n = 4000
    each = rng.normal(-2, 3, (3, n)).astype(np.float32)
    room = rng.normal(0, 0.3, n).astype(np.float32)
    ids = np.arange(7, 7 + n)
    extra = rng.uniform(-1, 3, n)
    word = and_logit(each.astype(np.float64)) + room
    total = 0.8 * word + extra
    full = np.lexsort((ids, -total))
    exact = np.concatenate([each, room[None]])
    loose = exact + rng.uniform(0, 2, exact.shape).astype(np.float32)  # upper bounds
    for k in (1, 10, 300, n):
        top, scores = top_all_terms(ids, loose, lambda at: exact[:, at], 3, 0.8, (ids, extra), k)
        assert top.tolist() == ids[full[:k]].tolist()
        np.testing.assert_allclose(scores, total[full[:k]], rtol=1e-6)
