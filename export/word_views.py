"""Which view of the squashed Flickr8k photos trains and serves the word model best, on val.

    python -m export word-model --compare-views

Flickr8k photos were squashed to 224 x 224 upstream. "crop" is what the app computes (the
centre square, here the whole squashed frame); "unsquash" stretches them back to 4:3 first.
Scorers are fitted on the train photos with one view and scored on the Flickr8k val photos
with each view: mean AP of common caption words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from core.models.glove import WordVectors
from evaluation import everyday
from evaluation.metrics import mean_average_precision
from export.word_data import load_photos
from export.word_model import fit, relevance

WORDS = [
    "snow",
    "beach",
    "park",
    "night",
    "hat",
    "ball",
    "grass",
    "water",
    "street",
    "bench",
    "tennis",
    "toy",
    "mountain",
    "pool",
    "shirt",
    "jacket",
    "rock",
    "field",
    "sand",
    "wave",
    "ocean",
    "crowd",
    "fountain",
    "building",
    "tree",
    "road",
    "river",
    "lake",
    "dirt",
    "race",
    "soccer",
    "football",
    "swimming",
    "climbing",
    "surfer",
    "helmet",
    "fence",
    "wall",
    "city",
    "bike",
    "sidewalk",
    "dog",
    "man",
    "woman",
]


def compare_views(progress: Callable[[str], None] = print) -> dict[tuple[str, str], float]:
    """{(train view, val view): word mAP on Flickr8k val photos}."""
    glove = WordVectors(everyday.FEATURE_CACHE / "glove")
    crop = load_photos()
    keys = [p.key for p in everyday.load(everyday.FLICKR)]
    flickr = crop.source == everyday.FLICKR
    unsquash = replace(crop, features=crop.features.copy())
    unsquash.features[flickr] = everyday.cached_features(everyday.FLICKR, keys, "unsquash")
    views = {"crop": crop, "unsquash": unsquash}
    train = np.flatnonzero(crop.select(["train"]))
    val = np.flatnonzero(crop.select(["val"]) & flickr)
    out = {}
    for train_view, photos in views.items():
        fitted = fit(photos, train, glove)
        col = {w: j for j, w in enumerate(fitted.words)}
        words = [w for w in WORDS if w in col]
        rel, _ = relevance(crop, val, words)
        for val_view, shown in views.items():
            z = fitted.projection(shown.features[val])
            scores = (z @ fitted.weight.T + fitted.bias)[:, [col[w] for w in words]]
            out[train_view, val_view] = mean_average_precision(scores, rel)
            progress(f"train {train_view}, val {val_view}: {out[train_view, val_view]:.3f}")
    return out
