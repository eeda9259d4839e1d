"""Where a profile's bytes go, per photo, and whether compact storage costs held-out precision.

    .venv/bin/python -m benchmarks.profile_size [--photos 100000]

The library is built as in benchmarks/recall.py (features mixed from the real shared photos,
indexes built by the app's own code); the GloVe word index is per profile, not per photo, and
is left out. The catalog is split by SQLite's dbstat into feature rows, photo rows and their
indexes. Precision: image->image P@10 and class-conditioned P@10 (the query's Pascal class as
its ImageNet class, as in benchmarks/calibration.py) on the 200 Pascal test photos, searching
all 800, with features stored as float32, float16 (the old catalog) and 8-bit (the new one).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.calibration import CLASS_FOR
from benchmarks.query_latency import synthetic_library
from benchmarks.recall import feature_maker, real_features
from core.models.encoder import ImageEncoder
from core.models.imagenet import resolve_class
from core.models.joint import ImageSpace
from core.storage.feature_codec import decode_rows, encode_rows
from core.vectors.ann import unit_rows
from core.vectors.feature_cache import class_scores
from evaluation import pascal


def file_group(name: str) -> str:
    """The README's label for one file of the profile."""
    if name.startswith("catalog"):
        return "catalog (other)"
    if name.startswith("class-evidence-"):
        return "class evidence (each photo's 32 likeliest ImageNet classes)"
    if name.startswith("features-"):
        if name.endswith(".sketch.npy"):
            return "class-search cache: float16 sketch"
        if name.endswith(".ids.npy") or name.endswith(".basis.npy"):
            return "class-search cache: basis and ids"
        if name.endswith(".npy"):  # before issue 13's last step: a copy of the catalog's rows
            return "class-search cache: 8-bit features (a copy of the catalog's)"
        return "class-search cache: metadata"
    kind = name.split(".", 1)[1] if "." in name else ""
    space = "image vectors (float16)" if name.startswith("image-") else "word-space vectors"
    return f"{space} and ids" if kind in ("vectors.npy", "ids.npy") else f"{space}: {kind}"


def catalog_tables(path: Path) -> dict[str, int]:
    """Bytes per table or index of a SQLite file, from dbstat."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        return {str(name): int(size) for name, size in rows}
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()


def breakdown(profile: Path, n: int) -> list[tuple[str, float]]:
    sizes: dict[str, float] = {}
    catalog = profile / "catalog.sqlite3"
    tables = catalog_tables(catalog)
    for table, size in tables.items():
        label = (
            "catalog: features (8-bit rows and their B-tree pages)"
            if table == "features"
            else "catalog: photos, paths, indexes"
        )
        sizes[label] = sizes.get(label, 0.0) + size / n
    for p in sorted(profile.rglob("*")):
        if not p.is_file() or "cache" in p.parts or p.name.startswith("glove"):
            continue
        if (p == catalog and tables) or p.stat().st_size == 0:
            continue
        group = file_group(p.name)
        sizes[group] = sizes.get(group, 0.0) + p.stat().st_size / n
    return sorted(sizes.items(), key=lambda kv: -kv[1])


def precision_rows() -> list[str]:
    """Held-out P@10 with the features stored three ways."""
    photos = pascal.load_photos()
    feats = pascal.features(photos)
    encoder = ImageEncoder("efficientnet-lite0")
    space = ImageSpace(encoder)
    cls = np.array([p.cls for p in photos])
    test = np.flatnonzero(np.array([p.split for p in photos]) == "test")
    weights = encoder.head[0]
    stored = {
        "float32 (no rounding)": feats,
        "float16 (the old catalog)": feats.astype(np.float16).astype(np.float32),
        "8-bit (the catalog now)": decode_rows(*encode_rows(feats)),
    }
    rows = []
    for name, x in stored.items():
        v = unit_rows(space.transform(x)).astype(np.float16).astype(np.float32)
        sims = v[test] @ v.T
        sims[np.arange(len(test)), test] = -np.inf
        image_p10 = (cls[np.argsort(-sims, axis=1)[:, :10]] == cls[test][:, None]).mean()
        class_hits = []
        for q in test:
            w = weights[resolve_class(CLASS_FOR[cls[q]]).index]
            s = class_scores(x, x[q], w)
            s[q] = -np.inf
            class_hits.append((cls[np.argsort(-s)[:10]] == cls[q]).mean())
        rows.append(f"| {name} | {image_p10:.4f} | {np.mean(class_hits):.4f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument(
        "--no-precision", action="store_true", help="bytes only (the precision takes minutes)"
    )
    args = parser.parse_args()
    n = args.photos
    root = Path(tempfile.mkdtemp(prefix="ps-size-"))
    try:
        library, _ = synthetic_library(root, n, feature_maker(real_features()))
        library.close()
        parts = breakdown(root / "profile", n)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"| {n:,} photos: part of the profile | bytes per photo |\n|---|---|")
    for label, size in parts:
        if round(size):  # metadata files: a few bytes per library, not per photo
            print(f"| {label} | {size:,.0f} |")
    total = sum(size for _, size in parts)
    print(f"| **total** | **{total:,.0f}** ({total / 1024:.2f} KiB) |")
    if pascal.available() and not args.no_precision:
        print("\n| features stored as | image P@10 (test) | class-conditioned P@10 (test) |")
        print("|---|---|---|")
        for row in precision_rows():
            print(row)
    print(f"\ncommand: .venv/bin/python -m benchmarks.profile_size --photos {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
