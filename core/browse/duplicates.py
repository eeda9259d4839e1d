"""Near-duplicates: groups of photos whose CNN features are almost the same (bursts, edits,
resized, re-encoded or cropped copies).

Every pair is compared exactly, a block of rows at a time (memory stays at one block of
scores): 2 s at 10,000 photos on 2 cores. A candidate stage (an upper bound from the 256 main
directions) was tried and dropped: real features are not low-rank enough for it to prune, and
at 50,000 photos it was slower than the plain scan (benchmarks/near_duplicates.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from core.vectors.ann import unit_rows

# Cosine between two photos' raw CNN features at or above which they count as duplicates:
# chosen on the Pascal "val" photos, precision 1.000 and recall 0.990 on the held-out "test"
# photos (benchmarks/near_duplicates.py, README).
DEFAULT_THRESHOLD = 0.765
# Scores held at a time (64 MiB of float32): a block of rows against every later row.
BLOCK_SCORES = 1 << 24


def similar_pairs(vectors: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine) with i < j for every pair of rows whose cosine is >= threshold."""
    x = unit_rows(vectors)
    block = max(16, min(4096, BLOCK_SCORES // max(len(x), 1)))
    for start in range(0, len(x), block):
        scores = x[start : start + block] @ x[start:].T
        rows, cols = np.nonzero(scores >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > r:  # the upper triangle: each pair once, no self-pairs
                yield start + r, start + c, float(scores[r, c])


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
