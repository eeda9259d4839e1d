"""A large store's vectors turned onto their principal axes, so that a query can bound every
row's cosine from a part of each row and score exactly only the rows that can make its top k.

At 100,000 photos a plain scan of the 178-float word-space vectors is 3.3 ms of CPU per query
vector (numpy's einsum) and a partition of the scores 1 ms more. Rotated (centred on their mean,
then onto the principal axes of a sample of them), a row's first AXES coordinates carry most
of it; the rest are kept beside them, and the norms of the rest in BLOCKS blocks (4 floats a
row). A query's own coordinates and block norms then give, per row, an upper bound on its dot
product (Cauchy-Schwarz within each block) from AXES + BLOCKS floats a row. The rotation is
orthogonal, so the exact dot product is the rotated row's with the rotated query: nothing but
the block norms is stored twice (1.6 MB at 100,000 rows), and nothing goes to disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from core.vectors.row_ops import gather_rows, scan

# 96 axes of 178 leave the bound of a word query's 50th best photo reaching about 500 photos
# at the median, 2,300 at p95 (64 axes: 3,400 and 14,000; benchmarks/recall.py).
AXES = 96
BLOCKS = 4
FIT_ROWS = 5_000
CHUNK = 8192


@dataclass(frozen=True)
class RotatedRows:
    """Unit vectors as rotated coordinates: head (the first axes, then the block norms of the
    rest) and tail (the rest)."""

    mean: np.ndarray  # [dim]
    rotation: np.ndarray  # [dim, dim]: principal axes as columns, by falling variance
    edges: np.ndarray  # where each block of the rest starts in rotated coordinates, and the end
    head: np.ndarray  # [n, axes + blocks] float32
    tail: np.ndarray  # [n, dim - axes] float32

    @classmethod
    def fit(cls, vectors: np.ndarray) -> RotatedRows:
        """The rotated rows of unit vectors (float16 or float32, in memory or mapped)."""
        n, dim = vectors.shape
        pick = np.random.default_rng(0).choice(n, min(n, FIT_ROWS), replace=False)
        sample = np.asarray(vectors[np.sort(pick)], np.float32)
        mean = sample.mean(axis=0, dtype=np.float64)
        centred = sample - mean.astype(np.float32)
        _, axes = np.linalg.eigh((centred.T @ centred).astype(np.float64))
        rotation = np.ascontiguousarray(axes[:, ::-1], np.float32)
        kept = min(AXES, dim)
        edges = np.unique(np.linspace(kept, dim, BLOCKS + 1).astype(np.int64))
        head = np.empty((n, kept + len(edges) - 1), np.float32)
        tail = np.empty((n, dim - kept), np.float32)
        mean32 = mean.astype(np.float32)
        for start in range(0, n, CHUNK):
            rotated = (np.asarray(vectors[start : start + CHUNK], np.float32) - mean32) @ rotation
            head[start : start + CHUNK] = _with_block_norms(rotated, edges)
            tail[start : start + CHUNK] = rotated[:, kept:]
        return cls(mean32, rotation, edges, head, tail)

    @cached_property
    def _block_norms(self) -> np.ndarray:
        """[blocks, n]: the head's block norms, transposed (one scan of a few long rows is
        several times faster than one of many short strided ones)."""
        return np.ascontiguousarray(self.head[:, int(self.edges[0]) :].T)

    def __len__(self) -> int:
        return len(self.head)

    def _rotate(self, q: np.ndarray) -> np.ndarray:
        # einsum, not BLAS: OpenBLAS threads made this 178 x 178 product take up to 30 ms on
        # the busy two-core machine.
        rotated: np.ndarray = np.einsum("d,de->e", q, self.rotation)
        return rotated

    def bounds(self, vector: np.ndarray) -> np.ndarray:
        """float32 [n]: an upper bound on each row's dot product with vector (up to float32
        rounding: a bound may fall short of it by far less than 1e-5)."""
        q = np.asarray(vector, np.float32)
        query = _with_block_norms(self._rotate(q), self.edges)[0]
        return scan(self.head, query) + np.float32(self.mean @ q)

    def split_scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bounds as bounds() gives, the head's share of each row's dot product): from one
        pass over the head; a row's dot product is its head share plus tail_scores."""
        q = np.asarray(vector, np.float32)
        query = _with_block_norms(self._rotate(q), self.edges)[0]
        kept = int(self.edges[0])
        bound = scan(self.head, query) + np.float32(self.mean @ q)
        norms = np.einsum("bn,b->n", self._block_norms, query[kept:])
        return bound, bound - norms

    def tail_scores(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """float32: the tail's share of these rows' dot products with vector."""
        kept = int(self.edges[0])
        if not self.tail.shape[1]:
            return np.zeros(len(rows), np.float32)
        query = self._rotate(np.asarray(vector, np.float32))[kept:]
        if len(rows) > len(self) // 4:  # many rows: one pass over all is faster (same bits)
            every: np.ndarray = scan(self.tail, query)[rows]
            return every
        return scan(gather_rows(self.tail, rows), query)

    def scores(self, rows: np.ndarray | None, vector: np.ndarray) -> np.ndarray:
        """float32: the exact dot products of these rows (all rows when None) with vector."""
        q = np.asarray(vector, np.float32)
        rotated = self._rotate(q)
        kept = int(self.edges[0])
        head_query = np.zeros(self.head.shape[1], np.float32)
        head_query[:kept] = rotated[:kept]
        head = self.head if rows is None else gather_rows(self.head, rows)
        tail = self.tail if rows is None else gather_rows(self.tail, rows)
        out = scan(head, head_query) + np.float32(self.mean @ q)
        if tail.shape[1]:
            out += scan(tail, rotated[kept:])
        return out


def _with_block_norms(rotated: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Rotated rows -> their first edges[0] coordinates, then the norm of each block."""
    rotated = np.atleast_2d(rotated)
    kept = int(edges[0])
    if len(edges) < 2:
        return rotated[:, :kept]
    rest = rotated[:, kept:]
    norms = np.sqrt(np.add.reduceat(rest * rest, edges[:-1] - kept, axis=1))
    return np.concatenate([rotated[:, :kept], norms], axis=1)
