"""Issue 20's levers for the word scorers, each on val beside the shipped recipe.

    .venv/bin/python -m benchmarks.word_levers [--only N ...]

Each lever trains the word model on the train photos (export/word_levers.py), chooses its tag
words, calibration and blend on val as `python -m export word-model` does, and is scored on
the val photos as benchmarks.word_model_val scores them. Test photos are never touched. 3-5
minutes a lever on the shared machine (the logistic rows are the slowest).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from benchmarks.word_model_val import HEADER, available, val_row
from evaluation import everyday
from export.word_data import load_photos
from export.word_levers import SHIPPED, Lever
from export.word_model import PASCAL_WORDS

LEVERS = [
    SHIPPED,
    Lever("logistic for words with >= 50 positive photos, L2 1", logistic_min_positives=50),
    Lever(
        "logistic for words with >= 50 positive photos, L2 0.01",
        logistic_min_positives=50,
        logistic_l2=0.01,
    ),
    Lever("ImageNet teacher (WordNet-expanded) 0.3 of the target", distill=0.3),
    Lever("ImageNet teacher 0.5 of the target", distill=0.5),
    Lever(
        "ImageNet teacher 0.3, also on photos without labels", distill=0.3, distill_unlabelled=True
    ),
    Lever("ImageNet teacher 0.3, Pascal class words only", distill=0.3, distill_only=PASCAL_WORDS),
    Lever("GloVe cosine at 0.5 of its fitted weight", glove_share=0.5),
    Lever("GloVe cosine at 0.25 of its fitted weight", glove_share=0.25),
    Lever("no GloVe cosine for words with a scorer", glove_share=0.0),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", type=int, nargs="*", help="indexes into LEVERS")
    args = parser.parse_args(argv)
    if not available():
        return 1
    photos = load_photos(everyday.FEATURE_CACHE)
    print("| lever | " + HEADER[2:] + "\n" + "|---" * 10 + "|", flush=True)
    for i, lever in enumerate(LEVERS):
        if args.only is None or i in args.only:
            print(f"| {lever.label} | " + val_row(photos, lever), flush=True)
    print("\ncommand: .venv/bin/python -m benchmarks.word_levers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
