"""How often a tag is right at each score: the sidebar's cut-off for unlikely tags.

    .venv/bin/python -m benchmarks.tag_precision [--split val|test]

Each held-out Flickr8k photo's 10 best tags (the app's: the word model's tag head plus
confident ImageNet classes, `tags_with_classes`) are binned by score; a tag is right when one
of the photo's five captions uses the word. The sidebar's TAG_MIN_SCORE (gui/side_panels.py)
sits at the knee both splits show (0.02); the shipped model was refitted on train + val, so
only the test split's precision is a held-out figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.everyday import TestData
from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.imagenet import imagenet_classes
from core.models.joint import load_joint_space
from core.models.word_model import WordModel, tags_with_classes
from core.storage.settings import DEFAULT_JOINT

EDGES = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=["val", "test"], default="test")
    args = parser.parse_args(argv)
    data = TestData(args.split)
    encoder = ImageEncoder("efficientnet-lite0")
    model = load_joint_space(DEFAULT_JOINT, encoder, WordVectors(Path(tempfile.gettempdir())), ())
    if not isinstance(model, WordModel):
        print("the default joint space is not the word model", file=sys.stderr)
        return 1
    probs = softmax(encoder.logits(data.flickr))
    names = [c.name for c in imagenet_classes()]
    words, scores = tags_with_classes(model.tag_words, model.tag_scores(data.flickr), names, probs)
    right = np.zeros(len(EDGES) - 1)
    count = np.zeros(len(EDGES) - 1)
    for row, caption_words in zip(scores, data.flickr_words, strict=True):
        for j in np.argsort(-row)[:10]:
            b = int(np.searchsorted(EDGES, row[j], side="right")) - 1
            count[b] += 1
            right[b] += words[j] in caption_words
    print(f"{len(scores)} Flickr8k {args.split} photos, their 10 best tags each\n")
    print("| tag score | tags | share of tags | right (a caption uses it) |\n|---|---|---|---|")
    for i in range(len(EDGES) - 1):
        share = count[i] / count.sum()
        prec = right[i] / max(count[i], 1)
        low, high = EDGES[i], min(EDGES[i + 1], 1.0)
        print(f"| {low:.2f}-{high:.2f} | {int(count[i])} | {share:.1%} | {prec:.3f} |")
    print(f"\ncommand: .venv/bin/python -m benchmarks.tag_precision --split {args.split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
