"""`photosearch train DATA_DIR`: train a joint image-word model on the user's own photos.

DATA_DIR holds one subfolder per class ("dog/", "sailing_boat/"); each folder name must have a
GloVe word vector (underscores and hyphens separate words). An optional captions file adds
caption supervision. Photos are split per class into training and held-out photos; the
held-out metrics are printed, and the model is installed in the profile as the default joint
space for its backbone, so `search` and `tags` use it from then on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import PhotoSearchError, UsageError
from core.media.decode import PHOTO_EXTENSIONS

MIN_PHOTOS_PER_CLASS = 3  # at least two to learn from and one to check against
MIN_CLASSES = 2
HELD_OUT_FRACTION = 0.2
DEFAULT_EPOCHS = 15
DEFAULT_VIEWS = 4


class DatasetError(UsageError):
    """The training folder cannot be trained on; the message says why and what to do."""


@dataclass(frozen=True)
class Example:
    """One training photo: its file, class folder and captions (maybe none)."""

    path: Path
    cls: str
    captions: tuple[str, ...] = ()


@dataclass
class Dataset:
    """A folder of class subfolders, split per class into train and held-out photos."""

    root: Path
    classes: list[str]
    train: list[Example] = field(default_factory=list)
    held_out: list[Example] = field(default_factory=list)

    @property
    def has_captions(self) -> bool:
        return any(e.captions for e in self.train)


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def read_captions(path: Path, root: Path) -> dict[Path, tuple[str, ...]]:
    """Captions by photo path: JSON {relative path: caption or [captions]}, or TSV lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise DatasetError(f"cannot read captions file {path}: {e.strerror or e}") from e
    out: dict[Path, list[str]] = {}
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except ValueError as e:
            raise DatasetError(f"captions file {path} is not valid JSON: {e}") from e
        if not isinstance(raw, dict):
            raise DatasetError(f"captions file {path}: expected an object of path -> captions")
        for key, value in raw.items():
            if isinstance(value, dict):  # {"captions": [...], ...}
                value = value.get("captions", [])
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(c, str) for c in items):
                raise DatasetError(f"captions file {path}: captions of {key!r} are not text")
            out.setdefault((root / key).resolve(), []).extend(items)
    else:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, caption = line.partition("\t")
            if not sep:
                raise DatasetError(f"{path}:{n}: expected 'relative/path<TAB>caption'")
            out.setdefault((root / key.strip()).resolve(), []).append(caption.strip())
    return {k: tuple(v) for k, v in out.items()}


def _held_out(paths: Sequence[Path], fraction: float) -> set[Path]:
    """A deterministic per-class held-out set: the same photos on every run."""
    ranked = sorted(paths, key=lambda p: hashlib.sha1(p.name.encode()).hexdigest())
    count = max(1, round(len(ranked) * fraction))
    return set(ranked[:count])


def scan_dataset(
    root: Path,
    has_vector: Any,
    captions_file: Path | None = None,
    held_out_fraction: float = HELD_OUT_FRACTION,
) -> Dataset:
    """Check the folder and split it; raises DatasetError with a clear message.

    has_vector(class_name) says whether a class name has a word vector.
    """
    if not root.exists():
        raise DatasetError(f"training folder not found: {root}")
    if not root.is_dir():
        raise DatasetError(f"not a folder: {root}")
    folders = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not folders:
        raise DatasetError(f"{root} has no class subfolders (expected e.g. {root}/dog/*.jpg)")
    photos: dict[str, list[Path]] = {}
    for d in folders:
        photos[d.name] = sorted(
            p for p in d.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_EXTENSIONS
        )
    empty = [c for c, ps in photos.items() if not ps]
    if empty:
        raise DatasetError(f"class folder(s) with no photos: {', '.join(empty)}")
    no_vector = [c for c in photos if not has_vector(c)]
    if no_vector:
        raise DatasetError(
            f"class name(s) with no word vector: {', '.join(no_vector)}; rename the folder "
            "to common English words (use _ between words, e.g. sailing_boat)"
        )
    few = [f"{c} ({len(ps)})" for c, ps in photos.items() if len(ps) < MIN_PHOTOS_PER_CLASS]
    if few:
        raise DatasetError(
            f"too few photos: each class needs at least {MIN_PHOTOS_PER_CLASS}; {', '.join(few)}"
        )
    if len(photos) < MIN_CLASSES:
        raise DatasetError(f"too few classes: need at least {MIN_CLASSES}, found {len(photos)}")
    captions = read_captions(captions_file, root) if captions_file else {}
    dataset = Dataset(root, sorted(photos))
    for cls, paths in photos.items():
        held = _held_out(paths, held_out_fraction)
        for p in paths:
            example = Example(p, cls, captions.get(p.resolve(), ()))
            (dataset.held_out if p in held else dataset.train).append(example)
    return dataset


