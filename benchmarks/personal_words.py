"""Words people type about their own photos (events, light and time, places, things): mAP on
held-out photos whose captions or labels use them, beside the everyday words.

    .venv/bin/python -m benchmarks.personal_words [--split test]

One mixed library of the split's photos (Flickr8k, Pascal, scenes, the ImageNet sample): a
photo is relevant to a word when one of its captions uses it (plurals folded), its scene label
is the word, or its ImageNet class name contains it. Words with fewer than MIN_RELEVANT such
photos are listed but left out of the mean. Scores are the app's (text_ranking.score_all,
class evidence included); "before" turns off the word links and the plural fallback of the
concept table (benchmarks/synonyms.py), as the app was before them.
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from benchmarks.everyday import EVERYDAY_WORDS
from benchmarks.synonyms import app_scorer, carried_over
from evaluation import everyday, pascal
from evaluation.metrics import chance_average_precision, mean_average_precision
from export.word_blend import caption_word_sets

MIN_RELEVANT = 3
PERSONAL_WORDS = {
    "events": "birthday wedding party concert graduation holiday christmas parade festival "
    "game race celebration",
    "light and time": "sunset sunrise night evening dusk",
    "places": "camping tent bridge statue museum pool park garden playground beach lake river "
    "waterfall church castle fountain market restaurant kitchen stage street city",
    "things": "cake flowers flower umbrella costume fireworks balloon balloons candle gift toy "
    "kite guitar microphone bench swing slide trampoline sandcastle snowman sled boat",
    "people and pets": "family friends baby kids crowd dog puppy cat bride",
}


def library(split: str) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Features and relevance words of every photo of the split, all sources mixed."""
    fl = [p for p in everyday.load(everyday.FLICKR) if p.split == split]
    pa = [p for p in pascal.load_photos() if p.split == split]
    sc = [p for p in everyday.load(everyday.SCENES) if p.split == split]
    inet = [p for p in everyday.load(everyday.IMAGENET) if p.split == split]
    feats = np.concatenate(
        [
            everyday.cached_features(everyday.FLICKR, [p.key for p in fl]),
            everyday.cached_features("pascal-sentences", [p.key for p in pa]),
            everyday.cached_features(everyday.SCENES, [p.key for p in sc]),
            everyday.cached_features(everyday.IMAGENET, [p.key for p in inet]),
        ]
    )
    words = caption_word_sets([p.captions for p in fl] + [p.captions for p in pa])
    words += [frozenset([everyday.SCENE_WORDS[p.labels[0]]]) for p in sc]
    words += [frozenset(re.findall(r"[a-z]+", " ".join(p.labels).lower())) for p in inet]
    return feats, words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", default="test", choices=["test", "val"])
    args = parser.parse_args(argv)
    feats, word_sets = library(args.split)
    model, scores = app_scorer(feats)

    def measure(queries: list[str]) -> tuple[list[str], float, float, float]:
        kept = [q for q in queries if sum(q in ws for ws in word_sets) >= MIN_RELEVANT]
        rel = np.stack([[q in ws for ws in word_sets] for q in kept], 1)
        with carried_over(model, False):
            before = mean_average_precision(np.stack([scores(q) for q in kept], 1), rel)
        after = mean_average_precision(np.stack([scores(q) for q in kept], 1), rel)
        return kept, before, after, chance_average_precision(rel)

    print(f"{args.split} photos, all sources mixed: {len(word_sets)}")
    print("\n| words | count | mAP before | mAP | chance |\n|---|---|---|---|---|")
    every: list[str] = []
    for group, text in PERSONAL_WORDS.items():
        kept, before, after, chance = measure(text.split())
        every += kept
        print(f"| {group} | {len(kept)} | {before:.3f} | {after:.3f} | {chance:.3f} |")
    kept, before, after, chance = measure(every)
    print(f"| **all personal words** | {len(kept)} | {before:.3f} | {after:.3f} | {chance:.3f} |")
    kept_e, before_e, after_e, chance_e = measure(EVERYDAY_WORDS)
    print(
        f"| everyday words (benchmarks.everyday's) | {len(kept_e)} | {before_e:.3f} "
        f"| {after_e:.3f} | {chance_e:.3f} |"
    )
    print("\nper word (AP, relevant photos):")
    for q in kept:
        rel = np.array([q in ws for ws in word_sets])
        ap = mean_average_precision(scores(q)[:, None], rel[:, None])
        print(f"  {q}: {ap:.3f} ({int(rel.sum())})")
    dropped = [w for t in PERSONAL_WORDS.values() for w in t.split() if w not in kept]
    print(f"\nfewer than {MIN_RELEVANT} relevant photos (left out): {', '.join(dropped)}")
    split = "" if args.split == "test" else f" --split {args.split}"
    print(f"command: .venv/bin/python -m benchmarks.personal_words{split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
