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

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from export.devise_data import CAPTION_STOP_WORDS as CAPTION_STOP_WORDS
from export.devise_data import Progress as Progress
from export.devise_data import _no_progress, _standardise_layer
from export.devise_data import augmented_views as augmented_views
from export.devise_data import caption_vector as caption_vector
from export.devise_data import content_words as content_words
from export.devise_data import encode_views as encode_views
from export.devise_data import label_vector as label_vector
from export.devise_tags import PHOTO_WORDS as PHOTO_WORDS
from export.devise_tags import TagHeadConfig as TagHeadConfig
from export.devise_tags import add_tag_head as add_tag_head
from export.devise_tags import caption_word_counts as caption_word_counts
from export.devise_tags import train_tag_head as train_tag_head
from export.devise_tags import with_tag_head as with_tag_head
from export.onnx_convert import DEFAULT_OPSET, keras_to_onnx, max_abs_diff, run_onnx

INPUT_NAME = "features"
OUTPUT_NAME = "embedding"
TAG_OUTPUT = "tag_logits"
PARITY_TOLERANCE = 1e-4


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