def run_train(args: argparse.Namespace) -> int:
    """Run `train`; returns the exit code. Dataset problems are one-line errors, exit 2."""
    import importlib.util

    missing = [m for m in ("tensorflow", "keras", "tf2onnx") if importlib.util.find_spec(m) is None]
    if missing:
        _stderr(
            f"photosearch: error: training needs {', '.join(missing)}; "
            "install them with: pip install --group export"
        )
        return 1
    try:
        result = train_and_install(
            Path(args.dataset),
            data_dir=getattr(args, "data_dir", None),
            backbone=getattr(args, "backbone", None),
            captions=args.captions,
            name=args.name,
            epochs=args.epochs,
            views=args.views,
        )
    except UsageError as e:
        _stderr(f"photosearch: error: {e}")
        return 2
    except PhotoSearchError as e:
        _stderr(f"photosearch: error: {e}")
        return 1
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        m = result["metrics"]
        sys.stdout.write(
            f"held-out photos: {m['held_out_photos']}  class accuracy: {m['class_accuracy']:.3f}"
            f"  class P@{m['k']}: {m['class_precision']:.3f}  class mAP: {m['class_map']:.3f}"
            + (f"  tag P@5: {m['tag_p5']:.3f}" if "tag_p5" in m else "")
            + f"\ninstalled {result['name']} in {result['models_dir']} (default for "
            f"{result['backbone']})\n"
        )
    return 0


def train_and_install(
    root: Path,
    data_dir: str | None = None,
    backbone: str | None = None,
    captions: Path | None = None,
    name: str | None = None,
    epochs: int = DEFAULT_EPOCHS,
    views: int = DEFAULT_VIEWS,
    progress: Any = _stderr,
) -> dict[str, Any]:
    """Check, encode, train, measure, export and install; returns the installed entry."""
    from core.models.encoder import ImageEncoder
    from core.models.glove import TagVocabulary, WordVectors
    from core.storage.profile import resolve_profile
    from core.storage.settings import Settings

    if epochs < 1 or views < 1:
        raise UsageError("--epochs and --views must be at least 1")
    profile = resolve_profile(data_dir).ensure()
    backbone = backbone or Settings.load(profile.settings_path).backbone
    words = WordVectors(profile.cache_dir)
    dataset = scan_dataset(root, lambda c: words.phrase_vector(c) is not None, captions)
    progress(
        f"{len(dataset.classes)} classes, {len(dataset.train)} training and "
        f"{len(dataset.held_out)} held-out photos"
        + (", with captions" if dataset.has_captions else "")
    )
    encoder = ImageEncoder(backbone, extra_dirs=(profile.models_dir,))
    train_feats = _encode(dataset.train, encoder, views, progress)
    held_feats = _encode(dataset.held_out, encoder, 1, progress)[:, 0]

    from export.devise import (
        TAG_OUTPUT,
        HeadConfig,
        TagHeadConfig,
        add_tag_head,
        embed,
        export_head,
        train_head,
    )

    vocab = TagVocabulary(words)
    vocabulary, index = _training_vocabulary(vocab, words, dataset.classes)
    y = _word_distributions(dataset.train, words, index)
    x = train_feats.reshape(-1, train_feats.shape[-1])
    y = np.repeat(y, views, axis=0)
    config = HeadConfig(hidden=2000, loss="softmax", temperature=0.1, epochs=epochs)
    model = train_head(x, y, config, vocabulary=vocabulary, progress=progress)
    # With captions, a tag head learns the words they use (the app's tags then come from it).
    model, tag_words = add_tag_head(
        model,
        [e.captions for e in dataset.train],
        train_feats,
        vocab.words,
        TagHeadConfig(),
        progress,
    )
    head = (tag_words, embed(model, held_feats, TAG_OUTPUT)) if tag_words else None
    metrics = held_out_metrics(
        embed(model, held_feats), dataset.held_out, dataset.classes, words, vocab, head
    )
    name = name or f"trained-{backbone}"
    profile.models_dir.mkdir(parents=True, exist_ok=True)
    path = profile.models_dir / f"{name}.onnx"
    parity = export_head(model, path, np.concatenate([held_feats, train_feats[:8, 0]]))
    _install(
        profile.models_dir, name, path, backbone, dataset, config, views, metrics, parity, tag_words
    )
    return {
        "name": name,
        "models_dir": str(profile.models_dir),
        "backbone": backbone,
        "metrics": metrics,
        "parity_max_abs_diff": parity,
    }


def _encode(examples: Sequence[Example], encoder: Any, views: int, progress: Any) -> np.ndarray:
    from core.media.decode import DecodeError
    from export.devise import encode_views

    feats = np.zeros((len(examples), views, encoder.feature_dim), np.float32)
    try:
        for i, f in encode_views([e.path for e in examples], encoder, views, progress=progress):
            feats[i] = f
    except DecodeError as e:
        raise DatasetError(f"cannot read a training photo: {e}") from e
    return feats


