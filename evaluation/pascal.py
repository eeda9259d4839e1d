"""The shared Pascal Sentences photos: classes, captions, a fixed split and cached features.

The split is fixed by a hash of each file name, so every script and every model sees the same
held-out photos. Test photos are never used for training or for choosing anything.
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

PASCAL_DIR = REPO_ROOT.parent / "shared" / "data" / "pascal-sentences"
CACHE_DIR = REPO_ROOT / "benchmarks" / "out"
SPLIT_COUNTS = {"train": 24, "val": 6, "test": 10}  # per class, of 40


@dataclass(frozen=True)
class Photo:
    """One photo: its path, folder class, captions, VOC labels and split."""

    key: str  # "images/<class>/<file>"
    path: Path
    cls: str
    captions: tuple[str, ...]
    present: tuple[str, ...]
    split: str

    @property
    def caption_words(self) -> frozenset[str]:
        return frozenset(w for c in self.captions for w in re.findall(r"[a-z]+", c.lower()))


def available() -> bool:
    return (PASCAL_DIR / "captions.json").is_file()


def load_photos(root: Path = PASCAL_DIR) -> list[Photo]:
    """All 800 photos, sorted by key, each with its split."""
    captions = json.loads((root / "captions.json").read_text())
    labels = json.loads((root / "voc2008_labels.json").read_text())
    by_class: dict[str, list[str]] = {}
    for key, info in captions.items():
        by_class.setdefault(info["class"], []).append(key)
    split_of: dict[str, str] = {}
    for keys in by_class.values():
        ranked = sorted(keys, key=lambda k: hashlib.sha1(k.encode()).hexdigest())
        start = 0
        for split, n in SPLIT_COUNTS.items():
            for k in ranked[start : start + n]:
                split_of[k] = split
            start += n
        for k in ranked[start:]:
            split_of[k] = "train"
    photos = []
    for key in sorted(captions):
        info = captions[key]
        photos.append(
            Photo(
                key=key,
                path=root / key,
                cls=info["class"],
                captions=tuple(info["captions"]),
                present=tuple(labels.get(key, {}).get("present", [])),
                split=split_of[key],
            )
        )
    return photos


def features(
    photos: Sequence[Photo], backbone: str = "efficientnet-lite0", extra_dirs: tuple[Path, ...] = ()
) -> np.ndarray:
    """Raw CNN features [n, d] for photos, cached in benchmarks/out/ by backbone; extra_dirs
    are searched for an encoder that is not committed (efficientnet-lite2)."""
    from core.media.decode import load_pixels
    from core.models.encoder import ImageEncoder

    cache = CACHE_DIR / f"pascal-features-{backbone}.npz"
    keys = [p.key for p in photos]
    cached = load_cached(cache, keys)
    if cached is not None:
        return cached
    encoder = ImageEncoder(backbone, extra_dirs=extra_dirs)
    out = []
    for start in range(0, len(photos), 32):
        chunk = photos[start : start + 32]
        pixels = np.stack([load_pixels(p.path, encoder.input_size) for p in chunk])
        out.append(encoder.encode(pixels).features)
    feats = np.concatenate(out).astype(np.float32)
    save_cached(cache, keys, feats)
    return feats


def load_cached(cache: Path, keys: Sequence[str]) -> np.ndarray | None:
    """Features cached for these photo keys, in their order; None when any is missing."""
    if not cache.exists():
        return None
    with np.load(cache) as npz:
        stored = dict(zip(npz["keys"].tolist(), npz["features"], strict=True))
    if not all(k in stored for k in keys):
        return None
    return np.stack([stored[k] for k in keys]).astype(np.float32)


def save_cached(cache: Path, keys: Sequence[str], features: np.ndarray) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, keys=np.array(keys), features=features)


def precision_at_k(relevant: np.ndarray, k: int) -> float:
    """Mean over queries of the share of relevant items in the top k; relevant is [q, k] bool."""
    return float(np.asarray(relevant[:, :k], np.float64).mean())


def sampled_class_precision(
    scores: np.ndarray, labels: np.ndarray, relevant: np.ndarray, draws: int = 100
) -> float:
    """Mean class P@10 over random 10-a-class subsets, the shape of the test split.

    scores [n, classes] rank photos for each class query; labels [n] are folder classes (the
    draw is per folder class); relevant [n, classes] says which photos count for which query.
    """
    rng = np.random.default_rng(0)
    n_classes = scores.shape[1]
    out = []
    for _ in range(draws):
        subset = np.concatenate(
            [rng.choice(np.flatnonzero(labels == c), 10, replace=False) for c in range(n_classes)]
        )
        for c in range(n_classes):
            top = subset[np.argsort(-scores[subset, c])[:10]]
            out.append(relevant[top, c].mean())
    return float(np.mean(out))
