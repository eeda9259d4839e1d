"""VGG16, the seed's backbone: Keras applications model exported to ONNX for the app.

Outputs are named like EfficientNet-Lite's: ``features`` is fc2 (4096-d, after ReLU) and
``logits`` the pre-softmax ImageNet scores. The classifier is also written as a head npz
(weight [1000, 4096], bias [1000]), so the app computes logits from stored features.
"""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from export.devise import converter_versions
from export.manifest import sha256_file
from export.onnx_convert import DEFAULT_OPSET, keras_to_onnx, max_abs_diff, run_onnx

NAME = "vgg16"
INPUT_NAME = "image"
OUTPUT_NAMES = ("features", "logits")
IMAGE_SIZE = 224
FEATURE_DIM = 4096
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
PARITY_TOLERANCE = 1e-4
# The conversion holds the Keras weights, the TF graph and the pure-Python protobuf of a
# 528 MB model at once: about 12 GB at peak. Below this it would only fail late and slowly.
MIN_AVAILABLE_RAM_GB = 8.0


class ExportError(Exception):
    """The export cannot run here; the message says why."""


def available_ram_gb() -> float | None:
    """MemAvailable from /proc/meminfo in GiB, or None where that is not readable."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_ram(minimum_gb: float = MIN_AVAILABLE_RAM_GB) -> None:
    """Fail early when far too little memory is free for the conversion."""
    free = available_ram_gb()
    if free is not None and free < minimum_gb:
        raise ExportError(
            f"VGG16 export needs about 12 GB of RAM; only {free:.1f} GB is available "
            f"(at least {minimum_gb:.0f} GB required). Close other programs and retry."
        )


def build_model(weights: str | Path | None, seed: int = 0) -> Any:
    """Keras VGG16 with dict outputs {features: fc2, logits: pre-softmax predictions}.

    weights: "imagenet" (downloaded by Keras), a .h5/.weights.h5 file, or None (random,
    seeded, for tests).
    """
    import keras

    keras.utils.set_random_seed(seed)
    source = "imagenet" if weights == "imagenet" else None
    try:
        base = keras.applications.VGG16(
            weights=source, include_top=True, classifier_activation=None
        )
    except Exception as e:  # Keras raises plain Exception/URLError subclasses offline
        raise ExportError(
            f"cannot download the VGG16 ImageNet weights ({e}); offline, pass --weights FILE.h5"
        ) from e
    if weights not in (None, "imagenet"):
        path = Path(str(weights))
        if not path.is_file():
            raise ExportError(f"weights file not found: {path}")
        try:
            base.load_weights(str(path))
        except Exception as e:  # h5py/Keras errors for a wrong or corrupt file
            raise ExportError(f"cannot load VGG16 weights from {path}: {e}") from e
    features = base.get_layer("fc2").output
    logits = base.get_layer("predictions").output
    return keras.Model(base.inputs, {"features": features, "logits": logits}, name="vgg16")


def classifier_head(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """(weight [1000, 4096], bias [1000]) of the predictions layer."""
    kernel, bias = model.get_layer("predictions").get_weights()
    return np.asarray(kernel.T, np.float32), np.asarray(bias, np.float32)


def export_vgg16(
    out_dir: Path,
    weights: str | Path | None,
    progress: Callable[[str], None] = lambda _: None,
    opset: int = DEFAULT_OPSET,
    model: Any = None,
) -> dict[str, Any]:
    """Write vgg16.onnx and vgg16-head.npz to out_dir; returns the manifest entry."""
    check_ram()
    if model is None:
        progress("building Keras VGG16 ...")
        model = build_model(weights)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{NAME}.onnx"
    head_path = out_dir / f"{NAME}-head.npz"
    progress("converting to ONNX (several minutes, ~12 GB of RAM) ...")
    keras_to_onnx(
        model,
        onnx_path,
        input_name=INPUT_NAME,
        input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
        output_names=list(OUTPUT_NAMES),
        opset=opset,
    )
    weight, bias = classifier_head(model)
    np.savez(head_path, weight=weight, bias=bias)

    progress("checking ONNX against Keras ...")
    rng = np.random.default_rng(0)
    # Caffe-preprocessed pixels lie in about [-124, 152]; two images also check the batch axis.
    batch = rng.uniform(-120, 130, (2, IMAGE_SIZE, IMAGE_SIZE, 3)).astype(np.float32)
    expected = {k: np.asarray(v) for k, v in model(batch, training=False).items()}
    diff = max_abs_diff(expected, run_onnx(onnx_path, {INPUT_NAME: batch}))
    worst = max(diff.values())
    if worst > PARITY_TOLERANCE:
        raise ExportError(f"ONNX differs from Keras by {worst:.2e}")
    if weights is None:
        source: dict[str, Any] = {"package": "keras.applications", "weights": "none (random)"}
    elif weights == "imagenet":
        source = {"package": "keras.applications", "weights": "imagenet"}
    else:
        source = {
            "package": "keras.applications",
            "weights_file": Path(str(weights)).name,
            "weights_sha256": sha256_file(weights),
        }
    return {
        "kind": "image-encoder",
        "file": onnx_path.name,
        "sha256": sha256_file(onnx_path),
        "head": {"file": head_path.name, "sha256": sha256_file(head_path)},
        "classes": "imagenet_classes.json",
        "num_classes": 1000,
        "feature_dim": FEATURE_DIM,
        "input": {
            "name": INPUT_NAME,
            "size": IMAGE_SIZE,
            "layout": "NHWC",
            "channel_order": "BGR",
            "mean": list(CAFFE_MEAN_BGR),
            "std": 1.0,
            "preprocessing": "caffe",
            "resize": "centre crop, then resize to size (bilinear)",
        },
        "outputs": {"features": "features", "logits": "logits"},
        "parity_max_abs_diff": {**diff, "inputs": "2 uniform[-120,130] tensors"},
        "source": source,
        "converter": converter_versions(opset),
        "rebuild": "python -m export vgg16 --weights FILE.h5 (or imagenet when online)",
    }
