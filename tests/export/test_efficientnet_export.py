"""Keras EfficientNet-Lite0 with the real ImageNet weights, exported to ONNX, matches Keras."""

from __future__ import annotations

import os

# Chosen before TensorFlow/onnx load protobuf, as `python -m export` does.
os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# A guard for machines without the export group; CI installs it, so these tests do run there.
tf = pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")
ort = pytest.importorskip("onnxruntime")

from export.efficientnet_lite import (  # noqa: E402
    VARIANTS,
    build_pretrained,
    export_encoder,
    weights_file,
)
from export.manifest import sha256_file, update_manifest_entry  # noqa: E402
from export.onnx_convert import keras_to_onnx  # noqa: E402
from export.torch_legacy import TorchLegacyError, load_state_dict  # noqa: E402

pytestmark = pytest.mark.slow

LITE0 = VARIANTS["efficientnet-lite0"]
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def keras_lite0() -> Any:
    return build_pretrained(LITE0)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out_dir = tmp_path_factory.mktemp("models")
    entry = export_encoder(LITE0, out_dir, real_images=[])
    update_manifest_entry(LITE0.name, entry, manifest_path=out_dir / "manifest.json")
    return out_dir, entry


def _session(path: Path) -> Any:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_onnx_matches_keras_on_features_and_logits(
    keras_lite0: Any, exported: tuple[Path, dict[str, Any]]
) -> None:
    out_dir, entry = exported
    rng = np.random.default_rng(42)
    # A batch of 3 also checks that the batch axis really is dynamic.
    noise = rng.uniform(-1, 1, (2, 224, 224, 3))
    gradient = np.broadcast_to(np.linspace(-1, 1, 224)[None, :, None, None], (1, 224, 224, 3))
    batch = np.concatenate([noise, gradient.transpose(0, 2, 1, 3)]).astype(np.float32)

    expected = {k: np.asarray(v) for k, v in keras_lite0(batch, training=False).items()}
    got = dict(
        zip(
            ["features", "logits"],
            _session(out_dir / entry["file"]).run(["features", "logits"], {"image": batch}),
            strict=True,
        )
    )

    assert got["features"].shape == (3, 1280)
    assert got["logits"].shape == (3, 1000)
    np.testing.assert_allclose(got["features"], expected["features"], rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(got["logits"], expected["logits"], rtol=0, atol=TOLERANCE)
    # Features are pooled after ReLU6, so they lie in [0, 6].
    assert got["features"].min() >= 0.0
    assert got["features"].max() <= 6.0


def test_exported_graph_has_named_io_with_dynamic_batch(
    exported: tuple[Path, dict[str, Any]],
) -> None:
    out_dir, entry = exported
    session = _session(out_dir / entry["file"])
    inputs = session.get_inputs()
    assert [(i.name, i.shape[1:]) for i in inputs] == [("image", [224, 224, 3])]
    assert isinstance(inputs[0].shape[0], str)  # symbolic batch dimension
    assert sorted(o.name for o in session.get_outputs()) == ["features", "logits"]


def test_manifest_entry_describes_the_written_files(
    keras_lite0: Any, exported: tuple[Path, dict[str, Any]]
) -> None:
    out_dir, _ = exported
    entry = json.loads((out_dir / "manifest.json").read_text())["models"]["efficientnet-lite0"]
    assert entry["sha256"] == sha256_file(out_dir / entry["file"])
    assert entry["head"]["sha256"] == sha256_file(out_dir / entry["head"]["file"])
    assert entry["source"]["weights_sha256"] == sha256_file(weights_file(LITE0))
    assert entry["input"] == {
        "name": "image",
        "size": 224,
        "layout": "NHWC",
        "channel_order": "RGB",
        "mean": 127.0,
        "std": 128.0,
        "resize": "centre crop, then resize to size (bilinear)",
    }
    assert max(entry["parity_max_abs_diff"][k] for k in ("features", "logits")) <= TOLERANCE

    kernel, bias = keras_lite0.get_layer("_fc").get_weights()
    with np.load(out_dir / entry["head"]["file"]) as head:
        assert head["weight"].shape == (1000, 1280)
        assert head["weight"].dtype == np.float32
        np.testing.assert_array_equal(head["weight"], kernel.T)
        np.testing.assert_array_equal(head["bias"], bias)


def test_reexport_is_byte_identical(
    keras_lite0: Any, exported: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # The manifest's sha256 is only checkable provenance if the rebuild command reproduces it.
    _, entry = exported
    again = tmp_path / "again.onnx"
    keras_to_onnx(
        keras_lite0,
        again,
        input_name="image",
        input_shape=(224, 224, 3),
        output_names=["features", "logits"],
    )
    assert sha256_file(again) == entry["sha256"]


def _reference_same_pad(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """The PyTorch reference's Conv2dStaticSamePadding: pad_total // 2 before, rest after."""
    size = x.shape[1]
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    before, after = total // 2, total - total // 2
    return np.pad(x, ((0, 0), (before, after), (before, after), (0, 0)))


@pytest.mark.parametrize(("size", "kernel", "stride"), [(224, 3, 2), (56, 5, 2), (14, 5, 1)])
def test_keras_same_padding_equals_reference_padding(size: int, kernel: int, stride: int) -> None:
    import keras

    rng = np.random.default_rng(size)
    x = rng.normal(size=(1, size, size, 4)).astype(np.float32)
    w = rng.normal(size=(kernel, kernel, 4, 1)).astype(np.float32)
    layer = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False)
    layer.build(x.shape)
    layer.set_weights([w])
    got = np.asarray(layer(x))

    padded = _reference_same_pad(x, kernel, stride)
    out = got.shape[1]
    expected = np.zeros_like(got)
    for dy in range(kernel):
        for dx in range(kernel):
            window = padded[:, dy : dy + stride * out : stride, dx : dx + stride * out : stride]
            expected += window * w[dy, dx, :, 0]
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_legacy_reader_loads_every_parameter_of_lite0() -> None:
    state = load_state_dict(weights_file(LITE0))
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert all(np.isfinite(v).all() for v in state.values())


def test_legacy_reader_rejects_a_zip_checkpoint(tmp_path: Path) -> None:
    fake = tmp_path / "new-style.pth"
    fake.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(TorchLegacyError, match="not a legacy torch file"):
        load_state_dict(fake)
