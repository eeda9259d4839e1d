"""Inputs of the DeViSE-style head: caption stop words, augmented views, caption vectors."""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.media.decode import open_image, read_file
from core.models.encoder import ImageEncoder
from core.models.glove import WordVectors
from core.vectors.ann import unit_rows

Progress = Callable[[str], None]

# Words that carry no visual content; captions are reduced to the rest.
CAPTION_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "near",
        "next",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "it's",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "him",
        "its",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "some",
        "several",
        "many",
        "other",
        "another",
        "each",
        "while",
        "as",
        "up",
        "down",
        "out",
        "off",
        "very",
        "who",
        "what",
        "which",
        "where",
        "when",
        "front",
        "behind",
        "top",
        "side",
        "back",
        "around",
        "through",
        "together",
        "along",
        "sitting",
        "standing",
        "looking",
        "lying",
        "laying",
        "holding",
        "sits",
        "stands",
        "looks",
        "lies",
        "lays",
        "holds",
        "being",
        "getting",
        "taking",
        "taken",
        "made",
        "make",
        "makes",
        "area",
        "image",
        "picture",
        "photo",
        "view",
        "shot",
    ]
)


def _no_progress(_: str) -> None:
    pass


# -- augmented features -----------------------------------------------------------------------


def augmented_views(path: Path, size: int, views: int, rng: np.random.Generator) -> np.ndarray:
    """[views, size, size, 3] uint8: the app's centre crop, its mirror, then random crops.

    Random crops cover 35-100% of the image's area with aspect 3:4 to 4:3, each mirrored at
    random, so the head learns from the framings people actually shoot.
    """
    from PIL import Image, ImageOps

    from core.media.decode import centre_crop_resize

    im = open_image(read_file(path), draft_size=size * 2)
    out = [centre_crop_resize(im, size)]
    if views > 1:
        out.append(centre_crop_resize(ImageOps.mirror(im), size))
    w, h = im.size
    while len(out) < views:
        area = rng.uniform(0.35, 1.0) * w * h
        aspect = float(np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3))))
        cw = min(w, round(np.sqrt(area * aspect)))
        ch = min(h, round(np.sqrt(area / aspect)))
        left = float(rng.uniform(0, w - cw + 1e-9))
        top = float(rng.uniform(0, h - ch + 1e-9))
        crop = im.resize(
            (size, size), Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch)
        )
        if rng.random() < 0.5:
            crop = ImageOps.mirror(crop)
        out.append(np.asarray(crop, np.uint8))
    return np.stack(out)


def encode_views(
    paths: Sequence[Path],
    encoder: ImageEncoder,
    views: int,
    seed: int = 0,
    progress: Progress = _no_progress,
    batch: int = 32,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (index, [views, feature_dim] features) for each path; view 0 is the app's view."""
    rng = np.random.default_rng(seed)
    per_batch = max(1, batch // views)
    for start in range(0, len(paths), per_batch):
        chunk = paths[start : start + per_batch]
        pixels = np.concatenate([augmented_views(p, encoder.input_size, views, rng) for p in chunk])
        feats = encoder.encode(pixels).features.reshape(len(chunk), views, -1)
        for i, f in enumerate(feats):
            yield start + i, f
        progress(
            f"encoded {min(start + per_batch, len(paths))}/{len(paths)} photos x {views} views"
        )


# -- targets ------------------------------------------------------------------------------------


def label_vector(words: WordVectors, label: str) -> np.ndarray | None:
    """Unit vector of a class name ("potted_plant" -> mean of "potted", "plant"), or None."""
    vec = words.phrase_vector(label)
    return None if vec is None else unit_rows(vec[None])[0]


def content_words(caption: str, words: WordVectors) -> list[str]:
    """The caption's words that carry content and have a GloVe vector."""
    tokens = re.findall(r"[a-z]+", caption.lower())
    return [t for t in tokens if t not in CAPTION_STOP_WORDS and words.id_of(t) is not None]


def caption_vector(caption: str, words: WordVectors) -> np.ndarray | None:
    """Unit mean of the unit GloVe vectors of a caption's content words, or None."""
    found = content_words(caption, words)
    if not found:
        return None
    vecs = unit_rows(np.stack([words.vectors[words.index[w]] for w in found]).astype(np.float32))
    out: np.ndarray = unit_rows(vecs.mean(axis=0, keepdims=True))[0]
    return out


def _standardise_layer(mean: np.ndarray, std: np.ndarray) -> Any:
    """(x - mean) / std as a layer whose statistics are stored like any other weights."""
    import keras

    class Standardise(keras.layers.Layer):  # type: ignore[misc]
        def build(self, input_shape: Any) -> None:
            dim = int(input_shape[-1])
            self.mean = self.add_weight(shape=(dim,), initializer="zeros", trainable=False)
            self.scale = self.add_weight(shape=(dim,), initializer="ones", trainable=False)

        def call(self, x: Any) -> Any:
            return (x - self.mean) * self.scale

    layer = Standardise(name="standardise")
    layer.build((None, int(mean.shape[0])))
    layer.set_weights([mean.astype(np.float32), (1.0 / std).astype(np.float32)])
    return layer
