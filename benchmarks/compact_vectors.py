"""Which image vectors to index: raw features, centred, or centred + PCA of some dimension.

    .venv/bin/python -m benchmarks.compact_vectors

image->image precision@10 (same folder class; all 800 photos searched, the query excluded).
The PCA is fit on the training split; the dimension is chosen on validation queries and the
test queries give the reported figure.
"""

from __future__ import annotations

import sys

import numpy as np

from evaluation import pascal
from evaluation.pascal_scores import image_precision
from export.projection import fit_pca

DIMS = (32, 64, 128, 256, 384)


def main() -> int:
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    photos = pascal.load_photos()
    feats = pascal.features(photos)
    split = np.array([p.split for p in photos])
    train, val, test = (np.flatnonzero(split == s) for s in ("train", "val", "test"))
    print("| vectors | floats/photo | val P@10 | test P@10 |")
    print("|---|---|---|---|")
    mean = feats[train].mean(axis=0)
    rows = [("raw features", feats), ("centred", feats - mean)]
    for dim in DIMS:
        mu, comps = fit_pca(feats[train], dim)
        rows.append((f"centred + PCA-{dim}", (feats - mu) @ comps.T))
    for name, vectors in rows:
        print(
            f"| {name} | {vectors.shape[1]} | {image_precision(vectors, photos, val):.3f} "
            f"| {image_precision(vectors, photos, test):.3f} |"
        )
    print("\ncommand: .venv/bin/python -m benchmarks.compact_vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
