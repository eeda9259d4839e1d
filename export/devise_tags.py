"""The tag head beside the joint model: a linear softmax over the words captions use."""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from export.devise_data import Progress, _no_progress, _standardise_layer

INPUT_NAME = "features"
OUTPUT_NAME = "embedding"
TAG_OUTPUT = "tag_logits"

# -- the tag head -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagHeadConfig:
    """A linear softmax over the words captions use, beside the joint space (chosen by CV)."""

    min_photos: int = 3  # a word needs captions of this many training photos to be a tag
    views: int = 1  # augmented views per photo to train on (view 0 is the app's centre crop)
    l2: float = 1e-2
    steps: int = 200
    learning_rate: float = 0.01

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# Caption words about the picture rather than what is in it ("looking at the camera", "in the
# background"): never tags. Leaving them out cost nothing in cross-validated tag P@5.
PHOTO_WORDS = frozenset(
    [
        "camera",
        "background",
        "foreground",
        "photo",
        "photograph",
        "picture",
        "image",
        "view",
        "shot",
        "close",
        "closeup",
        "front",
        "side",
        "left",
        "right",
        "top",
        "bottom",
        "middle",
    ]
)


# One tag for a word however the captions spell it: "grey" counts as "gray", "dogs" as "dog".
SPELLINGS = {"grey": "gray", "laying": "lying", "colour": "color", "colours": "color"}
NOT_PLURALS = frozenset(["shorts", "glasses", "pants", "jeans", "news", "clothes", "stairs"])


def caption_word_counts(
    captions: Sequence[Sequence[str]], vocabulary: Sequence[str], min_photos: int
) -> tuple[list[str], np.ndarray]:
    """(tag words, [photos, words] counts of the captions that use each word).

    Tag words are the vocabulary's words, less PHOTO_WORDS, used in the captions of at least
    min_photos photos. A plural counts as its singular when the singular is a vocabulary word,
    and SPELLINGS are folded, so the tags never list twins.
    """
    index = {w: i for i, w in enumerate(vocabulary) if w not in PHOTO_WORDS}

    def canonical(token: str) -> str:
        token = SPELLINGS.get(token, token)
        if token.endswith("s") and token not in NOT_PLURALS and token[:-1] in index:
            return token[:-1]
        return token

    counts = np.zeros((len(captions), len(vocabulary)), np.float32)
    for i, caps in enumerate(captions):
        for caption in caps:
            for token in {canonical(t) for t in re.findall(r"[a-z]+", caption.lower())}:
                j = index.get(token)
                if j is not None:
                    counts[i, j] += 1.0
    keep = np.flatnonzero((counts > 0).sum(axis=0) >= min_photos)
    return [vocabulary[int(j)] for j in keep], counts[:, keep]


def train_tag_head(
    x: np.ndarray,
    counts: np.ndarray,
    config: TagHeadConfig,
    mean: np.ndarray,
    std: np.ndarray,
    progress: Progress = _no_progress,
) -> Any:
    """Keras model: standardise -> Dense(words) logits, trained full-batch with a softmax loss
    towards each photo's caption-word distribution (its counts, normalised).

    x [n, d] features (augmented views), counts [n, words]; mean/std as the joint head's
    (add_tag_head takes them from it).
    """
    import keras

    keras.utils.set_random_seed(0)
    target = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-6)
    x_in = keras.Input((int(x.shape[1]),), name=INPUT_NAME)
    h = _standardise_layer(mean, std)(x_in)
    logits = keras.layers.Dense(
        int(counts.shape[1]),
        kernel_initializer="zeros",
        kernel_regularizer=keras.regularizers.L2(config.l2 / 2),
        name=TAG_OUTPUT,
    )(h)
    model = keras.Model(x_in, {TAG_OUTPUT: logits}, name="tag_head")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss={TAG_OUTPUT: keras.losses.CategoricalCrossentropy(from_logits=True)},
    )
    progress(f"training the tag head: {counts.shape[1]} words, {config.steps} full-batch steps")
    model.fit(
        x.astype(np.float32),
        {TAG_OUTPUT: target.astype(np.float32)},
        batch_size=len(x),
        epochs=config.steps,
        shuffle=False,
        verbose=0,
    )
    return model


def add_tag_head(
    joint: Any,
    captions: Sequence[Sequence[str]],
    views: np.ndarray,
    vocabulary: Sequence[str],
    config: TagHeadConfig,
    progress: Progress = _no_progress,
) -> tuple[Any, list[str]]:
    """(model, tag words): the joint model with a tag head beside it, trained on the words of
    each photo's captions over its first config.views feature views ([photos, views, d]), and
    standardising features as the joint model does. (joint, []) when no word qualifies."""
    tag_words, counts = caption_word_counts(captions, vocabulary, config.min_photos)
    if not tag_words:
        return joint, []
    n_views = min(config.views, views.shape[1])
    mean, scale = joint.get_layer("standardise").get_weights()
    tags = train_tag_head(
        views[:, :n_views].reshape(-1, views.shape[-1]),
        np.repeat(counts, n_views, axis=0),
        config,
        mean=mean,
        std=1.0 / scale,
        progress=progress,
    )
    return with_tag_head(joint, tags), tag_words


def with_tag_head(joint: Any, tags: Any) -> Any:
    """One Keras model with both outputs: the joint embedding and the tag logits."""
    import keras

    x_in = keras.Input((int(joint.inputs[0].shape[-1]),), name=INPUT_NAME)
    outputs = {OUTPUT_NAME: joint(x_in)[OUTPUT_NAME], TAG_OUTPUT: tags(x_in)[TAG_OUTPUT]}
    return keras.Model(x_in, outputs, name="devise_with_tags")
