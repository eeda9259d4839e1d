"""The shared everyday photos (Flickr8k, Intel scenes, ImageNet sample) with fixed splits.

Each photo's split comes from a hash of its file name, so every script and every model sees
the same held-out photos: 20% test (figures are reported on these and nothing is chosen on
them), 10% val (models, blends and calibrations are chosen on these), the rest train. The
ImageNet sample is never trained on: half val, half test.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.storage.profile import REPO_ROOT

DATA_DIR = REPO_ROOT.parent / "shared" / "data"
FLICKR = "flickr8k-train"
SCENES = "intel-scenes-train"
IMAGENET = "imagenet-sample"
SOURCES = (FLICKR, SCENES, IMAGENET)
# Lite0 features of every shared photo, computed by `python -m export shared-features`.
FEATURE_CACHE = REPO_ROOT.parent / "cache-everyday"
SCENE_WORDS = {
    "buildings": "building",
    "forest": "forest",
    "glacier": "glacier",
    "mountain": "mountain",
    "sea": "sea",
    "street": "street",
}


@dataclass(frozen=True)
class SharedPhoto:
    """One photo of a shared source: key, captions, labels (scene or class) and split."""

    source: str
    key: str
    captions: tuple[str, ...]
    labels: tuple[str, ...]
    wnid: str | None
    split: str

    @property
    def path(self) -> Path:
        return DATA_DIR / self.source / self.key

    @property
    def caption_words(self) -> frozenset[str]:
        return frozenset(w for c in self.captions for w in re.findall(r"[a-z]+", c.lower()))


def split_of(key: str, source: str) -> str:
    """test, val or train, fixed by the file name's hash."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest(), 16) % 10
    if source == IMAGENET:
        return "val" if bucket < 5 else "test"
    return "test" if bucket < 2 else "val" if bucket == 2 else "train"


def available(source: str) -> bool:
    return (DATA_DIR / source / "labels.json").is_file()


def load(source: str, root: Path = DATA_DIR) -> list[SharedPhoto]:
    """Every photo of a source, sorted by key."""
    labels = json.loads((root / source / "labels.json").read_text())
    return [
        SharedPhoto(
            source=source,
            key=key,
            captions=tuple(info.get("captions", [])),
            labels=tuple(info.get("labels", [])),
            wnid=info.get("wnid"),
            split=split_of(key, source),
        )
        for key, info in sorted(labels.items())
    ]


def cached_features(
    source: str, keys: Sequence[str], view: str = "crop", cache: Path = FEATURE_CACHE
) -> np.ndarray:
    """Cached Lite0 features [n, 1280] for keys of a source, in their order."""
    with np.load(cache / f"{source}.{view}.npz") as npz:
        row = {k: i for i, k in enumerate(npz["names"].tolist())}
        feats = npz["features"]
        return np.asarray(feats[[row[k] for k in keys]], np.float32)


def split_indices(photos: Sequence[SharedPhoto], split: str) -> np.ndarray:
    return np.array([i for i, p in enumerate(photos) if p.split == split], np.int64)
