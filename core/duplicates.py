"""Near-duplicates: groups of photos whose image vectors are almost the same (bursts, edits,
resized, re-encoded or cropped copies).

An exact scan of every pair, a block of rows at a time (memory stays at one block of scores).
Large libraries first look for candidates in a PCA-reduced space, with a margin, and confirm
them with the full vectors.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from core.ann import unit_rows

# Cosine between two photos' unit image vectors at or above which they count as duplicates;
# measured by benchmarks/near_duplicates.py (see the README).
DEFAULT_THRESHOLD = 0.90
# Rows scored against all others at a time: a BLOCK x n float32 matrix.
BLOCK = 1024
# Above this many photos, candidates come from CANDIDATE_DIMS PCA dimensions first.
EXACT_LIMIT = 20_000
CANDIDATE_DIMS = 128
# How far below the threshold a reduced-space cosine may be and still be checked exactly.
CANDIDATE_MARGIN = 0.08


def similar_pairs(vectors: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine) with i < j for every pair of rows whose cosine is >= threshold."""
    x = unit_rows(vectors)
    if len(x) > EXACT_LIMIT and x.shape[1] > CANDIDATE_DIMS:
        yield from _via_candidates(x, threshold)
        return
    for start in range(0, len(x), BLOCK):
        scores = x[start : start + BLOCK] @ x[start:].T
        rows, cols = np.nonzero(scores >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > r:  # the upper triangle: each pair once, no self-pairs
                yield start + r, start + c, float(scores[r, c])


def _via_candidates(x: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    reduced = unit_rows(_pca(x, CANDIDATE_DIMS))
    for start in range(0, len(x), BLOCK):
        scores = reduced[start : start + BLOCK] @ reduced[start:].T
        rows, cols = np.nonzero(scores >= threshold - CANDIDATE_MARGIN)
        upper = cols > rows
        rows, cols = rows[upper] + start, cols[upper] + start
        if not len(rows):
            continue
        exact = np.einsum("ij,ij->i", x[rows], x[cols])
        for i, j, s in zip(rows.tolist(), cols.tolist(), exact.tolist(), strict=True):
            if s >= threshold:
                yield i, j, float(s)


def _pca(x: np.ndarray, dims: int) -> np.ndarray:
    """x projected on its dims main directions (fitted on a sample of at most 20,000 rows)."""
    rng = np.random.default_rng(0)
    sample = x[rng.choice(len(x), min(len(x), 20_000), replace=False)]
    mean = sample.mean(axis=0)
    _, _, vt = np.linalg.svd(sample - mean, full_matrices=False)
    return np.asarray((x - mean) @ vt[:dims].T, np.float32)


def group_pairs(n: int, pairs: Iterator[tuple[int, int, float]]) -> list[list[int]]:
    """Connected groups (of two or more) of the row indexes that pairs link, each sorted."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def near_duplicate_groups(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups of row indexes whose vectors are near-identical: largest groups first."""
    groups = group_pairs(len(vectors), similar_pairs(vectors, threshold))
    return sorted(groups, key=lambda g: (-len(g), g[0]))