def _training_vocabulary(
    vocab: Any, words: Any, classes: Sequence[str]
) -> tuple[np.ndarray, dict[str, int]]:
    """The tag vocabulary plus each class name (as a phrase vector when it is several words)."""
    from core.vectors.ann import unit_rows

    names = list(vocab.words)
    rows = [vocab.matrix]
    index = {w: i for i, w in enumerate(names)}
    for c in classes:
        key = c.lower()
        if key in index:
            continue
        index[key] = len(index)
        rows.append(unit_rows(words.phrase_vector(c)[None]))
    return np.concatenate(rows).astype(np.float32), index


def _word_distributions(
    examples: Sequence[Example], words: Any, index: dict[str, int]
) -> np.ndarray:
    """Per photo: its class name (weight 5) and its captions' content words, normalised."""
    from export.devise import content_words

    out = np.zeros((len(examples), len(index)), np.float32)
    for row, e in zip(out, examples, strict=True):
        row[index[e.cls.lower()]] += 5.0
        for caption in e.captions:
            for w in set(content_words(caption, words)):
                j = index.get(w)
                if j is not None:
                    row[j] += 1.0
        row /= row.sum()
    return out


def held_out_metrics(
    joint: np.ndarray,
    examples: Sequence[Example],
    classes: Sequence[str],
    words: Any,
    vocab: Any,
    head: tuple[Sequence[str], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Class accuracy, class-word precision@k and mAP, and tag P@5 when there are captions:
    the tag head's top words when head = (tag words, [photos, words] logits) is given, else the
    tag vocabulary nearest to the joint vectors."""
    from core.vectors.ann import unit_rows

    v = unit_rows(joint)
    class_vecs = unit_rows(np.stack([words.phrase_vector(c) for c in classes]))
    truth = np.array([classes.index(e.cls) for e in examples])
    accuracy = float(np.mean(np.argmax(v @ class_vecs.T, axis=1) == truth))
    per_class = np.bincount(truth, minlength=len(classes))
    k = int(min(10, per_class.min()))
    precisions, aps = [], []
    for ci in range(len(classes)):
        order = np.argsort(-(v @ class_vecs[ci]), kind="stable")
        rel = truth[order] == ci
        precisions.append(float(rel[:k].mean()))
        ranks = np.flatnonzero(rel) + 1
        aps.append(float(np.mean(np.cumsum(rel)[ranks - 1] / ranks)))
    metrics: dict[str, Any] = {
        "held_out_photos": len(examples),
        "class_accuracy": round(accuracy, 4),
        "k": k,
        "class_precision": round(float(np.mean(precisions)), 4),
        "class_map": round(float(np.mean(aps)), 4),
    }
    captioned = [i for i, e in enumerate(examples) if e.captions]
    if captioned:
        import re

        if head is not None and len(head[0]):
            tag_words, logits = head
            hits = [[tag_words[j] for j in np.argsort(-logits[i])[:5]] for i in captioned]
        else:
            hits = [[h.word for h in row] for row in vocab.nearest(v[captioned], 5)]
        found = []
        for i, tags in zip(captioned, hits, strict=True):
            tokens = {t for c in examples[i].captions for t in re.findall(r"[a-z]+", c.lower())}
            found.append([w in tokens or w + "s" in tokens for w in tags])
        metrics["tag_p5"] = round(float(np.mean(found)), 4)
    return metrics


def _install(
    models_dir: Path,
    name: str,
    path: Path,
    backbone: str,
    dataset: Dataset,
    config: Any,
    views: int,
    metrics: dict[str, Any],
    parity: float,
    tag_words: Sequence[str] = (),
) -> dict[str, Any]:
    """Write the manifest entry as the default for backbone; other defaults there step down."""
    from export.devise import INPUT_NAME, OUTPUT_NAME, TAG_OUTPUT, converter_versions
    from export.manifest import load_manifest, sha256_file, update_manifest_entry

    manifest = models_dir / "manifest.json"
    for other, old in load_manifest(manifest).get("models", {}).items():
        if (
            other != name
            and old.get("kind") == "joint-model"
            and old.get("backbone") == backbone
            and old.get("default")
        ):
            update_manifest_entry(other, dict(old, default=False), manifest_path=manifest)
    entry: dict[str, Any] = {
        "kind": "joint-model",
        "backbone": backbone,
        "file": path.name,
        "sha256": sha256_file(path),
        "input": {"name": INPUT_NAME},
        "outputs": {"embedding": OUTPUT_NAME, **({"tag_logits": TAG_OUTPUT} if tag_words else {})},
        **({"tag_words": list(tag_words)} if tag_words else {}),
        "embedding_dim": 50,
        "word_vectors": "glove-6b-50d",
        "default": True,
        "training": {
            "data": str(dataset.root),
            "classes": dataset.classes,
            "train_photos": len(dataset.train),
            "captions": dataset.has_captions,
            "views": views,
            "hyper_parameters": config.to_json(),
        },
        "metrics": {"split": "held-out photos of DATA_DIR", **metrics},
        "parity_max_abs_diff": parity,
        "converter": converter_versions(),
        "rebuild": f"python main.py --backbone {backbone} train {dataset.root}",
    }
    update_manifest_entry(name, entry, manifest_path=manifest)
    return entry
