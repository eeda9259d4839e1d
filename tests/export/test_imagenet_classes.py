"""resources/imagenet_classes.json: 1000 classes in model output order, and its generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export.__main__ import main
from export.manifest import sha256_file

REPO_ROOT = Path(__file__).resolve().parents[2]
CLASSES = REPO_ROOT / "resources" / "imagenet_classes.json"
MANIFEST = REPO_ROOT / "resources" / "models" / "manifest.json"


def test_committed_classes_are_the_1000_imagenet_classes_in_order() -> None:
    classes = json.loads(CLASSES.read_text(encoding="utf-8"))
    assert len(classes) == 1000
    assert [c["index"] for c in classes] == list(range(1000))
    assert len({c["wnid"] for c in classes}) == 1000
    assert all(c["names"] and all(n.strip() for n in c["names"]) for c in classes)
    assert classes[0]["names"][0] == "tench"
    assert classes[0]["wnid"] == "n01440764"
    assert classes[281]["names"] == ["tabby", "tabby cat"]
    assert classes[999]["names"][0] == "toilet tissue"


def test_committed_classes_match_manifest_provenance() -> None:
    entry = json.loads(MANIFEST.read_text())["classes"]["imagenet_classes.json"]
    assert entry["sha256"] == sha256_file(CLASSES)
    assert entry["source"]["package"] == "timm"


def _write_inputs(folder: Path, count: int = 1000) -> tuple[Path, Path]:
    synsets = folder / "imagenet_synsets.txt"
    lemmas = folder / "imagenet_synset_to_lemma.txt"
    wnids = [f"n{i:08d}" for i in range(count)]
    synsets.write_text("\n".join(wnids) + "\n")
    # Lemma file order differs from class order, as in timm, and has extra synsets.
    rows = [f"{w}\tthing {i}, synonym {i}" for i, w in enumerate(wnids)]
    lemmas.write_text("n99999999\tunused\n" + "\n".join(reversed(rows)) + "\n")
    return synsets, lemmas


def test_cli_writes_classes_and_keeps_other_manifest_entries(tmp_path: Path) -> None:
    synsets, lemmas = _write_inputs(tmp_path)
    out, manifest = tmp_path / "classes.json", tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"models": {"joint": {"file": "joint.onnx"}}}))

    code = main(
        [
            "imagenet-classes",
            "--synsets",
            str(synsets),
            "--lemmas",
            str(lemmas),
            "--out",
            str(out),
            "--manifest",
            str(manifest),
            "--source-version",
            "9.9",
        ]
    )

    assert code == 0
    classes = json.loads(out.read_text())
    assert classes[3] == {"index": 3, "wnid": "n00000003", "names": ["thing 3", "synonym 3"]}
    written = json.loads(manifest.read_text())
    assert written["models"] == {"joint": {"file": "joint.onnx"}}
    assert written["classes"][str(out)]["source"]["version"] == "9.9"


def test_cli_rejects_a_synset_list_of_the_wrong_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synsets, lemmas = _write_inputs(tmp_path, count=999)
    out = tmp_path / "c.json"
    code = main(
        [
            "imagenet-classes",
            "--synsets",
            str(synsets),
            "--lemmas",
            str(lemmas),
            "--out",
            str(out),
            "--manifest",
            str(tmp_path / "m.json"),
            "--source-version",
            "1",
        ]
    )
    assert code == 2
    assert "expected 1000 distinct wnids, got 999" in capsys.readouterr().err
    assert not out.exists()
