"""Variants of the word model's scorers tried on val for issue 20 (benchmarks/word_levers.py).

A Lever changes two steps of export.word_model.fit: the training targets (distilling the
ImageNet head's predictions, expanded through WordNet by resources/concepts.json, into the
words that name classes or their hypernyms) and the per-word scorers (logistic regression
instead of ridge for the frequent words). SHIPPED is the recipe `python -m export word-model`
builds with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from export.word_data import Photos, Targets


@dataclass(frozen=True)
class Lever:
    label: str
    logistic_min_positives: int = 0  # 0: ridge for every word
    logistic_l2: float = 1.0
    distill: float = 0.0  # the ImageNet teacher's share of the target, words naming classes
    distill_unlabelled: bool = False  # also teach photos whose labels say nothing of the word
    distill_only: frozenset[str] = frozenset()  # when not empty: teach these words alone
    glove_share: float = 1.0  # the GloVe cosine's share of its fitted weight in the word score


SHIPPED = Lever("ridge for every word (shipped)")


def teacher(features: np.ndarray, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """([n, words] the head's probability that a photo shows the word's classes, [words] the
    words with classes): sum over classes_for(word) of weight x softmax, clipped to 1."""
    from core.models.encoder import ImageEncoder, softmax
    from core.search.query_parse import load_concepts

    concepts = load_concepts()
    probs = softmax(ImageEncoder().logits(features))
    out = np.zeros((len(features), len(words)), np.float32)
    has = np.zeros(len(words), bool)
    for j, w in enumerate(words):
        classes = concepts.classes_for(w)
        if classes:
            idx = np.array(list(classes), np.int64)
            wt = np.array(list(classes.values()), np.float32)
            out[:, j] = np.minimum(probs[:, idx] @ wt, 1.0)
            has[j] = True
    return out, has


def distilled(lever: Lever, photos: Photos, rows: np.ndarray, targets: Targets) -> Targets:
    """targets, with the teacher's share mixed in for the words that name ImageNet classes."""
    if lever.distill <= 0:
        return targets
    p, has = teacher(photos.features[rows], targets.words)
    t, m = targets.targets.copy(), targets.mask.copy()
    if lever.distill_only:
        has &= np.isin(targets.words, list(lever.distill_only))
    cols = np.flatnonzero(has)
    known = m[:, cols] > 0
    t[:, cols] = np.where(
        known, (1 - lever.distill) * t[:, cols] + lever.distill * p[:, cols], p[:, cols]
    )
    if lever.distill_unlabelled:
        m[:, cols] = 1.0
    return Targets(targets.words, t, m)


def logistic_scorers(
    lever: Lever,
    z: np.ndarray,
    targets: Targets,
    row_weight: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    weighted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """weight, bias with the frequent words' ridge scorers replaced by logistic ones (L-BFGS on
    soft targets, L2 on the weights), mapped affinely onto the ridge scores' scale
    (least squares over the training photos), so that one calibration still serves all words
    and each word's ranking is the logistic one. weighted: the words whose rows count
    row_weight times."""
    if lever.logistic_min_positives <= 0:
        return weight, bias
    from scipy.optimize import minimize

    weight, bias = weight.copy(), bias.copy()
    x = np.concatenate([z, np.ones((len(z), 1), np.float32)], axis=1).astype(np.float64)
    positives = ((targets.targets > 0) * (targets.mask > 0)).sum(axis=0)
    l2 = np.full(x.shape[1], lever.logistic_l2)
    l2[-1] = 0.0  # the bias is not shrunk
    for j in np.flatnonzero(positives >= lever.logistic_min_positives):
        rows = targets.mask[:, j] > 0
        xs, y = x[rows], targets.targets[rows, j].astype(np.float64)
        sw = row_weight[rows] if weighted[j] else np.ones(len(y))

        start = np.zeros(x.shape[1])
        prior = np.clip(np.average(y, weights=sw), 1e-4, 1 - 1e-4)
        start[-1] = np.log(prior / (1 - prior))
        w = minimize(
            _loss, start, (xs, y, sw, l2), jac=True, method="L-BFGS-B", options={"maxiter": 300}
        ).x
        logit = xs @ w
        ridge = xs[:, :-1] @ weight[j] + bias[j]
        a = max(float(np.cov(logit, ridge)[0, 1] / max(float(np.var(logit)), 1e-12)), 1e-3)
        b = ridge.mean() - a * logit.mean()
        weight[j] = (a * w[:-1]).astype(np.float32)
        bias[j] = np.float32(a * w[-1] + b)
    return weight, bias


def _loss(
    w: np.ndarray, x: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted cross-entropy of soft targets y, with its gradient."""
    s = x @ w
    p = 1.0 / (1.0 + np.exp(-np.clip(s, -30, 30)))
    value = np.sum(sw * (np.logaddexp(0.0, s) - y * s)) + 0.5 * np.sum(l2 * w * w)
    return float(value), x.T @ (sw * (p - y)) + l2 * w
