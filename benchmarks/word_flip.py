"""Issue 20's flip lever, on val: photo vectors from the mean of a photo's features and its
mirror image's (what a horizontal-flip average at index time would store), scored by the
shipped recipe's train-only model.

    .venv/bin/python -m benchmarks.word_flip

Only the val photos of Pascal Sentences and Flickr8k are encoded mirrored (~1,000 photos, a
minute of CPU; cached as SOURCE.flip.npz beside the shared features); the training photos keep
one view, so training-time flip augmentation is not measured here. Figures: mean val AP of the
45 everyday words over the Flickr8k val photos and of the 20 class words over the Pascal val
photos (a caption uses the word, or a VOC object is present), as export.word_model.word_val_ap
scores them (word logit and GloVe part, without the class-evidence blend).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.everyday import EVERYDAY_WORDS
from core.media.decode import centre_crop_resize, open_image, read_file
from core.models.encoder import ImageEncoder
from core.models.glove import WordVectors
from evaluation import everyday, pascal
from export.word_data import PASCAL, load_photos
from export.word_model import calibrate, fit, word_val_ap


def flipped_features(source: str, keys: list[str], cache: Path) -> np.ndarray:
    """[n, 1280] features of the mirrored centre squares of keys (cached)."""
    out = cache / f"{source}.flip.npz"
    if out.exists():
        with np.load(out) as npz:
            if set(keys) <= set(npz["names"].tolist()):
                return everyday.cached_features(source, keys, view="flip", cache=cache)
    encoder = ImageEncoder()
    size = encoder.input_size
    feats = np.zeros((len(keys), encoder.feature_dim), np.float32)
    for start in range(0, len(keys), 32):
        batch = [
            centre_crop_resize(open_image(read_file(everyday.DATA_DIR / source / k), size), size)
            for k in keys[start : start + 32]
        ]
        feats[start : start + len(batch)] = encoder.encode(np.stack(batch)[:, :, ::-1]).features
    np.savez(out, names=np.array(keys), features=feats)
    return feats


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    if not everyday.available(everyday.FLICKR) or not pascal.available():
        print(f"{everyday.DATA_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    cache = everyday.FEATURE_CACHE
    photos = load_photos(cache)
    keys = [p.key for p in pascal.load_photos()] + [p.key for p in everyday.load(everyday.FLICKR)]
    keys += [""] * (len(photos.source) - len(keys))
    val = np.flatnonzero(photos.select(["val"]) & (photos.source != everyday.SCENES))
    flip = photos.features.copy()
    for source in (PASCAL, everyday.FLICKR):
        rows = val[photos.source[val] == source]
        flip[rows] = flipped_features(source, [keys[r] for r in rows], cache)
    mean_view = replace(photos, features=(photos.features + flip) / 2)
    glove = WordVectors(cache / "glove")
    fitted = fit(photos, np.flatnonzero(photos.select(["train"])), glove)
    class_words = {s.split()[-1] for s in photos.subject if s}
    print(
        "| val photos' vectors | everyday-word mAP (Flickr8k val) | class-word mAP (Pascal val) |"
    )
    print("|---|---|---|")
    for label, view in (("one view (the app)", photos), ("flip average", mean_view)):
        cells = []
        for source, words in ((everyday.FLICKR, EVERYDAY_WORDS), (PASCAL, class_words)):
            rows = val[photos.source[val] == source]
            cal = calibrate(fitted, view, val)
            ap = word_val_ap(fitted, cal, view, rows)
            cells.append(
                np.nanmean([a for w, a in zip(fitted.words, ap, strict=True) if w in words])
            )
        print(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print("\ncommand: .venv/bin/python -m benchmarks.word_flip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
