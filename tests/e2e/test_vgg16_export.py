"""VGG16 end to end with random weights: export, parity with Keras, indexing via the CLI.

One export (about a minute and up to 12 GB of RAM) is shared by every test in this module. It
runs as the real `python -m export vgg16` command in its own process, as a user would run it:
that also returns its memory afterwards, which a whole-suite pytest process would not.
"""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")
ort = pytest.importorskip("onnxruntime")

import main  # noqa: E402
from export.vgg16 import (  # noqa: E402
    MIN_AVAILABLE_RAM_GB,
    NAME,
    PARITY_TOLERANCE,
    available_ram_gb,
    build_model,
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

free = available_ram_gb()
if free is not None and free < MIN_AVAILABLE_RAM_GB + 1:
    pytest.skip(f"VGG16 export needs ~12 GB of RAM; {free:.1f} GB free", allow_module_level=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Any]:
    profile = tmp_path_factory.mktemp("profile")
    models = profile / "models"
    subprocess.run(
        [sys.executable, "-m", "export", "vgg16", "--weights", "none", "--out-dir", str(models)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    entry = json.loads((models / "manifest.json").read_text())["models"][NAME]
    return profile, entry, build_model(None)  # the same seeded random weights


def test_onnx_matches_keras_by_output_name(exported: tuple[Path, dict[str, Any], Any]) -> None:
    profile, entry, model = exported
    batch = np.random.default_rng(7).uniform(-120, 130, (3, 224, 224, 3)).astype(np.float32)
    session = ort.InferenceSession(
        str(profile / "models" / entry["file"]), providers=["CPUExecutionProvider"]
    )
    names = [entry["outputs"]["features"], entry["outputs"]["logits"]]
    feats, logits = session.run(names, {entry["input"]["name"]: batch})
    expected = model(batch, training=False)

    assert feats.shape == (3, 4096) and logits.shape == (3, 1000)
    np.testing.assert_allclose(feats, expected["features"], rtol=0, atol=PARITY_TOLERANCE)
    np.testing.assert_allclose(logits, expected["logits"], rtol=0, atol=PARITY_TOLERANCE)
    assert max(v for k, v in entry["parity_max_abs_diff"].items() if k != "inputs") <= 1e-4
    # The head npz gives the same pre-softmax logits from stored features, as the app does.
    with np.load(profile / "models" / entry["head"]["file"]) as head:
        assert head["weight"].shape == (1000, 4096)
        np.testing.assert_allclose(
            feats @ head["weight"].T + head["bias"], logits, rtol=1e-5, atol=1e-3
        )


def test_manifest_describes_caffe_preprocessing(
    exported: tuple[Path, dict[str, Any], Any],
) -> None:
    _, entry, _ = exported
    spec = entry["input"]
    assert spec["channel_order"] == "BGR" and spec["layout"] == "NHWC" and spec["size"] == 224
    assert spec["mean"] == [103.939, 116.779, 123.68] and spec["std"] == 1.0


def test_cli_indexes_and_searches_with_vgg16(
    exported: tuple[Path, dict[str, Any], Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile, _, _ = exported
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(
            photos / f"p{i}.jpg"
        )
    base = ["--data-dir", str(profile), "--backbone", NAME]

    assert main.main([*base, "index", str(photos)]) == 0
    capsys.readouterr()
    assert main.main([*base, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["backbone"] == NAME and status["photos"] == 3
    assert main.main([*base, "similar", str(photos / "p0.jpg"), "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2 and all("p0.jpg" not in h["path"] for h in hits)


def test_export_command_fails_early_without_enough_ram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import export.__main__ as export_main
    import export.vgg16 as vgg16

    monkeypatch.setattr(vgg16, "available_ram_gb", lambda: 2.0)
    code = export_main.main(["vgg16", "--weights", "none", "--out-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "needs about 12 GB of RAM; only 2.0 GB is available" in err
    assert not (tmp_path / "vgg16.onnx").exists()
