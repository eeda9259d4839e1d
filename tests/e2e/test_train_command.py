"""`train DATA_DIR` on a tiny generated dataset: installs a default joint model the app uses."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

import main

COLOURS = {"apple": (200, 30, 30), "ocean": (20, 60, 200), "grass": (40, 180, 40)}


def make_dataset(
    root: Path, per_class: int = 5, classes: dict[str, tuple[int, int, int]] = COLOURS
) -> Path:
    rng = np.random.default_rng(0)
    for name, colour in classes.items():
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            noise = rng.normal(0, 30, (48, 64, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{name}{i}.jpg")
    return root


def train(argv: list[str]) -> int:
    """The real command line, in this process (TensorFlow loads once for the module)."""
    return main.main(argv)


@pytest.mark.slow
def test_train_installs_a_default_model_the_app_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_dataset(tmp_path / "data")
    captions = tmp_path / "captions.json"
    said = {"apple": "a red fruit on a table", "ocean": "blue water", "grass": "a green lawn"}
    captions.write_text(
        json.dumps({f"{c}/{c}{i}.jpg": [said[c], f"{c} photo"] for c in COLOURS for i in range(5)})
    )
    profile = tmp_path / "profile"

    code = train(
        [
            "--data-dir",
            str(profile),
            "train",
            str(data),
            "--captions",
            str(captions),
            "--epochs",
            "2",
            "--views",
            "2",
        ]
    )

    out = capsys.readouterr()
    assert code == 0, out.err
    assert "held-out photos: 3" in out.out and "tag P@5: " in out.out
    assert "encoded" in out.err and "epoch 2/2" in out.err  # progress on stderr
    entry = json.loads((profile / "models" / "manifest.json").read_text())["models"][
        "trained-efficientnet-lite0"
    ]
    assert entry["default"] is True and entry["kind"] == "joint-model"
    assert entry["parity_max_abs_diff"] <= 1e-4
    assert (profile / "models" / entry["file"]).is_file()

    assert main.main(["--data-dir", str(profile), "index", str(data)]) == 0
    capsys.readouterr()
    assert main.main(["--data-dir", str(profile), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["joint_space"].startswith("trained-efficientnet-lite0")
    assert main.main(["--data-dir", str(profile), "search", "ocean", "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    # The captions taught a tag head: an ocean photo is tagged with the words they used.
    assert {"fruit", "water", "lawn"} <= set(entry["tag_words"])
    ocean = str(data / "ocean" / "ocean1.jpg")
    assert main.main(["--data-dir", str(profile), "tags", ocean, "-k", "3", "--json"]) == 0
    tags = [t["word"] for t in json.loads(capsys.readouterr().out)]
    assert set(tags) <= set(entry["tag_words"])
    assert tags[0] in {"blue", "water", "ocean"}


@pytest.mark.slow
def test_without_captions_tags_come_from_the_joint_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_dataset(tmp_path / "data")
    profile = tmp_path / "profile"
    argv = ["--data-dir", str(profile), "train", str(data), "--epochs", "2", "--views", "1"]
    assert train(argv) == 0
    out = capsys.readouterr().out
    assert "tag P@5" not in out  # nothing to judge tags by
    entry = json.loads((profile / "models" / "manifest.json").read_text())["models"][
        "trained-efficientnet-lite0"
    ]
    assert "tag_words" not in entry and set(entry["outputs"]) == {"embedding"}

    ocean = str(data / "ocean" / "ocean1.jpg")
    assert main.main(["--data-dir", str(profile), "tags", ocean, "-k", "5", "--json"]) == 0
    tags = json.loads(capsys.readouterr().out)
    assert len(tags) == 5  # open-vocabulary tags, nearest to the photo in the joint space


@pytest.mark.parametrize(
    ("classes", "per_class", "message"),
    [
        ({"apple": (200, 30, 30), "xqzvbnmtt": (0, 0, 0)}, 4, "no word vector: xqzvbnmtt"),
        ({"apple": (200, 30, 30), "ocean": (0, 0, 200)}, 2, "too few photos"),
    ],
)
def test_bad_datasets_get_one_line_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    classes: dict[str, tuple[int, int, int]],
    per_class: int,
    message: str,
) -> None:
    data = make_dataset(tmp_path / "data", per_class, classes)
    code = train(["--data-dir", str(tmp_path / "p"), "train", str(data)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "p" / "models" / "manifest.json").exists()


def test_empty_class_folder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_dataset(tmp_path / "data", 4)
    (data / "river").mkdir()
    code = train(["--data-dir", str(tmp_path / "p"), "train", str(data)])
    assert code == 2
    assert "class folder(s) with no photos: river" in capsys.readouterr().err


def test_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = train(["--data-dir", str(tmp_path / "p"), "train", os.fspath(tmp_path / "nope")])
    assert code == 2
    assert "training folder not found" in capsys.readouterr().err
