"""Fit the compact image-vector projection (centring + PCA) on reference photos.

    python -m export.projection --dim 128

The reference photos are the training split of ../shared/data/pascal-sentences; the dimension
was chosen on the validation split and the figure reported on the test split
(benchmarks/compact_vectors.py). Only the mean and the components are shipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from evaluation import pascal
from export.manifest import MODELS_DIR, sha256_file, update_manifest_entry


def fit_pca(features: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean [d], components [dim, d]) of features, components ordered by variance."""
    mean = features.mean(axis=0)
    _, _, vt = np.linalg.svd(features - mean, full_matrices=False)
    return mean.astype(np.float32), vt[:dim].astype(np.float32)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fit and install the image-vector projection")
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args(argv)
    if not pascal.available():
        sys.stderr.write(f"error: {pascal.PASCAL_DIR} not found\n")
        return 1
    photos = pascal.load_photos()
    train = [i for i, p in enumerate(photos) if p.split == "train"]
    feats = pascal.features(photos, args.backbone)
    mean, components = fit_pca(feats[train], args.dim)
    name = f"{args.backbone}-pca{args.dim}"
    path = MODELS_DIR / f"{name}.npz"
    np.savez_compressed(path, mean=mean, components=components)
    entry = {
        "kind": "image-projection",
        "backbone": args.backbone,
        "file": path.name,
        "sha256": sha256_file(path),
        "dim": args.dim,
        "method": "centre on the reference mean, project on the top principal components",
        "fit_on": f"pascal-sentences train split ({len(train)} photos, benchmarks/pascal.py)",
        "rebuild": f"python -m export.projection --backbone {args.backbone} --dim {args.dim}",
    }
    update_manifest_entry(name, entry)
    sys.stderr.write(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
