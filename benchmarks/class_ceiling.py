"""How good can class-word search get on these features? A supervised classifier's ceiling.

    .venv/bin/python -m benchmarks.class_ceiling [--backbone efficientnet-lite2 --models-dir D]

A 20-way logistic regression is trained on the CNN features of the train+val photos (5-fold
cross-validation, never the test split) and ranks the held-out photos by its own class
probabilities: the strongest thing one can fit for exactly this query set, with the labels the
joint model never gets at query time. Class P@10 is measured as on the test split: 10 photos a
class drawn from the out-of-fold photos (100 draws), folder class or any VOC object relevant.
If the classifier stays far below a target, no head on these features will reach it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evaluation import pascal


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, l2: float, steps: int = 300) -> Any:
    """Multinomial logistic regression (full-batch Adam) on standardised x; returns a scorer."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xs = (x - mean) / std
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    m, v = np.zeros_like(w), np.zeros_like(w)
    for _ in range(steps):
        z = xs @ w + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = xs.T @ (p - onehot) / len(x) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= 0.01 * m / (np.sqrt(v) + 1e-8)
        b -= 0.01 * (p - onehot).mean(axis=0)

    def log_probs(features: np.ndarray) -> np.ndarray:
        z = ((features - mean) / std) @ w + b
        z = z - z.max(axis=1, keepdims=True)
        return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))

    return log_probs


def ceiling(
    photos: Sequence[pascal.Photo], feats: np.ndarray, l2: float = 0.03
) -> tuple[float, float, float]:
    """(accuracy, class P@10 folder, class P@10 VOC) of out-of-fold classifier scores."""
    from export.devise_pascal import cv_folds

    classes = sorted({p.cls for p in photos})
    labels = np.array([classes.index(p.cls) for p in photos])
    voc = np.array([[c == p.cls or c in p.present for c in classes] for p in photos])
    fold = cv_folds(photos)
    scores = np.zeros((len(photos), len(classes)))
    for f in range(5):
        fit, held = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        scores[held] = fit_softmax(feats[fit], labels[fit], len(classes), l2)(feats[held])
    strict = np.eye(len(classes), dtype=bool)[labels]
    accuracy = float((scores.argmax(axis=1) == labels).mean())
    return (
        accuracy,
        pascal.sampled_class_precision(scores, labels, strict),
        pascal.sampled_class_precision(scores, labels, voc),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--models-dir", type=Path, help="where an uncommitted encoder lives")
    args = parser.parse_args(argv)
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    photos = pascal.load_photos()
    extra = (args.models_dir,) if args.models_dir else ()
    feats = pascal.features(photos, args.backbone, extra)
    fit = [i for i, p in enumerate(photos) if p.split in ("train", "val")]
    photos, feats = [photos[i] for i in fit], feats[fit]
    accuracy, strict, voc = ceiling(photos, feats)
    print("| features | classifier accuracy | class P@10 | class P@10 (VOC) |")
    print("|---|---|---|---|")
    print(f"| {args.backbone} | {accuracy:.3f} | {strict:.3f} | {voc:.3f} |")
    print(f"\n5-fold CV over train+val ({len(photos)} photos); centre-crop features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
