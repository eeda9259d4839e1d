"""The word model's tag head: per-word scorers of "a caption of this photo uses the word".

Search ranks photos for a word by everything that says the photo shows it (a Pascal photo's VOC
objects make "person" a target of 40% of them); tags are judged by what people write, and
Pascal's captions say "man" or "people", not "person". So tags get their own ridge scorers,
trained on caption words and scene labels only, with their own calibration on val. Tags are
computed from a photo's stored features when shown, never from the index, so the head reads
all 1,280 centred unit features and costs nothing in the 178-d photo vector. Pascal photos
count TAG_PASCAL_WEIGHT times for every word (their captions are shorter and plainer than
Flickr8k's). Val tag P@5 (Pascal / Flickr8k, distinct tags over ~970 mixed photos): search
scorers times the caption share 0.397 / 0.462 / 353; this head on the 128-d z 0.425 / 0.480 /
405; Pascal weight 3 on z 0.457 / 0.482 / 347; on 1,280 features 0.513 / 0.511 / 365.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.vectors.ann import unit_rows
from export.word_classifiers import Projection, ridge_classifiers
from export.word_data import PASCAL, Photos, Targets, word_targets

TAG_RIDGE = 1.0  # chosen on val among 1 and 3 (Pascal tag P@5 0.513 against 0.505)
TAG_PASCAL_WEIGHT = 3.0  # chosen on val among 3, 6, 10 (6: Pascal +0.005, Flickr8k -0.009)
NEVER = -1.0  # the raw score of a word no caption uses (the ridge targets are in [0, 1])


@dataclass
class TagHead:
    weight: np.ndarray  # [words, feature_dim] on unit features less projection.mean
    bias: np.ndarray  # [words]
    prior: np.ndarray  # [words] share of the training photos whose captions use the word


def caption_only(targets: Targets, photos: Photos, rows: np.ndarray, min_photos: int) -> Targets:
    """targets' words, with targets from the captions and scene labels alone (no VOC objects);
    a word no caption uses is masked out everywhere."""
    no_objects = replace(photos, objects=[() for _ in photos.objects])
    known = set(targets.words)
    cap = word_targets(no_objects, rows, lambda w: w in known, min_photos)
    col = {w: j for j, w in enumerate(cap.words)}
    out = np.zeros_like(targets.targets)
    mask = np.zeros_like(targets.mask)
    for j, w in enumerate(targets.words):
        if w in col:
            out[:, j] = cap.targets[:, col[w]]
            mask[:, j] = cap.mask[:, col[w]]
    return Targets(targets.words, out, mask)


def fit_tag_head(
    projection: Projection,
    photos: Photos,
    rows: np.ndarray,
    targets: Targets,
    min_photos: int,
) -> TagHead:
    cap = caption_only(targets, photos, rows, min_photos)
    x = tag_inputs(projection, photos.features[rows])
    weight = np.zeros((len(cap.words), x.shape[1]), np.float32)
    bias = np.full(len(cap.words), NEVER, np.float32)
    used = np.flatnonzero(cap.mask.sum(axis=0) > 0)  # VOC-only words ("potted") stay NEVER
    row_weight = np.where(photos.source[rows] == PASCAL, TAG_PASCAL_WEIGHT, 1.0)
    weight[used], bias[used] = ridge_classifiers(
        x, cap.targets[:, used], cap.mask[:, used], TAG_RIDGE, row_weight
    )
    seen = cap.mask.sum(axis=0)
    prior = (cap.targets > 0).astype(np.float32).sum(axis=0) / np.maximum(seen, 1.0)
    return TagHead(weight, bias, prior)


def tag_inputs(projection: Projection, features: np.ndarray) -> np.ndarray:
    """The tag head's inputs: unit features less the projection's mean (as core/word_model)."""
    return np.asarray(unit_rows(np.asarray(features, np.float32)) - projection.mean, np.float32)
