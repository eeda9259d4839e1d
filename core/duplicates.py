"""Near-duplicates: groups of photos whose CNN features are almost the same (bursts, edits,
resized, re-encoded or cropped copies).

Every pair is compared, a block of rows at a time (memory stays at one block of scores). Large
libraries get a cheaper candidate stage first, and it misses nothing: each unit vector is split
into its part in the library's 256 main directions and the rest, and since
x.y = p.q + r.s <= p.q + |r||s|, only pairs with p.q + |r||s| >= threshold can reach it; those
are then checked with the full vectors.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from core.ann import unit_rows

# Cosine between two photos' raw CNN features at or above which they count as duplicates:
# chosen on the Pascal "val" photos, precision 1.000 and recall 0.990 on the held-out "test"
# photos (benchmarks/near_duplicates.py, README).
DEFAULT_THRESHOLD = 0.765
# Scores held at a time (64 MiB of float32): a block of rows against every later row.
BLOCK_SCORES = 1 << 24
# Above this many photos, candidates come first, from this many dimensions.
EXACT_LIMIT = 20_000
CANDIDATE_DIMS = 256


def similar_pairs(vectors: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine) with i < j for every pair of rows whose cosine is >= threshold."""
    x = unit_rows(vectors)
    if x.shape[1] > CANDIDATE_DIMS and len(x) > EXACT_LIMIT:
        yield from _via_candidates(x, threshold)
        return
    block = _block_rows(len(x))
    for start in range(0, len(x), block):
        scores = x[start : start + block] @ x[start:].T
        rows, cols = np.nonzero(scores >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > r:  # the upper triangle: each pair once, no self-pairs
                yield start + r, start + c, float(scores[r, c])


def _via_candidates(x: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    p = x @ _main_directions(x, CANDIDATE_DIMS).T
    rest = np.sqrt(np.maximum(1.0 - np.einsum("ij,ij->i", p, p), 0.0)).astype(np.float32)
    block = _block_rows(len(x))
    for start in range(0, len(x), block):
        stop = start + block
        bound = p[start:stop] @ p[start:].T + np.outer(rest[start:stop], rest[start:])
        rows, cols = np.nonzero(bound >= threshold - 1e-5)  # float32 rounding
        upper = cols > rows
        rows, cols = rows[upper] + start, cols[upper] + start
        if not len(rows):
            continue
        exact = np.einsum("ij,ij->i", x[rows], x[cols])
        for i, j, s in zip(rows.tolist(), cols.tolist(), exact.tolist(), strict=True):
            if s >= threshold:
                yield i, j, float(s)


def _block_rows(n: int) -> int:
    return max(16, min(4096, BLOCK_SCORES // max(n, 1)))


def _main_directions(x: np.ndarray, dims: int) -> np.ndarray:
    """[dims, d] orthonormal rows spanning most of x (uncentred; fitted on <= 20,000 rows)."""
    rng = np.random.default_rng(0)
    sample = x[rng.choice(len(x), min(len(x), 20_000), replace=False)]
    _, vectors = np.linalg.eigh(sample.T.astype(np.float64) @ sample)  # ascending eigenvalues
    return np.ascontiguousarray(vectors[:, ::-1][:, :dims].T, np.float32)


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
