"""Cache the Lite0 features of every shared photo (what the app stores when it indexes them).

    python -m export shared-features [--cache DIR]

One file per source, SOURCE.crop.npz (names, features): the app's view, a centre square.
Flickr8k photos were squashed to 224 x 224 upstream, so their centre square is the whole
squashed frame; flickr8k-train.unsquash.npz holds the other view (stretched back to 4:3, then
the centre square) for comparing the two on held-out photos.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from core.media.decode import centre_crop_resize, open_image, read_file
from core.models.encoder import ImageEncoder
from evaluation.everyday import DATA_DIR, FEATURE_CACHE, FLICKR, IMAGENET, SCENES

PASCAL = "pascal-sentences"


def photo_names(source: str) -> list[str]:
    index = "captions.json" if source == PASCAL else "labels.json"
    return sorted(json.loads((DATA_DIR / source / index).read_text()))


def unsquash(im: Image.Image, size: int) -> np.ndarray:
    """Stretch a squashed square back to 4:3 landscape, then take the app's centre square."""
    w, h = im.size
    return centre_crop_resize(im.resize((round(w * 4 / 3), h), Image.Resampling.BILINEAR), size)


def cache_source(
    source: str, view: str, cache: Path, encoder: ImageEncoder, progress: Callable[[str], None]
) -> Path:
    out = cache / f"{source}.{view}.npz"
    if out.exists():
        return out
    names = photo_names(source)
    size = encoder.input_size
    feats = np.zeros((len(names), encoder.feature_dim), np.float32)
    for start in range(0, len(names), 32):
        batch = []
        for name in names[start : start + 32]:
            im = open_image(read_file(DATA_DIR / source / name), draft_size=size)
            batch.append(centre_crop_resize(im, size) if view == "crop" else unsquash(im, size))
        feats[start : start + len(batch)] = encoder.encode(np.stack(batch)).features
        progress(f"{source} ({view}): {start + len(batch)}/{len(names)}")
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(out, names=np.array(names), features=feats)
    return out


def cache_all(cache: Path = FEATURE_CACHE, progress: Callable[[str], None] = print) -> None:
    encoder = ImageEncoder()
    for source in (PASCAL, IMAGENET, SCENES, FLICKR):
        cache_source(source, "crop", cache, encoder, progress)
    cache_source(FLICKR, "unsquash", cache, encoder, progress)
