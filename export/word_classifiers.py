"""Per-word linear classifiers on CNN features, trained on caption words and scene labels.

Numpy only (full-batch Adam on a multi-label logistic loss): the inputs are compact (the unit
features, centred and projected to 128-d), so a few hundred steps over ~9k photos take seconds.
A word's positives are weighted up to balance its negatives (Flickr8k leans to people and dogs,
so "man" would otherwise drown "frisbee"); the bias is then shifted back by that weight's log,
so that sigmoid(logit) stays close to "probability that a caption of the photo uses the word".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.vectors.ann import unit_rows


@dataclass(frozen=True)
class Projection:
    """Unit features, centred, projected on 128 fitted directions, then made unit again."""

    mean: np.ndarray  # [feature_dim]
    components: np.ndarray  # [dim, feature_dim]

    def __call__(self, features: np.ndarray) -> np.ndarray:
        z = (unit_rows(np.asarray(features, np.float32)) - self.mean) @ self.components.T
        return unit_rows(z)


@dataclass(frozen=True)
class ClassifierConfig:
    steps: int = 300
    learning_rate: float = 0.05
    weight_decay: float = 1e-4
    scale: float = 8.0  # unit inputs times this: logits need a range of about +-8
    balance: float = 0.5  # positive weight = (negatives / positives) ** balance


def train_classifiers(
    z: np.ndarray, targets: np.ndarray, mask: np.ndarray, config: ClassifierConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(weight [words, dim], bias [words]) for unit inputs z; targets in [0, 1]; mask 0: unknown."""
    d = z.shape[1]
    x = (z * config.scale).astype(np.float32)
    y = targets.astype(np.float32)
    m = mask.astype(np.float32)
    pos = np.maximum((y * m).sum(axis=0), 1.0)
    neg = np.maximum(((1.0 - y) * m).sum(axis=0), 1.0)
    omega = (neg / pos) ** config.balance
    sample_w = m * (1.0 + (omega - 1.0) * y)
    norm = sample_w.sum(axis=0)
    w = np.zeros((d, y.shape[1]), np.float32)
    prior = np.clip(pos / (pos + neg), 1e-4, 1 - 1e-4)
    b = np.log(prior * omega / (1 - prior)).astype(np.float32)
    params = [w, b]
    mom = [np.zeros_like(p) for p in params]
    var = [np.zeros_like(p) for p in params]
    for step in range(1, config.steps + 1):
        logits = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        g = (p - y) * sample_w / norm
        grads = [x.T @ g + config.weight_decay * w, g.sum(axis=0)]
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            mom[i] = 0.9 * mom[i] + 0.1 * grad
            var[i] = 0.999 * var[i] + 0.001 * grad * grad
            mhat = mom[i] / (1 - 0.9**step)
            vhat = var[i] / (1 - 0.999**step)
            param -= config.learning_rate * mhat / (np.sqrt(vhat) + 1e-8)
    weight = (w * config.scale).T.astype(np.float32)
    bias = (b - np.log(omega)).astype(np.float32)
    return weight, bias


TOKEN = re.compile(r"[a-z]+")
SPELLINGS = {"grey": "gray", "laying": "lying", "colour": "color", "colours": "color"}
NOT_PLURALS = frozenset(["shorts", "glasses", "pants", "jeans", "news", "clothes", "stairs"])


def singular_map(token_counts: dict[str, int]) -> dict[str, str]:
    """Plural -> singular where the singular is itself a caption word ("dogs" -> "dog",
    "beaches" -> "beach"); "grass" and "shorts" stay."""
    out = dict(SPELLINGS)
    for t in token_counts:
        if t in NOT_PLURALS or t.endswith("ss") or not t.endswith("s") or len(t) < 4:
            continue
        for stem in (t[:-2], t[:-1]) if t.endswith("es") else (t[:-1],):
            if token_counts.get(stem, 0) >= 2:
                out[t] = stem
                break
    return out


