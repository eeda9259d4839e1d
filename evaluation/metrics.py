"""Ranking metrics shared by the training code and the benchmarks (numpy only)."""

from __future__ import annotations

import numpy as np


def average_precision(ranked_relevance: np.ndarray) -> float:
    """AP of one full ranking (bool array in rank order); 0 when nothing is relevant."""
    hits = np.cumsum(ranked_relevance)
    total = int(ranked_relevance.sum())
    if total == 0:
        return 0.0
    ranks = np.flatnonzero(ranked_relevance) + 1
    return float(np.mean(hits[ranks - 1] / ranks))


def mean_average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """Mean AP over the columns (queries) of scores [n, q] with at least one relevant photo."""
    aps = []
    for j in range(scores.shape[1]):
        rel = relevant[:, j]
        if rel.any():
            aps.append(average_precision(rel[np.argsort(-scores[:, j], kind="stable")]))
    return float(np.mean(aps)) if aps else float("nan")


def chance_average_precision(relevant: np.ndarray) -> float:
    """Mean over queries of the share of relevant photos: the AP of a random ranking."""
    rate = relevant.mean(axis=0)
    return float(rate[rate > 0].mean())


def reciprocal_rank_and_recall(
    scores: np.ndarray, targets: np.ndarray, k: int = 10
) -> tuple[float, float]:
    """(MRR, recall@k) when query j's one relevant photo is targets[j]; scores is [n, q]."""
    target_scores = scores[targets, np.arange(len(targets))]
    ranks = (scores > target_scores[None, :]).sum(axis=0) + 1
    return float(np.mean(1.0 / ranks)), float(np.mean(ranks <= k))
