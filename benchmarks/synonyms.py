"""Synonyms, plurals and informal words: the AP of the word typed against the concept word's.

    .venv/bin/python -m benchmarks.synonyms [--split test]

On the held-out Flickr8k photos (evaluation/everyday.py), each pair (typed word, concept word)
is judged on one set of relevant photos: those whose captions use either word (plurals
folded). Both words are searched as the app scores them (core.search.text_ranking.score_all,
class evidence included), and the typed word's AP is set against the concept word's. "before"
turns off what carries a word over (the word links of resources/word_links.json and the
plural fallback of the concept table): today's app against the previous one on the same
photos. The links were built from WordNet alone (python -m export word-links), with no photo.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.word_model import WORD_MODEL, WordModel
from core.search import query_parse
from core.search.class_evidence import ClassPostings, top_classes
from core.search.query_parse import load_concepts
from core.search.text_ranking import score_all
from evaluation import everyday
from evaluation.metrics import mean_average_precision
from export.word_blend import caption_word_sets

# (word typed, concept word): synonyms, informal and broader words, plurals.
PAIRS = [
    ("seaside", "beach"),
    ("evening", "night"),
    ("cap", "hat"),
    ("infant", "baby"),
    ("pooch", "dog"),
    ("automobile", "car"),
    ("lady", "woman"),
    ("kids", "child"),
    ("children", "child"),
    ("kid", "child"),
    ("flowers", "flower"),
    ("puppy", "dog"),
    ("ocean", "sea"),
    ("youngster", "child"),
    ("toddler", "child"),
    ("dude", "man"),
    ("ladies", "woman"),
    ("babies", "baby"),
    ("puppies", "dog"),
    ("automobiles", "car"),
    ("bike", "bicycle"),
    ("couch", "sofa"),
    ("dogs", "dog"),
    ("women", "woman"),
]


def relevant(word_sets: list[frozenset[str]], typed: str, concept: str) -> np.ndarray:
    forms = {typed, concept, query_parse.singular(typed), query_parse.singular(concept)}
    return np.array([bool(ws & forms) for ws in word_sets])


@contextmanager
def carried_over(model: WordModel, on: bool) -> Iterator[None]:
    """With on False: no word links and no plural fallback for class evidence."""
    saved_links = model.__dict__.get("_links")
    saved_singular = query_parse.singular
    if not on:
        model.__dict__["_links"] = {}
        query_parse.singular = lambda w: w  # type: ignore[assignment]
    try:
        yield
    finally:
        if saved_links is None:
            model.__dict__.pop("_links", None)
        else:
            model.__dict__["_links"] = saved_links
        query_parse.singular = saved_singular


def app_scorer(feats: np.ndarray) -> tuple[WordModel, Callable[[str], np.ndarray]]:
    """The shipped word model and a query's scores on photos with these raw features, as the
    app ranks them (text_ranking.score_all; zeros for a query it does not know)."""
    encoder = ImageEncoder()
    model = WordModel(f"{WORD_MODEL}-{encoder.name}")
    words = WordVectors(everyday.FEATURE_CACHE / "glove")
    vectors = model.transform(feats)
    postings = ClassPostings.from_top(*top_classes(softmax(encoder.logits(feats))))
    concepts = load_concepts()

    def scores(query: str) -> np.ndarray:
        s = score_all(model, vectors, postings, words, concepts, query)
        return np.zeros(len(vectors)) if s is None else s

    return model, scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", default="test", choices=["test", "val"])
    args = parser.parse_args(argv)
    photos = [p for p in everyday.load(everyday.FLICKR) if p.split == args.split]
    feats = everyday.cached_features(everyday.FLICKR, [p.key for p in photos])
    word_sets = caption_word_sets([p.captions for p in photos])
    model, scores = app_scorer(feats)

    def ap(query: str, rel: np.ndarray) -> float:
        return mean_average_precision(scores(query)[:, None], rel[:, None])

    rows: list[tuple[str, str, int, float, float, float]] = []
    for typed, concept in PAIRS:
        rel = relevant(word_sets, typed, concept)
        if not rel.any():
            continue
        with carried_over(model, False):
            before = ap(typed, rel)
        rows.append((typed, concept, int(rel.sum()), before, ap(typed, rel), ap(concept, rel)))
    print(f"Flickr8k {args.split} photos: {len(photos)}; pairs with relevant photos: {len(rows)}")
    print("\n| word typed | concept word | relevant | AP typed before | AP typed | AP concept |")
    print("|---|---|---|---|---|---|")
    for typed, concept, n, before, after, ref in rows:
        print(f"| {typed} | {concept} | {n} | {before:.3f} | {after:.3f} | {ref:.3f} |")
    mean: Callable[[int], float] = lambda j: float(np.mean([r[j] for r in rows]))  # noqa: E731
    print(
        f"\nmean AP: typed before {mean(3):.3f}, typed {mean(4):.3f}, concept {mean(5):.3f}; "
        f"typed / concept {mean(4) / mean(5):.3f} (before {mean(3) / mean(5):.3f}); "
        f"mean of per-pair ratios {np.mean([r[4] / r[5] for r in rows]):.3f} "
        f"(before {np.mean([r[3] / r[5] for r in rows]):.3f})"
    )
    split = "" if args.split == "test" else f" --split {args.split}"
    print(f"command: .venv/bin/python -m benchmarks.synonyms{split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
