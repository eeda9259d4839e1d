"""The exact top k of a text-search score, whatever k is: threshold ranking with a guarantee.

A search scores a photo as weight * word(photo) + extra(photo): word from the photo's vector
(one dot product per query term), extra known for every photo at once (class evidence).
The vector index hands out the photos with the best word part, best first, and an upper bound
on the word part of every photo it did not hand out. So a photo outside those candidates can
score at most weight * bound + extra(photo): only photos whose bound reaches the k-th best
exact score are scored exactly, and all others provably rank below it. Every score returned is
the photo's own (never a stand-in), so a photo's score and rank do not depend on k: the top k
of any k is the first k of any larger k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.models.word_model import and_logit
from core.vectors.vector_store import highest_rows

if TYPE_CHECKING:
    from core.search.space_index import SpaceIndex

# Bounds and exact scores come from different float32 sums: photos this close to the
# threshold are scored exactly too (a logit margin far above the rounding error).
SLACK = 1e-3
# Float32 rounding between an index's cosines and the exact products (far above it).
BOUND_MARGIN = 1e-4
# If more photos than this share of the library could still reach the top k, ask the word
# index for 4x more candidates instead (a lower bound for all the rest).
EXACT_MAX_SHARE = 0.2


@dataclass(frozen=True)
class WordPart:
    """The word part of a query's score.

    best(want) -> (ids of the want photos with the best word part, in any order; an upper bound
    on the word part of every other photo, -inf when it handed out every photo);
    exact(ids) -> the word part of these photos (float64), the one source of word scores.
    """

    best: Callable[[int], tuple[np.ndarray, float]]
    exact: Callable[[np.ndarray], np.ndarray]
    first_want: int


def top_scores(
    word: WordPart,
    weight: float,
    extra: tuple[np.ndarray, np.ndarray] | None,
    k: int,
    at_least: float = -np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """(photo ids, scores) of the k best photos by weight * word + extra, best first, ties by
    id, leaving out photos scoring under at_least.

    extra: (ids, values) over every photo that may be returned (a photo missing from it is
    never returned), or None when the score is the word part alone. weight must be >= 0.
    """
    if weight < 0:
        raise ValueError("the word part's weight must not be negative")
    want = max(word.first_want, k)
    while True:
        ids, bound = word.best(want)
        exhausted = not np.isfinite(bound) or len(ids) < want
        cand = ids
        if extra is not None and len(extra[0]):
            n = min(len(extra[0]), max(2 * k, 20))
            cand = np.union1d(ids, extra[0][highest_rows(extra[1], 4 * n, n)])
        cand = np.unique(cand)
        scores = _scores(word, weight, extra, cand)
        threshold = _kth(scores, k, at_least)
        if extra is None:
            if exhausted or weight * bound < threshold - SLACK:
                return _best(cand, scores, k, at_least)
        else:
            e_ids, e_values = extra
            need = e_ids[:0]
            if not exhausted:  # else every photo is a candidate already
                reach = e_values + weight * bound
                at = _positions(e_ids, cand)
                reach[at[at >= 0]] = -np.inf  # scored already
                need = e_ids[np.flatnonzero(np.isfinite(reach) & (reach >= threshold - SLACK))]
            if exhausted or len(need) <= max(EXACT_MAX_SHARE * len(e_ids), 4 * want):
                more = _scores(word, weight, extra, need)
                both_ids = np.concatenate([cand, need])
                return _best(both_ids, np.concatenate([scores, more]), k, at_least)
        want *= 4


def top_all_terms(
    ids: np.ndarray,
    bounds: np.ndarray,
    exact: Callable[[np.ndarray], np.ndarray],
    terms: int,
    weight: float,
    extra: tuple[np.ndarray, np.ndarray] | None,
    k: int,
    at_least: float = -np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """top_scores for several terms that must all fit: a word part of and_logit of the terms'
    logits (plus what "-word"s add). bounds [terms, len(ids)] (ids ascending) holds an upper
    bound on each photo's logit of each of the terms, and on what -words add in a last row
    when there are -words; exact(positions) the same rows exactly. The least term's bound bounds
    and_logit (a product of probabilities is at most its least factor): photos whose bound
    reaches the k-th best exact score are scored exactly, the rest cannot make the top k."""
    bonus = np.zeros(len(ids))
    keep = np.arange(len(ids))
    if extra is not None:
        at = _aligned(extra[0], ids)
        keep = np.flatnonzero(at >= 0)
        bonus = extra[1][at[keep]]
    if len(keep) < len(ids):  # photos not returnable (a date filter): as a rule none
        bounds = bounds[:, keep]
    least = bounds[0].copy()
    for row in bounds[1:terms]:
        np.minimum(least, row, out=least)
    if terms < len(bounds):
        least += bounds[terms]
    reach = least.astype(np.float64)
    reach *= weight
    reach += bonus

    def scored(rows: np.ndarray) -> np.ndarray:
        each = exact(keep[rows]).astype(np.float64)
        extra_room = each[terms] if terms < len(each) else 0.0
        return np.asarray(weight * (and_logit(each[:terms]) + extra_room) + bonus[rows])

    first = highest_rows(reach, 4 * max(4 * k, 200), max(4 * k, 200))
    threshold = _kth(scored(first), k, at_least)
    rows = np.flatnonzero(reach >= threshold - SLACK)
    for tighter in (_sum_bound, _and_logit32):  # weak terms: these rule out more, in turn
        if len(rows) <= 4 * len(first):
            break
        tight = tighter(bounds[:terms, rows])
        if terms < len(bounds):
            tight += bounds[terms, rows]
        rows = rows[weight * tight + bonus[rows] >= threshold - SLACK]
    return _best(ids[keep[rows]], scored(rows), k, at_least)


def _sum_bound(logits: np.ndarray) -> np.ndarray:
    """A bound on and_logit that is cheaper still: log sigmoid(x) <= min(x, 0), summed."""
    log_p = np.minimum(logits, np.float32(0.0)).sum(axis=0)
    sure = log_p > np.float32(-1e-6)
    tight = log_p - np.log(-np.expm1(np.minimum(log_p, np.float32(-1e-6))))
    return np.where(sure, np.float32(np.inf), tight)


def _and_logit32(logits: np.ndarray) -> np.ndarray:
    """and_logit in float32 (twice as fast; for bounds, whose rounding SLACK covers)."""
    log_p = -np.logaddexp(np.float32(0.0), -logits).sum(axis=0)
    sure = log_p > np.float32(-1e-6)  # too near 1 for float32: rule nothing out
    tight = log_p - np.log(-np.expm1(np.minimum(log_p, np.float32(-1e-6))))
    return np.where(sure, np.float32(np.inf), tight)


def cosine_part(
    index: SpaceIndex, vector: np.ndarray, want: int, exclude: frozenset[int] = frozenset()
) -> WordPart:
    """A unit query vector's cosine with each photo in a space index, as a WordPart."""

    def best(n: int) -> tuple[np.ndarray, float]:
        near = index.query(vector, n, exclude)
        ids = np.array([p for p, _ in near], np.int64)
        if len(near) < n:
            return ids, -np.inf
        return ids, min(c for _, c in near) + BOUND_MARGIN

    def exact(ids: np.ndarray) -> np.ndarray:
        return np.asarray(index.products(ids, vector[None])[0], np.float64)

    return WordPart(best, exact, want)


