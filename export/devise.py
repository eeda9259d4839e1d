"""DeViSE-style joint model: CNN features -> GloVe space, trained with Keras, exported to ONNX.

The seed replaced VGG16's classifier with Dense(2000) and a dense layer the size of the word
vectors, trained so a photo lands on its label's word vector. Here the CNN stays frozen: its
pooled features are computed once (several augmented views per training photo) and only the
head is trained, which takes seconds instead of hours. The head is small and its ONNX file
takes features in and gives unit vectors out, so the app runs it after its stored features.
"""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from core.ann import unit_rows
from core.decode import open_image, read_file
from core.models import ImageEncoder
from core.words import WordVectors
from export.onnx_convert import DEFAULT_OPSET, keras_to_onnx, max_abs_diff, run_onnx

INPUT_NAME = "features"
OUTPUT_NAME = "embedding"
TAG_OUTPUT = "tag_logits"
PARITY_TOLERANCE = 1e-4
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

    from core.decode import centre_crop_resize

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


# -- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadConfig:
    """Hyper-parameters of the joint head; chosen on the validation split."""

    hidden: int = 2000  # 0: a single linear map, as in a ridge stand-in
    dropout: float = 0.5
    # "cosine": pull onto one target vector; "hinge": DeViSE's rank loss against the batch's
    # other targets; "softmax": rank the words a photo's captions use above every other word
    # of a vocabulary (targets are then word distributions over that vocabulary).
    loss: str = "softmax"
    margin: float = 0.2
    temperature: float = 0.05
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    # Multi-task: weight of a softmax over the class names' word vectors (the fixed GloVe
    # vectors are the classifier's weights), beside the caption-word softmax (weight 1 - this).
    class_weight: float = 0.0
    class_temperature: float = 0.05
    label_smoothing: float = 0.0
    # Weight of the other direction of each softmax (CLIP-style): for every word (and class),
    # a softmax over the batch's photos, so the photos a word describes outrank the batch's
    # other photos for that word; that ranking is exactly what a text search does.
    image_weight: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_head(
    feature_mean: np.ndarray, feature_std: np.ndarray, embed_dim: int, config: HeadConfig
) -> Any:
    """Keras model: standardise -> [Dense(hidden, relu)] -> Dense(embed_dim) -> unit length."""
    import keras

    keras.utils.set_random_seed(config.seed)
    dim = int(feature_mean.shape[0])
    x_in = keras.Input((dim,), name=INPUT_NAME)
    # Weights, not constants: tf2onnx would turn captured constants into extra graph inputs.
    x = _standardise_layer(feature_mean, feature_std)(x_in)
    x = keras.layers.Dropout(config.dropout, name="dropout_in")(x)
    if config.hidden:
        x = keras.layers.Dense(config.hidden, activation="relu", name="hidden")(x)
        x = keras.layers.Dropout(config.dropout, name="dropout_hidden")(x)
    x = keras.layers.Dense(embed_dim, name="to_words")(x)
    out = keras.layers.UnitNormalization(name=OUTPUT_NAME)(x)
    return keras.Model(x_in, {OUTPUT_NAME: out}, name="devise_head")


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


def _loss(
    config: HeadConfig, vocabulary: np.ndarray | None, classes: np.ndarray | None = None
) -> Callable[[Any, Any], Any]:
    from keras import ops

    def cosine(target: Any, pred: Any) -> Any:
        return 1.0 - ops.sum(target * pred, axis=-1)

    def hinge(target: Any, pred: Any) -> Any:
        # DeViSE: the right word vector must beat every other target in the batch by a margin.
        own = ops.sum(target * pred, axis=-1, keepdims=True)
        other = ops.matmul(pred, ops.transpose(target))
        same = ops.cast(ops.matmul(target, ops.transpose(target)) > 0.999, pred.dtype)
        viol = ops.relu(config.margin - own + other) * (1.0 - same)
        return ops.sum(viol, axis=-1) / ops.maximum(ops.sum(1.0 - same, axis=-1), 1.0)

    def both_ways(target: Any, logits: Any) -> Any:
        # Per photo: rank its words over the vocabulary, and (image_weight) rank the photo
        # over the batch's photos for each of its words.
        loss = -ops.sum(target * ops.log_softmax(logits, axis=-1), axis=-1)
        if config.image_weight > 0:
            loss = loss - config.image_weight * ops.sum(
                target * ops.log_softmax(logits, axis=0), axis=-1
            )
        return loss

    def word_softmax(target: Any, pred: Any) -> Any:
        assert vocabulary is not None
        logits = ops.matmul(pred, ops.convert_to_tensor(vocabulary.T)) / config.temperature
        return both_ways(target, logits)

    def softmax(target: Any, pred: Any) -> Any:
        if classes is None:
            return word_softmax(target, pred)
        # Targets are [word distribution (V), class one-hot (C)] side by side.
        n_words = int(vocabulary.shape[0]) if vocabulary is not None else 0
        words_part, class_part = target[:, :n_words], target[:, n_words:]
        n_cls = int(classes.shape[0])
        smooth = class_part * (1.0 - config.label_smoothing) + config.label_smoothing / n_cls
        logits = ops.matmul(pred, ops.convert_to_tensor(classes.T)) / config.class_temperature
        class_loss = both_ways(smooth, logits)
        if config.class_weight >= 1.0:
            return class_loss
        return (1.0 - config.class_weight) * word_softmax(
            words_part, pred
        ) + config.class_weight * class_loss

    losses = {"cosine": cosine, "hinge": hinge, "softmax": softmax}
    if config.loss == "softmax" and vocabulary is None:
        raise ValueError("the softmax loss needs a vocabulary")
    return losses[config.loss]


