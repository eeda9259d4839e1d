"""Near-duplicate threshold, precision and recall on constructed copies of real photos; speed.

    .venv/bin/python -m benchmarks.near_duplicates [--cache DIR] [--sizes 10000 50000]

Each Pascal photo gets five copies made here, in memory: resized to half, re-encoded as JPEG
quality 60, cropped to its central 90%, brightened by 15%, and reframed (the top-left 85%, as
the next frame of a burst). A pool holds the originals and their copies; a pair is a true
duplicate when both come from the same original. Every other pair is a different photo, many
of them of the same class (cats against cats): hard negatives.

The threshold is chosen on the "val" photos (best F1); precision and recall are reported on the
held-out "test" photos. Speed is timed on synthetic vectors made from the real ones.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from core.browse.duplicates import DEFAULT_THRESHOLD, near_duplicate_groups, similar_pairs
from core.media.decode import centre_crop_resize, open_image
from core.models.encoder import ImageEncoder
from core.models.joint import ImageSpace
from core.storage import feature_codec
from core.vectors.ann import unit_rows
from evaluation import pascal

Variant = Callable[[Image.Image], Image.Image]


def _crop(im: Image.Image, share: float, centred: bool) -> Image.Image:
    w, h = im.size
    cw, ch = round(w * share), round(h * share)
    left, top = ((w - cw) // 2, (h - ch) // 2) if centred else (0, 0)
    return im.crop((left, top, left + cw, top + ch))


VARIANTS: dict[str, Variant] = {
    "resized 50%": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "JPEG q60": lambda im: im,  # the re-encoding below is the change
    "cropped 90%": lambda im: _crop(im, 0.9, centred=True),
    "brightened 15%": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "reframed 85%": lambda im: _crop(im, 0.85, centred=False),
}


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def pool_features(
    photos: list[pascal.Photo], encoder: ImageEncoder, cache: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw features, source index, variant index: 0 original, 1.. VARIANTS) of the pool."""
    cache_file = cache / f"near-duplicates-{encoder.name}.npz"
    keys = [p.key for p in photos]
    if cache_file.is_file():
        with np.load(cache_file) as npz:
            if list(npz["keys"]) == keys:
                return npz["features"], npz["source"], npz["variant"]
    feats, source, variant = [], [], []
    for n, photo in enumerate(photos):
        original = Image.open(photo.path).convert("RGB")
        files = [photo.path.read_bytes()]
        for name, make in VARIANTS.items():
            files.append(_jpeg(make(original), 60 if name == "JPEG q60" else 92))
        pixels = np.stack(
            [
                centre_crop_resize(open_image(f, encoder.input_size), encoder.input_size)
                for f in files
            ]
        )
        feats.append(encoder.encode(pixels).features)
        source += [n] * len(files)
        variant += list(range(len(files)))
    out = np.concatenate(feats), np.asarray(source), np.asarray(variant)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(cache_file, keys=np.asarray(keys), features=out[0], source=out[1], variant=out[2])
    return out


def pair_scores(
    vectors: np.ndarray, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine, same source, (i, j) index pairs) of every pair of the pool (i < j)."""
    x = unit_rows(vectors)
    sims = x @ x.T
    i, j = np.triu_indices(len(x), k=1)
    return sims[i, j], source[i] == source[j], np.stack([i, j], axis=1)


def precision_recall(scores: np.ndarray, same: np.ndarray, t: float) -> tuple[float, float]:
    said = scores >= t
    tp = int((said & same).sum())
    return tp / max(int(said.sum()), 1), tp / max(int(same.sum()), 1)


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    best, best_f1 = 0.9, -1.0
    for t in np.arange(0.50, 0.995, 0.005):
        p, r = precision_recall(scores, same, float(t))
        f1 = 2 * p * r / max(p + r, 1e-12)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return round(best, 3)


def _as_stored(features: np.ndarray) -> np.ndarray:
    """Features after the catalog's 8-bit round trip: what Library.near_duplicates reads."""
    blobs = [feature_codec.encode(f) for f in features]
    return feature_codec.decode_many(blobs, features.shape[1])


def quality(cache: Path) -> None:
    encoder = ImageEncoder()
    photos = pascal.load_photos()
    space = ImageSpace(encoder)
    spaces = {
        "raw features": lambda f: f,
        "raw features as stored (8-bit)": _as_stored,
        f"image space ({space.name})": space.transform,
    }
    print("space | threshold (val) | precision (test) | recall (test) | " + " | ".join(VARIANTS))
    for label, transform in spaces.items():
        results = {}
        for split in ("val", "test"):
            chosen = [p for p in photos if p.split == split]
            feats, source, variant = pool_features(chosen, encoder, cache / split)
            scores, same, pairs = pair_scores(transform(feats), source)
            results[split] = (scores, same, pairs, variant)
            feats_test = feats
        t = best_threshold(*results["val"][:2])
        scores, same, pairs, variant = results["test"]
        p, r = precision_recall(scores, same, t)
        per_variant = []
        for v in range(1, len(VARIANTS) + 1):
            mine = same & (variant[pairs[:, 0]] == 0) & (variant[pairs[:, 1]] == v)
            per_variant.append(float((scores[mine] >= t).mean()))
        n_test = int(same.sum()), int((~same).sum())
        if label == "raw features":  # the scan Library.near_duplicates runs finds the same
            found = {(i, j) for i, j, _ in similar_pairs(transform(feats_test), t)}
            assert found == {tuple(ij) for ij in pairs[scores >= t].tolist()}
        print(
            f"{label} | {t:.3f} | {p:.3f} | {r:.3f} | "
            + " | ".join(f"{x:.3f}" for x in per_variant)
            + f"   ({n_test[0]:,} duplicate pairs, {n_test[1]:,} different pairs)"
        )


def speed(sizes: list[int], cache: Path) -> None:
    """Library.near_duplicates' scan on n realistic vectors: mixtures of three real photos'
    features with a third of them dropped (non-negative, low-rank like real ones), and one
    photo in 50 a noisy copy of another."""
    encoder = ImageEncoder()
    photos = [p for p in pascal.load_photos() if p.split in ("val", "test")]
    bases = []
    for split in ("val", "test"):
        chosen = [p for p in photos if p.split == split]
        feats, _, variant = pool_features(chosen, encoder, cache / split)
        bases.append(feats[variant == 0])
    base = np.concatenate(bases)
    rng = np.random.default_rng(0)
    for n in sizes:
        mix = rng.dirichlet(np.ones(3), n).astype(np.float32)
        picks = rng.integers(0, len(base), (n, 3))
        x = np.einsum("nk,nkd->nd", mix, base[picks]) * (rng.random((n, base.shape[1])) > 0.33)
        copies = np.arange(1, n, 50)
        x[copies] = np.abs(x[copies - 1] + rng.normal(0, 0.02, (len(copies), x.shape[1])))
        start = time.perf_counter()
        groups = near_duplicate_groups(x.astype(np.float32), DEFAULT_THRESHOLD)
        took = time.perf_counter() - start
        planted = sum(1 for g in groups if len(g) == 2 and g[1] - g[0] == 1)
        print(
            f"{n:,} photos, {x.shape[1]}-d: {took:.1f} s, {len(groups):,} groups "
            f"({planted:,} of {len(copies):,} planted copies found)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=pascal.CACHE_DIR)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if not args.skip_quality:
        if not pascal.available():
            raise SystemExit(f"needs the Pascal photos in {pascal.PASCAL_DIR}")
        quality(args.cache)
    speed(args.sizes, args.cache)


if __name__ == "__main__":
    main()
