"""Training data for the word model: cached features, caption-word targets and scene labels.

Sources: Pascal Sentences and Flickr8k (captions: each word's target is the share of the
photo's captions that use it) and the Intel scenes (one scene word per photo; the photos say
nothing about other words, so those are masked out of the loss).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluation import everyday, pascal
from export.devise import CAPTION_STOP_WORDS, PHOTO_WORDS
from export.word_classifiers import caption_targets

PASCAL = "pascal-sentences"
STOP = CAPTION_STOP_WORDS | PHOTO_WORDS
# VOC class names as people type them; each word of the name is a target.
VOC_WORDS = {
    "dining_table": "dining table",
    "potted_plant": "potted plant",
    "tv_monitor": "tv monitor",
}


@dataclass(frozen=True)
class Photos:
    """Every shared photo of the caption and scene sources, with features and splits."""

    source: np.ndarray  # [n] source name
    split: np.ndarray  # [n] train / val / test
    features: np.ndarray  # [n, feature_dim]
    captions: list[tuple[str, ...]]  # empty for scene photos
    scene: np.ndarray  # [n] scene word or ""
    objects: list[tuple[str, ...]]  # Pascal: the folder class and every VOC object present
    subject: list[str] = ()  # type: ignore[assignment]  # Pascal: the folder class, else ""

    def select(self, splits: Sequence[str]) -> np.ndarray:
        return np.isin(self.split, list(splits))


def load_photos(cache: Path = everyday.FEATURE_CACHE) -> Photos:
    pa = pascal.load_photos()
    fl = everyday.load(everyday.FLICKR)
    sc = everyday.load(everyday.SCENES)
    feats = [
        everyday.cached_features(PASCAL, [p.key for p in pa], cache=cache),
        everyday.cached_features(everyday.FLICKR, [p.key for p in fl], cache=cache),
        everyday.cached_features(everyday.SCENES, [p.key for p in sc], cache=cache),
    ]
    return Photos(
        source=np.array(
            [PASCAL] * len(pa) + [everyday.FLICKR] * len(fl) + [everyday.SCENES] * len(sc)
        ),
        split=np.array([p.split for p in pa] + [p.split for p in fl] + [p.split for p in sc]),
        features=np.concatenate(feats),
        captions=[p.captions for p in pa] + [p.captions for p in fl] + [() for _ in sc],
        objects=[tuple(VOC_WORDS.get(c, c) for c in {p.cls, *p.present}) for p in pa]
        + [() for _ in fl]
        + [() for _ in sc],
        subject=[VOC_WORDS.get(p.cls, p.cls) for p in pa] + [""] * (len(fl) + len(sc)),
        scene=np.array(
            [""] * (len(pa) + len(fl)) + [everyday.SCENE_WORDS[p.labels[0]] for p in sc]
        ),
    )


# The target of a VOC object that is in a Pascal photo but not its folder class (a chair in a
# "dining table" photo), when the captions use the word less often than that: the folder class
# is what the photo is of, and what a search for the word should put first.
PRESENT_TARGET = 1.0


@dataclass(frozen=True)
class Targets:
    words: list[str]
    targets: np.ndarray  # [n, words] in [0, 1]
    mask: np.ndarray  # [n, words] 1 where the photo says something about the word


def word_targets(
    photos: Photos, rows: np.ndarray, known: Callable[[str], bool], min_photos: int
) -> Targets:
    """Targets for photos[rows]: caption words used by >= min_photos of them, then scene words."""
    captioned = rows[np.array([bool(photos.captions[i]) for i in rows], bool)]
    words, shares = caption_targets(
        [photos.captions[i] for i in captioned],
        known,
        STOP,
        min_photos,
    )
    for w in everyday.SCENE_WORDS.values():
        if w not in words:
            words.append(w)
            shares = np.concatenate([shares, np.zeros((len(shares), 1), np.float32)], axis=1)
    index = {w: j for j, w in enumerate(words)}
    position = {int(r): i for i, r in enumerate(rows)}
    targets = np.zeros((len(rows), len(words)), np.float32)
    mask = np.zeros_like(targets)
    at = np.array([position[int(r)] for r in captioned], np.int64)
    targets[at] = shares
    mask[at] = 1.0
    # A VOC object in a Pascal photo makes its class words targets (the captions may not
    # name it: "a man on his bike" for a person and a bicycle).
    extra = sorted({w for r in rows for o in photos.objects[r] for w in o.split()} - set(index))
    for w in extra:
        index[w] = len(words)
        words.append(w)
    if extra:
        pad = np.zeros((len(rows), len(extra)), np.float32)
        targets, mask = np.concatenate([targets, pad], 1), np.concatenate([mask, pad], 1)
        mask[at] = 1.0
    for i, r in enumerate(rows):
        subject = photos.subject[r] if photos.subject else ""
        for o in photos.objects[r]:
            share = 1.0 if o == subject or not subject else PRESENT_TARGET
            for w in o.split():
                targets[i, index[w]] = max(targets[i, index[w]], share)
    scene_cols = [index[w] for w in everyday.SCENE_WORDS.values()]
    for i, r in enumerate(rows):
        if photos.scene[r]:
            mask[i, scene_cols] = 1.0
            targets[i, index[str(photos.scene[r])]] = 1.0
    return Targets(words, targets, mask)
