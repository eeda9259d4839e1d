"""Fit the `similar` score calibration on Pascal train+val; report shown-list quality on test.

    .venv/bin/python -m benchmarks.calibration [--write]

A pair (query photo, other photo) is relevant when the other photo shows the query's folder
class (its folder class, or an object VOC lists in it). For every train+val query against
every other train+val photo, a logistic curve maps the app's cosine to P(relevant): one for
plain `similar` (image vectors as the app stores them), one for `similar --class` with the
ImageNet class that names the query's Pascal class. --write saves the curves where the app
reads them (resources/models/efficientnet-lite0-similarity.json).

The report uses only the 200 test photos (queries and candidates): precision of the shown
list and recall of the relevant photos, for fixed-length lists (before) and lists cut at a
calibrated score (after).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np

from core.models.encoder import ImageEncoder
from core.models.imagenet import resolve_class
from core.models.joint import ImageSpace
from core.search.calibration import Curve, calibration_path
from core.storage.atomic import atomic_write_bytes
from core.storage.feature_codec import decode_rows, encode_rows
from core.vectors.ann import unit_rows
from core.vectors.feature_cache import class_scores
from evaluation import pascal

BACKBONE = "efficientnet-lite0"
# The ImageNet class a user would pick for each Pascal class with `similar --class`.
CLASS_FOR = {
    "aeroplane": "airliner",
    "bicycle": "mountain bike",
    "bird": "goldfinch",
    "boat": "speedboat",
    "bottle": "beer bottle",
    "bus": "school bus",
    "car": "sports car",
    "cat": "tabby",
    "chair": "folding chair",
    "cow": "ox",
    "dining_table": "dining table",
    "dog": "golden retriever",
    "horse": "sorrel",
    "motorbike": "moped",
    "person": "groom",
    "potted_plant": "pot",
    "sheep": "ram",
    "sofa": "studio couch",
    "train": "passenger car",
    "tv_monitor": "television",
}
LISTS: list[tuple[str, int, float | None]] = [
    ("top 10 (before)", 10, None),
    ("top 100 (before: the GUI's list)", 100, None),
    ("score >= 0.3, at most 100", 100, 0.3),
    ("score >= 0.5, at most 100", 100, 0.5),
    ("score >= 0.5, at most 10", 10, 0.5),
]


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 50) -> Curve:
    """Maximum-likelihood 1-d logistic regression by Newton's method."""
    a = np.stack([x, np.ones_like(x)], axis=1).astype(np.float64)
    w = np.zeros(2)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a @ w)))
        grad = a.T @ (y - p)
        hess = (a * (p * (1 - p))[:, None]).T @ a + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w += step
        if np.abs(step).max() < 1e-10:
            break
    return Curve(float(w[0]), float(w[1]))


def relevance(photos: list[pascal.Photo]) -> np.ndarray:
    """[n, n] bool: photo j shows photo i's folder class."""
    shows = np.array([[p.cls == c or c in p.present for p in photos] for c in CLASS_FOR])
    classes = list(CLASS_FOR)
    return np.array([shows[classes.index(p.cls)] for p in photos])


def pair_scores(
    photos: list[pascal.Photo], feats: np.ndarray, space: ImageSpace, weights: np.ndarray
) -> dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """Per kind, scores(queries, candidates) -> [q, c] cosines, as the app computes them."""
    codes, ranges = encode_rows(feats)
    stored = decode_rows(codes, ranges)  # the catalog keeps 8 bits a value
    vectors = unit_rows(space.transform(stored)).astype(np.float16).astype(np.float32)
    head = np.array([weights[resolve_class(CLASS_FOR[p.cls]).index] for p in photos])

    def image(q: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.asarray(vectors[q] @ vectors[c].T, np.float32)

    def by_class(q: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.stack([class_scores(stored[c], stored[i], head[i]) for i in q])

    return {"image": image, "class": by_class}


def pairs(scores: np.ndarray, rel: np.ndarray, q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Mask of (query, candidate) pairs that are not the query itself."""
    return np.asarray(q[:, None] != c[None, :])


def shown_quality(
    scores: np.ndarray,
    rel: np.ndarray,
    self_mask: np.ndarray,
    curve: Curve,
    k: int,
    cut: float | None,
) -> tuple[float, float, float]:
    """(mean photos shown, precision of the shown lists, recall of relevant photos)."""
    shown, precision, recall = [], [], []
    for s, r, ok in zip(scores, rel, self_mask, strict=True):
        s, r = s[ok], r[ok]
        order = np.argsort(-s)[:k]
        if cut is not None:
            order = order[np.array([curve(float(x)) >= cut for x in s[order]], bool)]
        shown.append(len(order))
        if len(order):
            precision.append(r[order].mean())
        recall.append(r[order].sum() / max(r.sum(), 1))
    return float(np.mean(shown)), float(np.mean(precision)), float(np.mean(recall))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the curves for the app")
    args = parser.parse_args()
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    photos = pascal.load_photos()
    feats = pascal.features(photos)
    encoder = ImageEncoder(BACKBONE)
    space = ImageSpace(encoder)
    kinds = pair_scores(photos, feats, space, encoder.head[0])
    rel = relevance(photos)
    split = np.array([p.split for p in photos])
    fit = np.flatnonzero(split != "test")
    test = np.flatnonzero(split == "test")
    curves: dict[str, Curve] = {}
    for kind, scores_of in kinds.items():
        s = scores_of(fit, fit)
        mask = pairs(s, rel, fit, fit)
        curves[kind] = fit_logistic(s[mask], rel[np.ix_(fit, fit)][mask].astype(np.float64))
    print("| command | list | photos shown | precision | recall |\n|---|---|---|---|---|")
    for kind, scores_of in kinds.items():
        s = scores_of(test, test)
        mask = pairs(s, rel, test, test)
        r = rel[np.ix_(test, test)]
        name = "similar" if kind == "image" else "similar --class"
        for label, k, cut in LISTS:
            shown, precision, recall = shown_quality(s, r, mask, curves[kind], k, cut)
            print(f"| {name} | {label} | {shown:.1f} | {precision:.3f} | {recall:.3f} |")
    for kind, c in curves.items():
        cos_half = -c.intercept / c.slope
        print(f"\n{kind}: slope {c.slope:.2f}, intercept {c.intercept:.2f}", end="")
        print(f" (0.5 at cosine {cos_half:.3f})")
    if args.write:
        out = {
            "backbone": BACKBONE,
            "image_space": space.name,
            "relevant": "the other photo shows the query's class (folder class or VOC object)",
            "fit_on": "Pascal Sentences train+val (600 photos, every pair); test never used",
            "command": ".venv/bin/python -m benchmarks.calibration --write",
            "curves": {k: {"slope": c.slope, "intercept": c.intercept} for k, c in curves.items()},
        }
        path = calibration_path(BACKBONE)
        atomic_write_bytes(path, (json.dumps(out, indent=1) + "\n").encode(), mode=0o644)
        print(f"wrote {path}")
    print("\ncommand: .venv/bin/python -m benchmarks.calibration")
    return 0


if __name__ == "__main__":
    sys.exit(main())
