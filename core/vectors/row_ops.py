"""Row operations every vector store shares: a single-threaded matrix-vector product and a
whole-row gather (core/vectors/vector_store.py, rotated_rows.py and feature_cache.py)."""

from __future__ import annotations

import numpy as np


def scan(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector as float32, by numpy's own single-threaded loop (einsum), not OpenBLAS,
    whose threads on a busy two-core machine made it several times slower than one core."""
    out: np.ndarray = np.einsum("nd,d->n", matrix, np.asarray(vector, np.float32))
    return out.astype(np.float32, copy=False)


def gather_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """matrix[rows] for a C-contiguous matrix, copied a whole row at a time (1.5x faster than
    numpy's fancy indexing, which copies value by value)."""
    matrix = np.asarray(matrix)  # a memmap's own indexing adds overhead
    if not matrix.shape[1] or not matrix.flags.c_contiguous:
        return np.asarray(matrix[rows])
    whole_rows = np.dtype((np.void, matrix.shape[1] * matrix.dtype.itemsize))
    out: np.ndarray = matrix.view(whole_rows).reshape(-1)[rows].view(matrix.dtype)
    return out.reshape(len(rows), matrix.shape[1])