def _scores(
    word: WordPart, weight: float, extra: tuple[np.ndarray, np.ndarray] | None, ids: np.ndarray
) -> np.ndarray:
    """weight * word + extra of these photos; -inf for photos outside extra."""
    out = weight * word.exact(ids) if len(ids) else np.zeros(0)
    if extra is not None:
        at = _positions(extra[0], ids)
        found = at >= 0
        out = np.where(found, out + extra[1][np.maximum(at, 0)], -np.inf)
    return np.asarray(out, np.float64)


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Where each id is in the ascending sorted_ids, -1 where it is not."""
    if not len(sorted_ids):
        return np.full(len(ids), -1, np.int64)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.where(sorted_ids[at] == ids, at, -1)


def _aligned(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """_positions, quick when both list the same photos (every indexed photo, as a rule)."""
    if len(sorted_ids) == len(ids) and np.array_equal(sorted_ids, ids):
        return np.arange(len(ids))
    return _positions(sorted_ids, ids)


def _kth(scores: np.ndarray, k: int, at_least: float) -> float:
    """The score a photo needs to make the top k (at_least when fewer reach it)."""
    live = scores[np.isfinite(scores) & (scores >= at_least)]
    if len(live) < k:
        return float(at_least)
    return float(max(np.partition(live, len(live) - k)[len(live) - k], at_least))


def _best(
    ids: np.ndarray, scores: np.ndarray, k: int, at_least: float
) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(scores) & (scores >= at_least)
    ids, scores = ids[keep], scores[keep]
    if len(scores) > 4 * k:  # sort only those that can make the top k (ties included)
        part = scores >= np.partition(scores, len(scores) - k)[len(scores) - k]
        ids, scores = ids[part], scores[part]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]
