"""Train the default joint model on the shared Pascal Sentences photos and install it.

    python -m export devise [--backbone efficientnet-lite0] [--views 8]

Training uses the train split (augmented views, cached in benchmarks/out/), every choice
(supervision, hyper-parameters, ConSE blend weight) is made on the val split, and the metrics
recorded in the manifest are measured on the test split, which nothing else looks at.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import pascal
from benchmarks.quality import JointScores, score_joint
from core.ann import unit_rows
from core.joint import ConSE
from core.models import ImageEncoder
from core.words import TagVocabulary, WordVectors
from export.devise import (
    INPUT_NAME,
    OUTPUT_NAME,
    HeadConfig,
    Progress,
    caption_vector,
    content_words,
    converter_versions,
    embed,
    encode_views,
    export_head,
    label_vector,
    train_head,
)
from export.manifest import MODELS_DIR, sha256_file, update_manifest_entry
from export.onnx_convert import run_onnx


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def augmented_features(
    photos: Sequence[pascal.Photo],
    backbone: str = "efficientnet-lite0",
    views: int = 8,
    progress: Progress = _stderr,
) -> np.ndarray:
    """[n, views, d] features of augmented views of photos, cached in benchmarks/out/."""
    cache = pascal.CACHE_DIR / f"pascal-augmented-{backbone}-v{views}.npz"
    keys = [p.key for p in photos]
    if cache.exists():
        with np.load(cache) as npz:
            stored = dict(zip(npz["keys"].tolist(), npz["features"], strict=True))
        if all(k in stored for k in keys):
            return np.stack([stored[k] for k in keys]).astype(np.float32)
    encoder = ImageEncoder(backbone)
    feats = np.zeros((len(photos), views, encoder.feature_dim), np.float32)
    for i, f in encode_views([p.path for p in photos], encoder, views, progress=progress):
        feats[i] = f
    pascal.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(cache, keys=np.array(keys), features=feats)
    return feats


SUPERVISIONS = ("labels", "captions")


def training_pairs(
    photos: Sequence[pascal.Photo], feats: np.ndarray, words: WordVectors, supervision: str
) -> tuple[np.ndarray, np.ndarray]:
    """(features, unit targets): every view with its label, or with each caption's vector."""
    xs, ys = [], []
    for photo, views in zip(photos, feats, strict=True):
        if supervision == "labels":
            targets = [label_vector(words, photo.cls)]
        else:
            targets = [caption_vector(c, words) for c in photo.captions]
        for t in targets:
            if t is None:
                continue
            xs.append(views)
            ys.append(np.broadcast_to(t, (len(views), len(t))))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


