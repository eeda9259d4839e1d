"""The int8 copy of the image encoder: run on request, and its features match the float model's.

With PHOTOSEARCH_INT8_ENCODER=1 indexing runs the int8 model (export/quantize.py); a library
indexed before keeps float features under the same backbone id, so the two must agree closely.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from core.media.decode import load_pixels
from core.models.encoder import INT8_ENCODER_ENV, ImageEncoder, model_file
from tests.conftest import run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS = REPO_ROOT / "resources" / "models"
PASCAL_IMAGES = REPO_ROOT.parent / "shared/data/pascal-sentences/images"


def _manifest() -> dict[str, Any]:
    models: dict[str, Any] = json.loads((MODELS / "manifest.json").read_text())["models"]
    return models


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_int8_file_matches_manifest_and_was_made_from_the_shipped_float_model() -> None:
    entry = _manifest()["efficientnet-lite0-int8"]
    assert _sha256(MODELS / entry["file"]) == entry["sha256"]
    assert entry["quantized_from_sha256"] == _manifest()["efficientnet-lite0"]["sha256"]
    assert entry["fidelity"]["cosine_mean"] >= 0.995


def test_models_shipped_stay_within_40_mb() -> None:
    total = sum(p.stat().st_size for p in MODELS.iterdir() if p.is_file())
    assert total <= 40 * 10**6, f"{total / 1e6:.1f} MB of models"


def test_encoder_runs_float_unless_int8_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(INT8_ENCODER_ENV, raising=False)
    assert ImageEncoder().model_path.name == "efficientnet-lite0.onnx"
    assert ImageEncoder(int8=True).model_path.name == "efficientnet-lite0-int8.onnx"
    monkeypatch.setenv(INT8_ENCODER_ENV, "1")
    assert ImageEncoder().model_path.name == "efficientnet-lite0-int8.onnx"
    monkeypatch.setenv(INT8_ENCODER_ENV, "0")
    assert ImageEncoder().model_path.name == "efficientnet-lite0.onnx"


def test_stale_int8_copy_of_another_float_model_is_not_used(tmp_path: Path) -> None:
    """A user-installed float model with the same name must not run the shipped int8 copy."""
    entry = {k: v for k, v in _manifest()["efficientnet-lite0"].items() if k != "_dir"}
    entry["sha256"] = "0" * 64  # a re-exported float model: different bytes
    shutil.copy(MODELS / entry["file"], tmp_path / entry["file"])
    shutil.copy(MODELS / entry["head"]["file"], tmp_path / entry["head"]["file"])
    (tmp_path / "manifest.json").write_text(json.dumps({"models": {"efficientnet-lite0": entry}}))
    encoder = ImageEncoder(extra_dirs=(tmp_path,), int8=True)
    assert encoder.model_path == tmp_path / "efficientnet-lite0.onnx"


@pytest.mark.shared_data
def test_int8_features_match_float_features_on_real_photos() -> None:
    if not PASCAL_IMAGES.is_dir():
        pytest.skip(f"../shared/data/pascal-sentences not present: {PASCAL_IMAGES} is missing")
    photos = sorted(PASCAL_IMAGES.glob("*/*.jpg"))[::50]  # 16 photos, every class
    fast, exact = ImageEncoder(int8=True), ImageEncoder(int8=False)
    assert model_file(fast.entry) != fast.model_path
    pixels = np.stack([load_pixels(p, fast.input_size) for p in photos])
    q, f = fast.encode(pixels).features, exact.encode(pixels).features
    cos = (q * f).sum(1) / (np.linalg.norm(q, axis=1) * np.linalg.norm(f, axis=1))
    # Measured mean 0.9975, min 0.994 over the 320 held-out Pascal photos.
    assert cos.mean() >= 0.995 and cos.min() >= 0.985, cos.round(4)
    # Each photo's nearest float neighbour among these photos is its own float vector.
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    fn = f / np.linalg.norm(f, axis=1, keepdims=True)
    assert ((qn @ fn.T).argmax(1) == np.arange(len(photos))).all()


def test_int8_copy_is_not_a_backbone_of_its_own(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--backbone", "efficientnet-lite0-int8", "index", str(tmp_path))
    assert result.returncode != 0
    assert "image-encoder-int8, not an image encoder" in result.stderr
    assert "Traceback" not in result.stderr