def train_head(
    x: np.ndarray,
    y: np.ndarray,
    config: HeadConfig,
    vocabulary: np.ndarray | None = None,
    progress: Progress = _no_progress,
    classes: np.ndarray | None = None,
) -> Any:
    """Fit the head on features x [n, d]; returns the Keras model.

    y holds unit target vectors [n, embed_dim], or for the softmax loss word distributions
    [n, V] over vocabulary [V, embed_dim] (unit rows), followed by class one-hots [n, C] over
    classes [C, embed_dim] (unit rows) when classes is given.
    """
    import keras

    mean = x.mean(axis=0)
    std = np.maximum(x.std(axis=0), 1e-3)
    dim = y.shape[1] if vocabulary is None else vocabulary.shape[1]
    model = build_head(mean, std, dim, config)
    optimizer = keras.optimizers.AdamW(
        learning_rate=config.learning_rate, weight_decay=config.weight_decay
    )
    model.compile(optimizer=optimizer, loss={OUTPUT_NAME: _loss(config, vocabulary, classes)})

    class Report(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            loss = (logs or {}).get("loss", float("nan"))
            progress(f"epoch {epoch + 1}/{config.epochs}  loss {loss:.4f}")

    model.fit(
        x.astype(np.float32),
        {OUTPUT_NAME: y.astype(np.float32)},
        batch_size=config.batch_size,
        epochs=config.epochs,
        shuffle=True,
        verbose=0,
        callbacks=[Report()],
    )
    return model


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


def ensemble_heads(models: Sequence[Any]) -> Any:
    """One Keras model whose output is the unit mean of several trained heads' unit outputs.

    The heads must share their input statistics (trained on the same features); the result
    exports to one ONNX file like a single head.
    """
    import keras

    if len(models) == 1:
        return models[0]
    first = models[0]
    mean, scale = first.get_layer("standardise").get_weights()
    x_in = keras.Input((int(mean.shape[0]),), name=INPUT_NAME)
    std = _standardise_layer(mean, 1.0 / scale)
    x = std(x_in)
    outs = []
    for i, m in enumerate(models):
        h = x
        if any(layer.name == "hidden" for layer in m.layers):
            hidden = m.get_layer("hidden")
            h = keras.layers.Dense(hidden.units, activation="relu", name=f"hidden_{i}")(h)
        to_words = m.get_layer("to_words")
        h = keras.layers.Dense(to_words.units, name=f"to_words_{i}")(h)
        outs.append(keras.layers.UnitNormalization(name=f"unit_{i}")(h))
    mean_out = keras.layers.Average(name="average")(outs)
    out = keras.layers.UnitNormalization(name=OUTPUT_NAME)(mean_out)
    model = keras.Model(x_in, {OUTPUT_NAME: out}, name="devise_ensemble")
    for i, m in enumerate(models):
        if any(layer.name == "hidden" for layer in m.layers):
            model.get_layer(f"hidden_{i}").set_weights(m.get_layer("hidden").get_weights())
        model.get_layer(f"to_words_{i}").set_weights(m.get_layer("to_words").get_weights())
    return model


def embed(model: Any, x: np.ndarray, output: str = OUTPUT_NAME) -> np.ndarray:
    """The Keras model's unit vectors (or another output) for features x."""
    out = model.predict(np.asarray(x, np.float32), batch_size=512, verbose=0)
    return np.asarray(out[output], np.float32)


# -- export -------------------------------------------------------------------------------------


def export_head(
    model: Any, out_path: Path, parity_inputs: np.ndarray, opset: int = DEFAULT_OPSET
) -> float:
    """Write the ONNX file and return the max abs difference from Keras on parity_inputs,
    over every output (the embedding, and the tag logits when the model has a tag head).

    Raises ValueError when the difference exceeds PARITY_TOLERANCE.
    """
    dim = int(model.inputs[0].shape[-1])
    names = sorted(model.output.keys()) if isinstance(model.output, dict) else [OUTPUT_NAME]
    keras_to_onnx(
        model,
        out_path,
        input_name=INPUT_NAME,
        input_shape=(dim,),
        output_names=names,
        opset=opset,
    )
    x = np.asarray(parity_inputs, np.float32)
    out = model.predict(x, batch_size=512, verbose=0)
    expected = {n: np.asarray(out[n], np.float32) for n in names}
    got = run_onnx(out_path, {INPUT_NAME: x})
    diff = max(max_abs_diff(expected, got).values())
    if diff > PARITY_TOLERANCE:
        raise ValueError(f"ONNX output differs from Keras by {diff:.2e} (> {PARITY_TOLERANCE})")
    return diff


def converter_versions(opset: int = DEFAULT_OPSET) -> dict[str, Any]:
    """Versions of the tools that produced an export, for the manifest."""
    return {
        "keras": version("keras"),
        "tensorflow": version("tensorflow"),
        "tf2onnx": version("tf2onnx"),
        "onnx": version("onnx"),
        "opset": opset,
    }
