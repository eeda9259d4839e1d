"""Choose the class-evidence blend weight (core.search.class_evidence.CLASS_EVIDENCE_WEIGHT) on
held-out everyday photos: prints the mean AP per weight.

    .venv/bin/python -m benchmarks.class_blend [--cache-dir DIR]

The weight chosen is the smallest within 1% of the best mean AP (`choose_weight`).
Photos: a fixed 1,200 of the Flickr8k photos (the first by SHA-1 of their key), none of which
today's joint model was trained on. Queries: every caption word of 15 to 600 of those photos
that names ImageNet classes in resources/concepts.json (words without class evidence rank the
same at every weight); a photo is relevant when one of its captions has the word.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from benchmarks.imagenet_queries import CACHE_DIR, DATA, average_precision, cached_features
from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.joint import ConSE, VectorSpace, load_joint_space
from core.search.class_evidence import (
    CLASS_EVIDENCE_WEIGHT,
    ClassPostings,
    blend,
    query_evidence,
    top_classes,
)
from core.search.query_parse import STOP_WORDS, Concepts, load_concepts
from core.storage.settings import DEFAULT_JOINT
from core.vectors.ann import unit_rows

FLICKR_DIR = DATA / "flickr8k-train"
PHOTOS = 1200
WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
SWITCH = float("inf")  # class evidence alone


def glove_space(encoder: ImageEncoder, words: WordVectors) -> VectorSpace:
    """The joint space the hand-set blend weight is for: the default when it is a GloVe space,
    else ConSE (the default word model is not one, and learns its own blend: README,
    "Everyday photos")."""
    space = load_joint_space(DEFAULT_JOINT, encoder, words, ())
    if space is None or space.dim != words.dim:
        space = ConSE(encoder, words)
    print(f"joint space: {space.name}", file=sys.stderr)
    return space


class HeldOut(NamedTuple):
    """The held-out Flickr8k photos both measurements score, as the app sees them."""

    words: WordVectors
    concepts: Concepts
    photos: np.ndarray  # [n, d] unit joint-space vectors
    postings: ClassPostings
    caption_words: list[set[str]]  # the words of each photo's captions


@functools.cache  # both measurements of one run score the same photos: embed them once
def held_out_photos(cache_dir: Path) -> HeldOut:
    """The first PHOTOS Flickr8k photos by SHA-1 of their key, embedded as the app does."""
    labels = json.loads((FLICKR_DIR / "labels.json").read_text())
    keys = sorted(labels, key=lambda k: hashlib.sha1(k.encode()).hexdigest())[:PHOTOS]
    encoder = ImageEncoder()
    feats = cached_features([FLICKR_DIR / k for k in keys], encoder, cache_dir, "class-blend")
    words = WordVectors(Path(tempfile.gettempdir()))
    concepts = load_concepts()
    photos = unit_rows(glove_space(encoder, words).transform(feats))
    postings = ClassPostings.from_top(*top_classes(softmax(encoder.logits(feats))))
    caption_words = [
        {w for c in labels[k]["captions"] for w in re.findall(r"[a-z]+", c.lower())} for k in keys
    ]
    return HeldOut(words, concepts, photos, postings, caption_words)


def weight_curve(cache_dir: Path = CACHE_DIR) -> tuple[dict[float, float], float, int]:
    """({weight: mean AP}, chance mean AP, number of query words)."""
    words, concepts, photos, postings, caption_words = held_out_photos(cache_dir)
    counts = Counter(w for ws in caption_words for w in ws)
    queries = sorted(
        w
        for w, n in counts.items()
        if 15 <= n <= 600
        and w not in STOP_WORDS
        and concepts.classes_for(w)
        and words.vector(w) is not None
    )
    aps: dict[float, list[float]] = {w: [] for w in (*WEIGHTS, SWITCH)}
    chance = []
    for q in queries:
        rel = np.array([q in ws for ws in caption_words])
        vector = words.vector(q)
        assert vector is not None
        joint = photos @ unit_rows(vector[None])[0]
        evidence = query_evidence(postings, [concepts.classes_for(q)])
        assert evidence is not None
        for weight in WEIGHTS:
            aps[weight].append(average_precision(blend(joint, evidence, weight), rel))
        # A switch instead of a blend: class evidence alone, the joint space breaking ties.
        aps[SWITCH].append(average_precision(evidence + 1e-3 * joint, rel))
        chance.append(float(rel.mean()))
    return {w: float(np.mean(a)) for w, a in aps.items()}, float(np.mean(chance)), len(queries)


def choose_weight(curve: dict[float, float], tolerance: float = 0.01) -> float:
    """The smallest weight within tolerance (relative) of the best mean AP: where the curve is
    flat, trust the joint space, which learns from captions, more than the fixed classifier."""
    blends = {w: ap for w, ap in curve.items() if w != SWITCH}
    best = max(blends.values())
    return min(w for w, ap in blends.items() if ap >= best * (1 - tolerance))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    args = parser.parse_args(argv)
    if not (FLICKR_DIR / "labels.json").is_file():
        print(f"needs {FLICKR_DIR}", file=sys.stderr)
        return 1
    curve, chance, n = weight_curve(args.cache_dir)
    print(f"{n} caption words with class evidence over {PHOTOS} Flickr8k photos")
    print("| class-evidence weight | mean AP |\n|---|---|")
    for weight, ap in curve.items():
        label = {0.0: "0 (joint space alone)", SWITCH: "class evidence alone (a switch)"}
        print(f"| {label.get(weight, f'{weight:g}')} | {ap:.4f} |")
    print(f"| chance | {chance:.4f} |")
    best = max((w for w in curve if w != SWITCH), key=lambda w: curve[w])
    print(f"best weight: {best:g}; chosen: {choose_weight(curve):g}")
    before, after, pairs = pair_effect(args.cache_dir)
    print(f"\n{pairs} two-word queries: mean AP {before:.4f} joint space alone, {after:.4f} blend")
    from evaluation import pascal

    if pascal.available():
        print(f"\n| Pascal test photos | joint space alone | blend w={CLASS_EVIDENCE_WEIGHT:g} |")
        print("|---|---|---|")
        for name, (before, after) in pascal_effect().items():
            print(f"| {name} | {before:.3f} | {after:.3f} |")
    return 0


def pascal_effect() -> dict[str, tuple[float, float]]:
    """{figure: (joint space alone, shipped blend)} on the Pascal test photos (reported only;
    never used to choose): class-word P@10 and mAP, concept-word and two-word mAP."""
    from evaluation import pascal
    from evaluation import pascal_scores as quality
    from evaluation.metrics import average_precision

    photos = [p for p in pascal.load_photos() if p.split == "test"]
    feats = pascal.features(photos)
    encoder = ImageEncoder()
    words = WordVectors(Path(tempfile.gettempdir()))
    concepts = load_concepts()
    joint_vectors = unit_rows(glove_space(encoder, words).transform(feats))
    postings = ClassPostings.from_top(*top_classes(softmax(encoder.logits(feats))))

    def ranking(query: str, weight: float) -> np.ndarray:
        terms = concepts.parse([query]).wanted
        vecs = [words.vector(t) if " " not in t else words.phrase_vector(t) for t in terms]
        known = [v for v in vecs if v is not None]
        q = unit_rows(unit_rows(np.stack(known)).mean(axis=0, keepdims=True))[0]
        joint = joint_vectors @ q
        evidence = query_evidence(postings, [concepts.classes_for(t) for t in terms])
        scores = joint if evidence is None else blend(joint, evidence, weight)
        return np.argsort(-scores, kind="stable")

    def figures(queries: list[str], relevant: Callable[[pascal.Photo, str], bool]) -> list[float]:
        out = []
        for weight in (0.0, CLASS_EVIDENCE_WEIGHT):
            aps, p10s = [], []
            for q in queries:
                rel = np.array([relevant(p, q) for p in photos])
                if rel.any():
                    order = ranking(q, weight)
                    aps.append(average_precision(rel[order]))
                    p10s.append(float(rel[order[:10]].mean()))
            out += [float(np.mean(aps)), float(np.mean(p10s))]
        return out

    classes = list(quality.CLASS_QUERIES.values())
    c = figures(classes, lambda p, q: p.cls.replace("_", " ") == q)
    w = figures(quality.CONCEPT_WORDS, quality.concept_present)
    pairs = figures(
        list(quality.PAIR_QUERIES),
        lambda p, q: all(quality.concept_present(p, x) for x in q.split()),
    )
    return {
        "class P@10": (c[1], c[3]),
        "class mAP": (c[0], c[2]),
        "concept mAP": (w[0], w[2]),
        "two-word mAP": (pairs[0], pairs[2]),
    }


def pair_effect(cache_dir: Path = CACHE_DIR) -> tuple[float, float, int]:
    """(joint space alone, shipped blend) mean AP of two-word queries on the same Flickr8k
    photos: pairs of the 80 commonest caption words, at least one with classes, that describe
    10 or more photos together (both words in one photo's captions)."""
    from itertools import combinations

    words, concepts, photos, postings, caption_words = held_out_photos(cache_dir)
    common = [
        w
        for w, _ in Counter(w for ws in caption_words for w in ws).most_common(400)
        if w not in STOP_WORDS and len(w) > 2 and words.vector(w) is not None
    ][:80]
    before, after = [], []
    for a, b in combinations(common, 2):
        rel = np.array([a in ws and b in ws for ws in caption_words])
        terms = [concepts.classes_for(a), concepts.classes_for(b)]
        if rel.sum() < 10 or not any(terms):
            continue
        vecs = np.stack([words.phrase_vector(a), words.phrase_vector(b)])  # type: ignore[list-item]
        joint = photos @ unit_rows(unit_rows(vecs).mean(axis=0, keepdims=True))[0]
        evidence = query_evidence(postings, terms)
        assert evidence is not None
        before.append(average_precision(joint, rel))
        after.append(average_precision(blend(joint, evidence), rel))
    return float(np.mean(before)), float(np.mean(after)), len(before)


if __name__ == "__main__":
    sys.exit(main())