def caption_targets(
    captions: Sequence[Sequence[str]],
    known: Callable[[str], bool],
    stop: frozenset[str],
    min_photos: int,
) -> tuple[list[str], np.ndarray]:
    """(words, [photos, words] share of each photo's captions that use the word).

    Words are caption tokens (plurals folded) that known() accepts, not in stop, used by the
    captions of at least min_photos photos, in order of how many photos use them.
    """
    counts: dict[str, int] = {}
    for caps in captions:
        for c in caps:
            for t in TOKEN.findall(c.lower()):
                counts[t] = counts.get(t, 0) + 1
    fold = singular_map(counts)
    per_photo = [
        {fold.get(t, t) for c in caps for t in TOKEN.findall(c.lower())} for caps in captions
    ]
    photo_counts: dict[str, int] = {}
    for toks in per_photo:
        for t in toks:
            photo_counts[t] = photo_counts.get(t, 0) + 1
    words = [
        w
        for w, n in sorted(photo_counts.items(), key=lambda t: (-t[1], t[0]))
        if n >= min_photos and len(w) >= 3 and w not in stop and known(w)
    ]
    index = {w: j for j, w in enumerate(words)}
    out = np.zeros((len(captions), len(words)), np.float32)
    for i, caps in enumerate(captions):
        for c in caps:
            for t in {fold.get(t, t) for t in TOKEN.findall(c.lower())}:
                j = index.get(t)
                if j is not None:
                    out[i, j] += 1.0
        out[i] /= max(len(caps), 1)
    return words, out


def ridge_classifiers(
    z: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray,
    ridge: float = 1.0,
    row_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(weight [words, dim], bias [words]): least-squares scorers, one solve per mask pattern.

    Far cheaper than logistic regression (seconds, not minutes, on a shared 2-core machine);
    the scores are ranked as they are and mapped to probabilities by calibrate().
    """
    d = z.shape[1]
    x = np.concatenate([z, np.ones((len(z), 1), np.float32)], axis=1).astype(np.float64)
    root = np.ones(len(z)) if row_weight is None else np.sqrt(row_weight)
    x = x * root[:, None]
    targets = targets * root[:, None]
    weight = np.zeros((targets.shape[1], d), np.float32)
    bias = np.zeros(targets.shape[1], np.float32)
    patterns: dict[bytes, list[int]] = {}
    for j in range(targets.shape[1]):
        patterns.setdefault(np.packbits(mask[:, j] > 0).tobytes(), []).append(j)
    reg = ridge * np.eye(d + 1)
    reg[d, d] = 0.0
    for cols in patterns.values():
        rows = mask[:, cols[0]] > 0
        xs = x[rows]
        sol = np.linalg.solve(xs.T @ xs + reg, xs.T @ targets[rows][:, cols].astype(np.float64))
        weight[cols] = sol[:d].T
        bias[cols] = sol[d]
    return weight, bias


def fit_supervised_projection(
    features: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray,
    dim: int,
    ridge: float,
    row_weight: np.ndarray | None = None,
) -> Projection:
    """Reduced-rank ridge: the dim directions of the features that predict the word targets best.

    A full ridge from the centred unit features to every word's target, each word's fitted
    scores scaled by the square root of their spread (frequent words do not take every
    direction, rare ones do not get one each), then the top right singular vectors of those
    scores mapped back to feature directions, each scaled by its spread to the power -1/2
    (half-whitened). PCA keeps the directions the features vary most along, whatever the words.
    """
    if dim > targets.shape[1]:
        raise ValueError(f"{dim} directions need at least as many words, not {targets.shape[1]}")
    x = unit_rows(np.asarray(features, np.float32))
    mean = x.mean(axis=0)
    xc = x - mean
    b, _ = ridge_classifiers(xc, targets, mask, ridge, row_weight)  # [words, feature_dim]
    fitted = xc @ b.T
    spread = np.sqrt(fitted.std(axis=0) + 1e-6)
    _, _, vt = np.linalg.svd((fitted / spread).astype(np.float64), full_matrices=False)
    vt = vt[:dim] * np.sign(vt[np.arange(dim), np.abs(vt[:dim]).argmax(axis=1)])[:, None]
    directions = (b / spread[:, None]).T @ vt.T  # [feature_dim, dim]; signs fixed for rebuilds
    directions = directions / np.sqrt((xc @ directions).std(axis=0))
    return Projection(mean.astype(np.float32), directions.T.astype(np.float32))
