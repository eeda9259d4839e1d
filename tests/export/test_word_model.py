"""The word model's training pieces on small synthetic data: the supervised projection and the
caption-only tag head (their effect on the real photos is in benchmarks/word_model_val.py)."""

from __future__ import annotations

import numpy as np

from evaluation.metrics import average_precision
from export.word_classifiers import Projection, fit_supervised_projection, ridge_classifiers
from export.word_data import PASCAL, Photos, word_targets
from export.word_model_tags import fit_tag_head


def _held_out_map(projection: Projection, x: np.ndarray, y: np.ndarray) -> float:
    z = projection(x)
    w, b = ridge_classifiers(z[:300], y[:300], np.ones_like(y[:300]), 0.01)
    scores = z[300:] @ w.T + b
    return float(
        np.mean(
            [average_precision(y[300:, j][np.argsort(-scores[:, j])] > 0) for j in range(len(b))]
        )
    )


def test_supervised_projection_keeps_the_directions_the_words_need() -> None:
    """Words that depend on quiet features survive 8 dimensions; under PCA they are lost."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 64)) * 0.05
    x[:, :16] += rng.normal(size=(400, 16)) * 0.5  # loud directions that say nothing
    x[:, 63] += 1.0  # keep the features away from the origin before they are made unit
    y = (x[:, 40:48] > 0).astype(np.float32)  # 8 words, each on its own quiet feature
    supervised = fit_supervised_projection(x[:300], y[:300], np.ones_like(y[:300]), 8, 0.01)
    xc = x[:300] / np.linalg.norm(x[:300], axis=1, keepdims=True)
    mean = xc.mean(axis=0)
    pca = Projection(mean, np.linalg.svd(xc - mean, full_matrices=False)[2][:8])
    assert _held_out_map(supervised, x, y) >= 0.9
    assert _held_out_map(pca, x, y) <= 0.7


def test_tag_head_learns_what_captions_say_not_what_voc_lists() -> None:
    """Every Pascal photo lists a person; captions say "man": tags say man, never person."""
    rng = np.random.default_rng(1)
    n = 80
    features = rng.normal(size=(n, 32)).astype(np.float32)
    riders = features[:, 0] > 0
    captions = [
        ("a man riding a horse", "a man on a brown horse") if r else ("a horse in a field",) * 2
        for r in riders
    ]
    photos = Photos(
        source=np.array([PASCAL] * n),
        split=np.array(["train"] * n),
        features=features,
        captions=captions,
        scene=np.array([""] * n),
        objects=[("person", "horse")] * n,
        subject=["horse"] * n,
    )
    rows = np.arange(n)
    targets = word_targets(photos, rows, lambda w: True, 3)
    assert targets.targets[:, targets.words.index("person")].min() == 1.0  # search learns it
    mean = (features / np.linalg.norm(features, axis=1, keepdims=True)).mean(axis=0)
    head = fit_tag_head(Projection(mean, np.eye(32, dtype=np.float32)), photos, rows, targets, 1)
    x = features / np.linalg.norm(features, axis=1, keepdims=True) - mean
    scores = x @ head.weight.T + head.bias
    man, person = targets.words.index("man"), targets.words.index("person")
    assert (scores[:, person] < scores[:, man]).all()
    assert head.prior[person] == 0.0
    assert scores[riders, man].mean() > scores[~riders, man].mean() + 0.5
