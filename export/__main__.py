"""Command line for building the committed model resources: ``python -m export SUBCOMMAND``."""

from __future__ import annotations

import os

# Must precede any TensorFlow/onnx import: big protobufs exceed the C++ backend's limits.
os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from export.efficientnet_lite import VARIANTS
from export.manifest import MODELS_DIR, REPO_ROOT, RESOURCES_DIR, sha256_file
from export.onnx_convert import DEFAULT_OPSET

PASCAL_DIR = REPO_ROOT.parent / "shared" / "data" / "pascal-sentences" / "images"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parity_photos(limit: int = 8) -> list[Path]:
    """A few real photos for the parity check, when the shared data set is present."""
    if not PASCAL_DIR.is_dir():
        return []
    photos = sorted(PASCAL_DIR.glob("*/*.jpg"))
    step = max(1, len(photos) // limit)
    return photos[::step][:limit]


def cmd_encoder(args: argparse.Namespace) -> int:
    """Export one EfficientNet-Lite variant and record it in the manifest."""
    from export.efficientnet_lite import export_encoder
    from export.manifest import MANIFEST_NAME, update_manifest_entry

    start = time.perf_counter()
    out_dir: Path = args.out_dir
    photos = _parity_photos()
    if not photos:
        _progress(f"note: {PASCAL_DIR} not found; parity is checked on random inputs only")
    entry = export_encoder(
        VARIANTS[args.variant], out_dir, real_images=photos, opset=args.opset, progress=_progress
    )
    manifest = update_manifest_entry(args.variant, entry, manifest_path=out_dir / MANIFEST_NAME)
    _progress(f"wrote {out_dir / entry['file']}, {out_dir / entry['head']['file']}, {manifest}")
    _progress(f"parity max abs diff: {entry['parity_max_abs_diff']}")
    _progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def _infer_version(path: Path, package: str) -> str | None:
    """A package version from a wheel or dist-info next to (or above) an extracted file."""
    pattern = re.compile(rf"^{re.escape(package)}-(\d[^-]*?)(?:\.dist-info|-py.*\.whl)$")
    for folder in path.resolve().parents:
        for candidate in sorted(folder.iterdir()):
            match = pattern.match(candidate.name)
            if match:
                return match.group(1)
    return None


def cmd_imagenet_classes(args: argparse.Namespace) -> int:
    """Write imagenet_classes.json and record where it came from."""
    from export.imagenet_classes import build_classes, write_classes
    from export.manifest import update_manifest_entry

    for path in (args.synsets, args.lemmas):
        if not path.is_file():
            _progress(f"error: {path} not found")
            return 2
    version = args.source_version or _infer_version(args.synsets, args.source_package)
    if version is None:
        _progress(f"error: cannot tell the {args.source_package} version; pass --source-version")
        return 2
    try:
        classes = build_classes(args.synsets, args.lemmas)
    except ValueError as e:
        _progress(f"error: {e}")
        return 2
    write_classes(classes, args.out)
    out = args.out.resolve()
    # Keyed like the encoder's "classes" field: a path relative to resources/.
    key = str(out.relative_to(RESOURCES_DIR)) if out.is_relative_to(RESOURCES_DIR) else str(out)
    update_manifest_entry(
        key,
        {
            "sha256": sha256_file(args.out),
            "count": len(classes),
            "source": {
                "package": args.source_package,
                "version": version,
                "license": "Apache-2.0",
                "files": [
                    f"timm/data/_info/{args.synsets.name}",
                    f"timm/data/_info/{args.lemmas.name}",
                ],
            },
            "rebuild": "python -m export imagenet-classes --synsets SYNSETS --lemmas LEMMAS",
        },
        section="classes",
        manifest_path=args.manifest,
    )
    _progress(f"wrote {len(classes)} classes to {args.out} ({args.source_package} {version})")
    return 0


def cmd_concepts(args: argparse.Namespace) -> int:
    """Write resources/concepts.json (query words -> ImageNet classes) from WordNet."""
    from export.concepts import WORDNET_DIR, build_concepts_resource

    if not (WORDNET_DIR / "data.noun").is_file():
        _progress(f"error: {WORDNET_DIR} not found; apt-get install wordnet-base")
        return 2
    header = build_concepts_resource(args.out, progress=_progress)
    _progress(f"wrote {header['term_count']} terms to {args.out}")
    return 0


def cmd_word_links(args: argparse.Namespace) -> int:
    """Write resources/word_links.json (weakly known words -> well known ones, from WordNet)."""
    from core.models.glove import WordVectors
    from core.models.word_model import WORD_MODEL, WordModel
    from export.word_links import write_word_links

    model = WordModel(f"{WORD_MODEL}-efficientnet-lite0")
    write_word_links(args.out, model, WordVectors(args.cache / "glove"), _progress)
    return 0


def cmd_shared_features(args: argparse.Namespace) -> int:
    """Cache the Lite0 features of every shared photo."""
    from export.shared_features import cache_all

    cache_all(args.cache, progress=_progress)
    return 0


def cmd_word_model(args: argparse.Namespace) -> int:
    """Train the default word model on the cached features and install it in resources/."""
    if args.compare_views:
        from export.word_views import compare_views

        compare_views(progress=_progress)
        return 0
    from export.word_model import build

    out = build(args.out_dir, args.cache, progress=_progress)
    _progress(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MiB) and its manifest entry")
    return 0


def cmd_devise(args: argparse.Namespace) -> int:
    """Train the default joint model on the shared photos and install it in resources/."""
    import json

    from evaluation import pascal
    from export.devise_pascal import build_default

    if not pascal.available():
        _progress(f"error: {pascal.PASCAL_DIR} not found")
        return 1
    start = time.perf_counter()
    entry = build_default(args.backbone, args.views, progress=_progress, cv=args.cv)
    _progress(json.dumps(entry["metrics"], indent=1))
    _progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_vgg16(args: argparse.Namespace) -> int:
    """Export Keras VGG16 to ONNX and install it (default: into the user's profile)."""
    from core.storage.profile import resolve_profile
    from export.manifest import MANIFEST_NAME, update_manifest_entry
    from export.vgg16 import NAME, ExportError, export_vgg16

    out_dir: Path = args.out_dir or resolve_profile(args.data_dir).models_dir
    weights = None if args.weights == "none" else args.weights
    start = time.perf_counter()
    try:
        entry = export_vgg16(out_dir, weights, progress=_progress)
    except ExportError as e:
        _progress(f"error: {e}")
        return 1
    manifest = update_manifest_entry(NAME, entry, manifest_path=out_dir / MANIFEST_NAME)
    size = (out_dir / entry["file"]).stat().st_size / 2**20
    _progress(f"wrote {out_dir / entry['file']} ({size:.0f} MiB) and {manifest}")
    _progress(f"parity max abs diff: {entry['parity_max_abs_diff']}")
    _progress(f"done in {time.perf_counter() - start:.1f} s; use it with --backbone {NAME}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets ``func``."""
    parser = argparse.ArgumentParser(prog="python -m export", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    enc = sub.add_parser("encoder", help="export an EfficientNet-Lite image encoder to ONNX")
    enc.add_argument("variant", choices=sorted(VARIANTS))
    enc.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    enc.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    enc.set_defaults(func=cmd_encoder)

    cls = sub.add_parser("imagenet-classes", help="write resources/imagenet_classes.json")
    cls.add_argument("--synsets", type=Path, required=True, help="timm imagenet_synsets.txt")
    cls.add_argument("--lemmas", type=Path, required=True, help="imagenet_synset_to_lemma.txt")
    cls.add_argument("--out", type=Path, default=RESOURCES_DIR / "imagenet_classes.json")
    cls.add_argument("--manifest", type=Path, default=MODELS_DIR / "manifest.json")
    cls.add_argument("--source-package", default="timm")
    cls.add_argument("--source-version", help="default: from a timm wheel beside the files")
    cls.set_defaults(func=cmd_imagenet_classes)

    con = sub.add_parser("concepts", help="write resources/concepts.json from WordNet")
    con.add_argument("--out", type=Path, default=RESOURCES_DIR / "concepts.json")
    con.set_defaults(func=cmd_concepts)

    from evaluation.everyday import FEATURE_CACHE

    feat = sub.add_parser("shared-features", help="cache Lite0 features of the shared photos")
    feat.add_argument("--cache", type=Path, default=FEATURE_CACHE)
    feat.set_defaults(func=cmd_shared_features)

    links = sub.add_parser("word-links", help="write resources/word_links.json from WordNet")
    links.add_argument("--out", type=Path, default=RESOURCES_DIR / "word_links.json")
    links.add_argument("--cache", type=Path, default=FEATURE_CACHE, help="GloVe word-list cache")
    links.set_defaults(func=cmd_word_links)

    wm = sub.add_parser("word-model", help="train the default word model (word classifiers)")
    wm.add_argument("--cache", type=Path, default=FEATURE_CACHE, help="shared-features cache")
    wm.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    wm.add_argument(
        "--compare-views",
        action="store_true",
        help="only print val word mAP for the squashed and unsquashed Flickr8k views",
    )
    wm.set_defaults(func=cmd_word_model)

    dev = sub.add_parser(
        "devise", help="train the default joint image-word model on the shared Pascal photos"
    )
    dev.add_argument("--backbone", default="efficientnet-lite0")
    dev.add_argument("--views", type=int, default=16, help="augmented views per training photo")
    dev.add_argument(
        "--cv", action="store_true", help="first print 5-fold cross-validation over train+val"
    )
    dev.set_defaults(func=cmd_devise)

    vgg = sub.add_parser("vgg16", help="export Keras VGG16 (fc2 features + logits) to ONNX")
    vgg.add_argument(
        "--weights",
        default="imagenet",
        help="imagenet (Keras downloads them), a VGG16 .h5 weights file, or none (random)",
    )
    where = vgg.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        metavar="DIR",
        help="install into this profile's models/ (default: the user's profile)",
    )
    where.add_argument("--out-dir", type=Path, help="write the files and manifest here instead")
    vgg.set_defaults(func=cmd_vgg16)

    from export.quantize import add_quantize_parser

    add_quantize_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one subcommand."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
