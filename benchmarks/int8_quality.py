"""Is the int8 encoder harmless? Fidelity to the float features, then the quality benchmarks
run on int8 features with every downstream model unchanged.

    PHOTOSEARCH_INT8_ENCODER=1 .venv/bin/python -m export shared-features --cache DIR
    .venv/bin/python -m benchmarks.int8_quality --int8-cache DIR [--run quality everyday]

The float features are the shared-features cache (evaluation/everyday.py FEATURE_CACHE); DIR
holds the same files made by the int8 model. On the held-out photos of every source it prints
the cosine of each photo's int8 features to its float features, top-1 agreement of the
1000-class logits (the app's float head), and image->image P@10 on the Pascal test photos
for float, int8 and mixed libraries (int8 queries, float library: a library indexed before
the switch). Then, with --run, benchmarks.quality and benchmarks.everyday print their own
tables on the int8 features.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.models.encoder import ImageEncoder
from core.storage import feature_codec
from core.vectors.ann import unit_rows
from evaluation import everyday, pascal


def _image_p10(queries: np.ndarray, library: np.ndarray, classes: np.ndarray) -> float:
    """P@10 of each test query's folder class among its 10 nearest library photos (not self)."""
    sims = unit_rows(queries) @ unit_rows(library).T
    sims[np.arange(len(queries)), np.arange(len(queries))] = -np.inf
    top = np.argsort(-sims, axis=1)[:, :10]
    return float((classes[top] == classes[:, None]).mean())


def fidelity(int8_cache: Path) -> None:
    """Cosine and top-1 agreement per source, and Pascal image->image P@10."""
    encoder = ImageEncoder(int8=False)
    print(
        "| held-out photos | n | cosine mean | p5 | min | top-1 agreement "
        "| yardstick: the catalog's 8-bit storage of float features, cosine mean / min |"
    )
    print("|---|---|---|---|---|---|---|")
    sources = [
        (s, [p.key for p in everyday.load(s) if p.split == "test"]) for s in everyday.SOURCES
    ]
    pascal_test = [p.key for p in pascal.load_photos() if p.split == "test"]
    sources.append(("pascal-sentences", pascal_test))
    for source, keys in sources:
        f = everyday.cached_features(source, keys)
        q = everyday.cached_features(source, keys, cache=int8_cache)
        cos = (unit_rows(f) * unit_rows(q)).sum(1)
        agree = (encoder.logits(f).argmax(1) == encoder.logits(q).argmax(1)).mean()
        stored = (
            unit_rows(f) * unit_rows(feature_codec.decode_rows(*feature_codec.encode_rows(f)))
        ).sum(1)
        print(
            f"| {source} | {len(keys)} | {cos.mean():.4f} | {np.percentile(cos, 5):.4f} | "
            f"{cos.min():.4f} | {agree:.3f} | {stored.mean():.4f} / {stored.min():.4f} |"
        )
    photos = pascal.load_photos()
    test = [p for p in photos if p.split == "test"]
    keys = [p.key for p in test]
    f = everyday.cached_features("pascal-sentences", keys)
    q = everyday.cached_features("pascal-sentences", keys, cache=int8_cache)
    classes = np.array([p.cls for p in test])
    print("\n| Pascal test, image->image P@10 | float library | int8 library |")
    print("|---|---|---|")
    print(f"| float queries | {_image_p10(f, f, classes):.3f} | {_image_p10(f, q, classes):.3f} |")
    print(f"| int8 queries | {_image_p10(q, f, classes):.3f} | {_image_p10(q, q, classes):.3f} |")


def use_int8_features(int8_cache: Path) -> None:
    """Make the quality benchmarks read the int8 features instead of the float ones."""
    float_cached = everyday.cached_features

    def cached(
        source: str, keys: Sequence[str], view: str = "crop", cache: Path = int8_cache
    ) -> np.ndarray:
        return float_cached(source, keys, view, cache)

    def features(
        photos: Sequence[pascal.Photo], backbone: str = "", extra: object = ()
    ) -> np.ndarray:
        return float_cached("pascal-sentences", [p.key for p in photos], "crop", int8_cache)

    everyday.cached_features = cached
    pascal.features = features  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--int8-cache", type=Path, required=True, help="int8 shared features")
    parser.add_argument("--run", nargs="*", default=[], choices=["quality", "everyday"])
    args = parser.parse_args(argv)
    if not pascal.available() or not (args.int8_cache / "pascal-sentences.crop.npz").is_file():
        print("shared photos or int8 features not found: nothing to measure", file=sys.stderr)
        return 1
    fidelity(args.int8_cache)
    use_int8_features(args.int8_cache)
    for name in args.run:
        print(f"\n## benchmarks.{name} on int8 features\n", flush=True)
        if name == "quality":
            from benchmarks import quality

            quality.main([])
        else:
            from benchmarks import everyday as everyday_benchmark

            everyday_benchmark.main([])
    print(f"\ncommand: .venv/bin/python -m benchmarks.int8_quality --int8-cache {args.int8_cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
