"""The trained joint model: the committed ONNX file and a fresh export both match Keras."""

from __future__ import annotations

import os

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")
ort = pytest.importorskip("onnxruntime")

from export.devise import (  # noqa: E402
    INPUT_NAME,
    OUTPUT_NAME,
    PARITY_TOLERANCE,
    TAG_OUTPUT,
    HeadConfig,
    TagHeadConfig,
    caption_vector,
    caption_word_counts,
    embed,
    ensemble_heads,
    export_head,
    train_head,
    train_tag_head,
    with_tag_head,
)
from export.manifest import MODELS_DIR, sha256_file  # noqa: E402

pytestmark = pytest.mark.slow


def test_exported_head_matches_keras_and_is_fetched_by_name(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 6, (64, 32)).astype(np.float32)
    vocabulary = rng.normal(size=(10, 5)).astype(np.float32)
    vocabulary /= np.linalg.norm(vocabulary, axis=1, keepdims=True)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    model = train_head(x, y, HeadConfig(hidden=16, epochs=2, batch_size=16), vocabulary=vocabulary)
    path = tmp_path / "head.onnx"

    diff = export_head(model, path, x[:8])

    assert diff <= PARITY_TOLERANCE
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [INPUT_NAME]
    (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: x[:3]})
    np.testing.assert_allclose(got, embed(model, x[:3]), rtol=0, atol=PARITY_TOLERANCE)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_multitask_ensemble_exports_as_one_head_that_matches_keras(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 6, (64, 32)).astype(np.float32)
    vocabulary = rng.normal(size=(10, 5)).astype(np.float32)
    vocabulary /= np.linalg.norm(vocabulary, axis=1, keepdims=True)
    classes = vocabulary[:3]
    y = np.concatenate(
        [
            np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)],
            np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)],
        ],
        axis=1,
    )
    heads = [
        train_head(
            x,
            y,
            HeadConfig(hidden=16, epochs=2, batch_size=16, class_weight=0.3, seed=seed),
            vocabulary=vocabulary,
            classes=classes,
        )
        for seed in (0, 1)
    ]
    model = ensemble_heads(heads)
    path = tmp_path / "ensemble.onnx"

    diff = export_head(model, path, x[:8])

    assert diff <= PARITY_TOLERANCE
    expected = embed(heads[0], x[:4]) + embed(heads[1], x[:4])
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: x[:4]})
    np.testing.assert_allclose(got, expected, rtol=0, atol=PARITY_TOLERANCE)


def test_tag_head_learns_caption_words_and_exports_beside_the_embedding(tmp_path: Path) -> None:
    from core.models.joint import Blend, OnnxJointModel, tag_head_of

    rng = np.random.default_rng(0)
    # Two kinds of photo, told apart by feature 0; their captions use different words.
    kind = np.arange(40) % 2
    x = rng.uniform(0, 1, (40, 16)).astype(np.float32)
    x[:, 0] += 3 * kind
    captions = [
        ("A dog runs on the grass.", "Two dogs outside, looking at the camera.")
        if k
        else ("A boat on the water.", "Boat at sea.", "dog")
        for k in kind
    ]
    vocab = ["dog", "grass", "boat", "water", "zebra", "dogs", "camera"]
    words, counts = caption_word_counts(captions, vocab, 3)
    # zebra is in no caption; "dogs" counts as "dog"; "camera" is about the picture.
    assert words == ["dog", "grass", "boat", "water"]
    assert counts[1].tolist() == [2, 1, 0, 0] and counts[0].tolist() == [1, 0, 2, 1]
    vocabulary = np.eye(5, 4, dtype=np.float32)
    joint = train_head(
        x, np.eye(5, dtype=np.float32)[kind], HeadConfig(hidden=8, epochs=1), vocabulary
    )
    tags = train_tag_head(
        x, counts, TagHeadConfig(steps=100, learning_rate=0.05), x.mean(0), x.std(0)
    )
    model = with_tag_head(joint, tags)
    path = tmp_path / "joint.onnx"

    diff = export_head(model, path, x[:8])

    assert diff <= PARITY_TOLERANCE
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "models": {
                    "m": {
                        "kind": "joint-model",
                        "file": path.name,
                        "input": {"name": INPUT_NAME},
                        "outputs": {"embedding": OUTPUT_NAME, "tag_logits": TAG_OUTPUT},
                        "embedding_dim": 4,
                        "tag_words": words,
                    }
                }
            }
        )
    )
    loaded = OnnxJointModel("m", (tmp_path,))
    assert loaded.tag_words == words
    assert tag_head_of(loaded) is loaded
    assert tag_head_of(Blend(loaded, loaded, 0.2)) is loaded  # a blend keeps the model's tags
    probs = loaded.tag_scores(x[:2])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # The boat photo's best tag is "boat", the dog photo's "dog".
    assert [words[j] for j in probs.argmax(axis=1)] == ["boat", "dog"]
    np.testing.assert_allclose(
        loaded.transform(x[:2]), embed(model, x[:2]), rtol=0, atol=PARITY_TOLERANCE
    )


def test_committed_default_joint_model_is_what_the_manifest_says() -> None:
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text())["models"]
    defaults = [n for n, e in manifest.items() if e["kind"] == "joint-model" and e["default"]]
    assert defaults == ["word-model-efficientnet-lite0"]
    entry = manifest[defaults[0]]
    path = MODELS_DIR / entry["file"]
    assert sha256_file(path) == entry["sha256"]
    assert entry["rebuild"] == "python -m export word-model"
    assert "train + val" in entry["data"]["trained_on"]
    # Issue 14: every model under resources/models together stays within 40 MB.
    assert sum(f.stat().st_size for f in MODELS_DIR.iterdir()) <= 40e6

    from core.models.word_model import WordModel

    model = WordModel(defaults[0])
    feats = np.random.default_rng(1).uniform(0, 6, (4, 1280)).astype(np.float32)
    vectors = model.transform(feats)
    assert vectors.shape == (4, model.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len(model.tag_words) >= 1000 and {"snow", "beach", "dog"} <= set(model.tag_words)


def test_caption_target_ignores_stop_words() -> None:
    from core.models.glove import WordVectors

    words = WordVectors(Path(__file__).resolve().parents[2] / "benchmarks" / "out")
    with_filler = caption_vector("A dog is sitting on the grass.", words)
    plain = caption_vector("dog grass", words)
    assert with_filler is not None and plain is not None
    np.testing.assert_allclose(with_filler, plain, atol=1e-6)
