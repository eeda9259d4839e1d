"""How many ImageNet classes the app offers for a photo at each probability bar.

    .venv/bin/python -m benchmarks.class_entries

The right-click menu ("Find similar: tabby") and the details panel ("Looks like") offer at
most 3 classes, each at or above a probability bar (gui/side_panels.py). For the 800 Pascal
photos this prints, per bar, the share of photos that get at least one class and the mean
number offered, then the classes that fall below the chosen bar on the cat photos.
"""

from __future__ import annotations

import collections
import sys

import numpy as np

from evaluation import pascal

BARS = (0.05, 0.10, 0.15, 0.20, 0.30)
CHOSEN = 0.15
MENU = 3


def main() -> int:
    if not pascal.available():
        print(f"needs the shared Pascal photos in {pascal.PASCAL_DIR}", file=sys.stderr)
        return 2
    from core.models.encoder import ImageEncoder, softmax
    from core.models.imagenet import imagenet_classes

    photos = pascal.load_photos()
    probs = softmax(ImageEncoder("efficientnet-lite0").logits(pascal.features(photos)))
    top = -np.sort(-probs, axis=1)[:, :MENU]
    print("| bar | photos with a class | classes offered (mean) |")
    print("|---|---|---|")
    for bar in BARS:
        offered = (top >= bar).sum(axis=1)
        print(f"| {bar:.2f} | {np.mean(offered >= 1):.2f} | {offered.mean():.2f} |")
    names = [c.name for c in imagenet_classes()]
    below: collections.Counter[str] = collections.Counter()
    for photo, p in zip(photos, probs, strict=True):
        if photo.cls == "cat":
            below.update(names[j] for j in np.argsort(-p)[:5] if p[j] < CHOSEN)
    print(f"top-5 classes under {CHOSEN} on the 40 cat photos:", below.most_common(12))
    return 0


if __name__ == "__main__":
    sys.exit(main())
