"""`python -m export quantize`: an int8 copy of the encoder that the app then runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("onnxruntime.quantization")
pytest.importorskip("onnx")

from core.models.encoder import ImageEncoder
from export.manifest import sha256_file, update_manifest_entry
from export.quantize import quantize_encoder


def _photos(folder: Path, count: int, seed: int) -> list[Path]:
    """Smooth random colour fields: enough to calibrate ranges, no shared data needed."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        path = folder / f"{seed}-{i}.jpg"
        Image.fromarray(small).resize((320, 240), Image.Resampling.BICUBIC).save(path)
        paths.append(path)
    return paths


@pytest.mark.slow
def test_quantized_encoder_is_recorded_and_used_by_the_app(tmp_path: Path) -> None:
    entry = quantize_encoder(
        "efficientnet-lite0",
        _photos(tmp_path, 16, seed=1),
        _photos(tmp_path, 8, seed=2),
        out_dir=tmp_path,
        progress=lambda message: None,
    )
    update_manifest_entry(
        "efficientnet-lite0-int8", entry, manifest_path=tmp_path / "manifest.json"
    )
    assert entry["sha256"] == sha256_file(tmp_path / "efficientnet-lite0-int8.onnx")
    assert entry["rebuild"] == "python -m export quantize efficientnet-lite0"
    assert entry["fidelity"]["cosine_mean"] > 0.9  # measured on the 8 held-out photos
    manifest = json.loads((tmp_path / "manifest.json").read_text())["models"]
    assert manifest["efficientnet-lite0-int8"]["kind"] == "image-encoder-int8"

    # A profile's models folder with this entry: the app's encoder picks it up and runs it.
    encoder = ImageEncoder(extra_dirs=(tmp_path,), int8=True)
    assert encoder.model_path == tmp_path / "efficientnet-lite0-int8.onnx"
    pixels = np.full((1, 224, 224, 3), 128, np.uint8)
    assert encoder.encode(pixels).features.shape == (1, 1280)