def word_targets(
    photos: Sequence[pascal.Photo],
    feats: np.ndarray,
    words: WordVectors,
    vocabulary: dict[str, int],
    label_weight: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(features, word distributions over vocabulary) for the softmax loss.

    Each content word counts once per caption that uses it (so a word all five captions use
    weighs five times one they mention once); the class name counts label_weight x 5.
    """
    rows = []
    for photo in photos:
        dist = np.zeros(len(vocabulary), np.float32)
        for caption in photo.captions:
            for w in set(content_words(caption, words)):
                j = vocabulary.get(w)
                if j is not None:
                    dist[j] += 1.0
        for part in photo.cls.split("_"):
            j = vocabulary.get(part)
            if j is not None:
                dist[j] += 5.0 * label_weight
        rows.append(dist / max(float(dist.sum()), 1e-6))
    y = np.repeat(np.stack(rows), feats.shape[1], axis=0)
    return feats.reshape(-1, feats.shape[-1]).astype(np.float32), y


@dataclass(frozen=True)
class Variant:
    """One way to supervise the head, with the hyper-parameters chosen for it on val."""

    name: str
    supervision: str
    config: HeadConfig
    description: str


VARIANTS = (
    Variant(
        "labels",
        "labels",
        HeadConfig(hidden=2000, loss="cosine", dropout=0.5, epochs=15),
        "class label word vector per photo (the seed's DeViSE), cosine loss",
    ),
    Variant(
        "captions",
        "captions",
        HeadConfig(hidden=2000, loss="cosine", dropout=0.5, epochs=15),
        "one target per caption: mean unit GloVe vector of its content words, cosine loss",
    ),
    Variant(
        "caption-words",
        "caption-words",
        HeadConfig(hidden=2000, loss="softmax", temperature=0.1, dropout=0.5, epochs=15),
        "softmax over the tag vocabulary: the words of the photo's captions (weighted by how "
        "many captions use them) and its class name, ranked above every other tag word",
    ),
)
BLEND_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass
class Trained:
    """A trained variant with its val scores and ConSE blend weight chosen on val."""

    variant: Variant
    model: Any
    val: JointScores
    blend_conse: float
    val_blend: JointScores


def train_variant(
    variant: Variant,
    train: Sequence[pascal.Photo],
    aug: np.ndarray,
    words: WordVectors,
    vocab: TagVocabulary,
    progress: Progress = _stderr,
) -> Any:
    """Fit one variant's head on the train photos' augmented features."""
    if variant.supervision == "caption-words":
        index = {w: i for i, w in enumerate(vocab.words)}
        x, y = word_targets(train, aug, words, index)
        return train_head(x, y, variant.config, vocabulary=vocab.matrix, progress=progress)
    x, y = training_pairs(train, aug, words, variant.supervision)
    return train_head(x, y, variant.config, progress=progress)


def choose_blend(
    joint: np.ndarray,
    conse: np.ndarray,
    photos: Sequence[pascal.Photo],
    words: WordVectors,
    vocab: TagVocabulary,
) -> tuple[float, JointScores]:
    """The ConSE weight with the best val selection score (ties: the smaller weight)."""
    best: tuple[float, float, JointScores] | None = None
    for w in BLEND_WEIGHTS:
        mixed = (1.0 - w) * unit_rows(joint) + w * unit_rows(conse)
        scores = score_joint(mixed, photos, words, vocab)
        if best is None or scores.selection_score() > best[0] + 1e-9:
            best = (scores.selection_score(), w, scores)
    assert best is not None
    return best[1], best[2]


JOINT_NAME = "devise-{backbone}"
VARIANTS_DIR = pascal.CACHE_DIR / "devise-variants"


def manifest_entry(
    trained: Trained,
    onnx_path: Path,
    backbone: str,
    views: int,
    train_count: int,
    parity: float,
    test: JointScores,
    test_blend: JointScores,
    default: bool,
) -> dict[str, Any]:
    """The joint-model manifest entry: where it came from, how it measured, how to rebuild it."""
    entry: dict[str, Any] = {
        "kind": "joint-model",
        "backbone": backbone,
        "file": onnx_path.name,
        "sha256": sha256_file(onnx_path),
        "input": {"name": INPUT_NAME, "feature_dim": int(trained.model.inputs[0].shape[-1])},
        "outputs": {"embedding": OUTPUT_NAME},
        "embedding_dim": int(trained.model.outputs[0].shape[-1]),
        "word_vectors": "glove-6b-50d",
        "default": default,
        "training": {
            "data": "pascal-sentences (../shared/data/pascal-sentences), train split "
            f"({train_count} photos, 24 per class; benchmarks/pascal.py), {views} augmented "
            "views each (centre crop, mirror, random crops 35-100% of the area)",
            "supervision": trained.variant.description,
            "hyper_parameters": trained.variant.config.to_json(),
            "chosen_on": "val split (6 photos per class); blend weight too",
        },
        "metrics": {
            "split": "test (10 photos per class, 200 photos; text->image searches them only)",
            "model": test.to_json(),
            "with_blend": test_blend.to_json(),
            "command": ".venv/bin/python -m benchmarks.quality",
        },
        "parity_max_abs_diff": parity,
        "converter": converter_versions(),
        "rebuild": f"python -m export devise --backbone {backbone}",
    }
    if trained.blend_conse > 0:
        entry["blend_conse"] = trained.blend_conse
    return entry


def build_default(
    backbone: str = "efficientnet-lite0",
    views: int = 8,
    out_dir: Path = MODELS_DIR,
    variants_dir: Path = VARIANTS_DIR,
    progress: Progress = _stderr,
) -> dict[str, Any]:
    """Train every variant, pick the best on val, install it in out_dir; returns its entry."""
    photos = pascal.load_photos()
    feats = pascal.features(photos, backbone)
    split = {s: [i for i, p in enumerate(photos) if p.split == s] for s in ("train", "val", "test")}
    train = [photos[i] for i in split["train"]]
    val = [photos[i] for i in split["val"]]
    test = [photos[i] for i in split["test"]]
    aug = augmented_features(train, backbone, views, progress)
    encoder = ImageEncoder(backbone)
    words = WordVectors(pascal.CACHE_DIR)
    vocab = TagVocabulary(words)
    conse = ConSE(encoder, words)
    conse_val = conse.transform(feats[split["val"]])
    conse_test = conse.transform(feats[split["test"]])

    results: list[Trained] = []
    for variant in VARIANTS:
        progress(f"training {variant.name} ...")
        model = train_variant(variant, train, aug, words, vocab, progress)
        joint_val = embed(model, feats[split["val"]])
        scores = score_joint(joint_val, val, words, vocab)
        weight, blended = choose_blend(joint_val, conse_val, val, words, vocab)
        results.append(Trained(variant, model, scores, weight, blended))
        progress(
            f"{variant.name}: val score {scores.selection_score():.3f}, "
            f"with ConSE weight {weight:g}: {blended.selection_score():.3f}"
        )
    best = max(results, key=lambda r: r.val_blend.selection_score())
    progress(f"best on val: {best.variant.name} (ConSE weight {best.blend_conse:g})")

    chosen: dict[str, Any] = {}
    parity_inputs = np.concatenate([feats[split["val"]], aug[:8, 1]])
    for r in results:
        name = f"devise-{r.variant.name}-{backbone}"
        path = variants_dir / f"{name}.onnx"
        parity = export_head(r.model, path, parity_inputs)
        joint_test = run_onnx(path, {INPUT_NAME: feats[split["test"]]})[OUTPUT_NAME]
        w = r.blend_conse
        blend_test = (1 - w) * unit_rows(joint_test) + w * unit_rows(conse_test)
        entry = manifest_entry(
            r,
            path,
            backbone,
            views,
            len(train),
            parity,
            score_joint(joint_test, test, words, vocab),
            score_joint(blend_test, test, words, vocab),
            default=False,
        )
        update_manifest_entry(name, entry, manifest_path=variants_dir / "manifest.json")
        progress(f"wrote {path} (parity max abs diff {parity:.2e})")
        if r is best:
            default_name = JOINT_NAME.format(backbone=backbone)
            installed = out_dir / f"{default_name}.onnx"
            shutil.copyfile(path, installed)
            chosen = dict(entry, file=installed.name, default=True)
            update_manifest_entry(default_name, chosen, manifest_path=out_dir / "manifest.json")
            progress(f"installed {installed} as the default joint model for {backbone}")
    return chosen
