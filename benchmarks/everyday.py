"""Everyday search and tag quality on the held-out test splits of the shared photos.

    .venv/bin/python -m benchmarks.everyday [--baseline DIR]

Test photos (evaluation/everyday.py) were never trained on nor chosen on. Figures:
- concept mAP of everyday non-Pascal words and of Pascal-class words over the Flickr8k test
  photos (relevant: a caption uses the word or its plural), with chance (a random ranking);
- phrases: natural-language queries (relevant: the captions use every content word), against
  the best single word of each phrase ranking the same photos;
- ImageNet names (MRR, recall@10) over the test half of the ImageNet sample among 1,000 scene
  distractors, broader words' mAP judged through WordNet hypernyms, unknown-word errors;
- scene mAP over the scene test photos; tag P@5 on Flickr8k test photos (a tag counts when a
  caption uses it) and distinct tags over 1,000 mixed test photos;
- the shown list with --min-score (the search subcommand): precision and recall of relevant
  photos, against the fixed top 100 that search used to return.
--baseline DIR holds today's default joint model (devise-efficientnet-lite0.onnx + manifest).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks import imagenet_queries as inq
from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.imagenet import imagenet_classes
from core.models.joint import OnnxJointModel, load_joint_space
from core.models.word_model import WordModel, tags_with_classes
from core.search.class_evidence import ClassPostings, top_classes
from core.search.query_parse import load_concepts
from core.search.text_ranking import score_all
from core.storage.settings import DEFAULT_JOINT
from evaluation import everyday, pascal
from evaluation.metrics import chance_average_precision, mean_average_precision
from export.word_blend import caption_word_sets

EVERYDAY_WORDS = [
    "snow",
    "beach",
    "park",
    "night",
    "hat",
    "ball",
    "grass",
    "water",
    "street",
    "bench",
    "tennis",
    "frisbee",
    "toy",
    "skateboard",
    "mountain",
    "pool",
    "shirt",
    "jacket",
    "rock",
    "field",
    "sand",
    "wave",
    "ocean",
    "crowd",
    "fountain",
    "building",
    "tree",
    "road",
    "river",
    "lake",
    "dirt",
    "race",
    "soccer",
    "football",
    "basketball",
    "swimming",
    "climbing",
    "surfer",
    "helmet",
    "fence",
    "wall",
    "trail",
    "city",
    "bike",
    "sidewalk",
]
PASCAL_WORDS = [
    "dog",
    "man",
    "woman",
    "car",
    "horse",
    "bicycle",
    "bird",
    "boat",
    "cat",
    "bus",
    "train",
    "sheep",
    "cow",
    "chair",
]
PHRASES = (
    "a dog running on the beach",
    "kids playing in the snow",
    "a man riding a bike",
    "a black dog in the water",
    "people walking on a city street",
    "a surfer riding a wave",
    "two dogs playing in the grass",
    "a boy jumping into a pool",
    "a girl in a red shirt",
    "a man climbing a rock",
    "a dog catching a frisbee",
    "children playing soccer in a field",
)
BASELINE = everyday.FEATURE_CACHE / "baseline"
Scorer = Callable[[str], np.ndarray | None]


def content_words(phrase: str) -> list[str]:
    return load_concepts().parse([phrase]).wanted


def relevant(word_sets: Sequence[frozenset[str]], query: str) -> np.ndarray:
    """Photos whose captions use every content word of the query."""
    terms = content_words(query)
    return np.array([all(t in ws for t in terms) for ws in word_sets])


def concept_map(
    score: Scorer, word_sets: Sequence[frozenset[str]], queries: Sequence[str]
) -> float:
    cols, rels = [], []
    for q in queries:
        s = score(q)
        rel = relevant(word_sets, q)
        if rel.any():
            cols.append(np.zeros(len(rel)) if s is None else s)
            rels.append(rel)
    return mean_average_precision(np.stack(cols, 1), np.stack(rels, 1))


def chance(word_sets: Sequence[frozenset[str]], queries: Sequence[str]) -> float:
    rel = np.stack([relevant(word_sets, q) for q in queries], 1)
    return chance_average_precision(rel)


def best_single_word(score: Scorer, word_sets: Sequence[frozenset[str]]) -> float:
    """Mean over the phrases of the best AP any one of their words gets on the phrase."""
    out = []
    for phrase in PHRASES:
        rel = relevant(word_sets, phrase)
        if not rel.any():
            continue
        aps = []
        for w in content_words(phrase):
            s = score(w)
            aps.append(0.0 if s is None else mean_average_precision(s[:, None], rel[:, None]))
        out.append(max(aps))
    return float(np.mean(out))


def shown_list(
    score: Scorer, word_sets: Sequence[frozenset[str]], queries: Sequence[str], min_score: float
) -> tuple[float, float, float]:
    """(precision, recall, mean length) of the shown lists: top 100 with score >= min_score."""
    prec, rec, lengths = [], [], []
    for q in queries:
        s = score(q)
        rel = relevant(word_sets, q)
        if s is None or not rel.any():
            continue
        top = np.argsort(-s)[:100]
        shown = top[s[top] >= min_score]
        lengths.append(len(shown))
        prec.append(rel[shown].mean() if len(shown) else 1.0)
        rec.append(rel[shown].sum() / rel.sum())
    return float(np.mean(prec)), float(np.mean(rec)), float(np.mean(lengths))


class Method:
    """A way to score photos for queries and to tag them."""

    def __init__(
        self,
        label: str,
        scorer_for: Callable[[np.ndarray], Scorer],
        tags_for: Callable[[np.ndarray], list[list[str]]] | None,
    ) -> None:
        self.label, self.scorer_for, self.tags_for = label, scorer_for, tags_for


def baseline_method(encoder: ImageEncoder, words: WordVectors, baseline: Path) -> Method:
    model = OnnxJointModel("devise-efficientnet-lite0", (baseline,))

    def scorer_for(feats: np.ndarray) -> Scorer:
        return inq.joint_scorer(model, feats, words)

    def tags_for(feats: np.ndarray) -> list[list[str]]:
        s = model.tag_scores(feats)
        return [[model.tag_words[j] for j in np.argsort(-row)[:5]] for row in s]

    return Method("today's default (Pascal-trained joint model)", scorer_for, tags_for)


def word_methods(model: WordModel, encoder: ImageEncoder, words: WordVectors) -> list[Method]:
    concepts = load_concepts()

    def make(mode: str) -> Callable[[np.ndarray], Scorer]:
        def scorer_for(feats: np.ndarray) -> Scorer:
            v = model.transform(feats)
            postings = ClassPostings.from_top(*top_classes(softmax(encoder.logits(feats))))

            def score(query: str) -> np.ndarray | None:
                return score_all(model, v, postings, words, concepts, query, mode)

            return score

        return scorer_for

    def tags_for(feats: np.ndarray) -> list[list[str]]:
        names = [c.name for c in imagenet_classes()]
        probs = softmax(encoder.logits(feats))
        tag_words, s = tags_with_classes(model.tag_words, model.tag_scores(feats), names, probs)
        return [[tag_words[j] for j in np.argsort(-row)[:5]] for row in s]

    return [
        Method("word model alone", make("words"), tags_for),
        Method("word model, class evidence by hand-set switch", make("switch"), tags_for),
        Method("word model + class evidence, learned blend only", make("learned"), tags_for),
        Method("**learned blend + named classes first (the app)**", make("blend"), tags_for),
    ]


class TestData:
    """Test-split photos of every source, features from the shared-features cache (split
    "val": the same for the val photos, where scratch experiments choose)."""

    def __init__(self, split: str = "test", cache: Path = everyday.FEATURE_CACHE) -> None:
        fl = [p for p in everyday.load(everyday.FLICKR) if p.split == split]
        sc = [p for p in everyday.load(everyday.SCENES) if p.split == split]
        pa = [p for p in pascal.load_photos() if p.split == split]
        self.flickr = everyday.cached_features(everyday.FLICKR, [p.key for p in fl], cache=cache)
        self.flickr_words = caption_word_sets([p.captions for p in fl])
        self.scenes = everyday.cached_features(everyday.SCENES, [p.key for p in sc], cache=cache)
        self.scene_labels = [everyday.SCENE_WORDS[p.labels[0]] for p in sc]
        self.pascal = everyday.cached_features("pascal-sentences", [p.key for p in pa], cache=cache)
        sample = inq.load_sample()
        test = [
            i
            for i, p in enumerate(sample.paths)
            if sample.labels[i] is None
            or everyday.split_of(f"images/{p.name}", everyday.IMAGENET) == split
        ]
        self.sample = inq.Sample(
            [sample.paths[i] for i in test],
            [sample.labels[i] for i in test],
            [sample.wnids[i] for i in test],
        )
        self.sample_feats = np.concatenate(
            [
                everyday.cached_features(
                    everyday.IMAGENET,
                    [
                        f"images/{p.name}"
                        for p, lab in zip(self.sample.paths, self.sample.labels, strict=True)
                        if lab
                    ],
                    cache=cache,
                ),
                everyday.cached_features(
                    everyday.SCENES,
                    [
                        f"images/{p.name}"
                        for p, lab in zip(self.sample.paths, self.sample.labels, strict=True)
                        if lab is None
                    ],
                    cache=cache,
                ),
            ]
        )
        n_in = sum(1 for lab in self.sample.labels if lab)
        # 1,000 mixed photos for the distinct-tag count: half Flickr8k, the rest the others.
        self.mixed = np.concatenate(
            [
                self.flickr[:500],
                self.scenes[:250],
                self.pascal[:150],
                self.sample_feats[:n_in][:100],
            ]
        )


def evaluate(method: Method, data: TestData) -> dict[str, float]:
    out: dict[str, float] = {}
    score = method.scorer_for(data.flickr)
    out["everyday_map"] = concept_map(score, data.flickr_words, EVERYDAY_WORDS)
    out["pascal_words_map"] = concept_map(score, data.flickr_words, PASCAL_WORDS)
    out["phrase_map"] = concept_map(score, data.flickr_words, PHRASES)
    out["phrase_best_word_map"] = best_single_word(score, data.flickr_words)
    for t in (0.0, 0.3, 0.5):
        p, r, n = shown_list(score, data.flickr_words, EVERYDAY_WORDS + PASCAL_WORDS, t)
        out[f"shown_p@{t:g}"], out[f"shown_r@{t:g}"], out[f"shown_n@{t:g}"] = p, r, n
    scene_score = method.scorer_for(data.scenes)
    scene_words = sorted(set(everyday.SCENE_WORDS.values()))
    sets = [frozenset([lab]) for lab in data.scene_labels]
    out["scene_map"] = concept_map(scene_score, sets, scene_words)
    inet = inq.evaluate(
        method.scorer_for(data.sample_feats),
        data.sample,
        inq.wordnet_relevance(data.sample, inq.BROADER_WORDS),
    )
    out.update({k: float("nan") if v is None else v for k, v in inet.items()})
    if method.tags_for is not None:
        tags = method.tags_for(data.flickr)
        out["tag_p5"] = float(
            np.mean(
                [[t in ws for t in row] for row, ws in zip(tags, data.flickr_words, strict=True)]
            )
        )
        out["distinct_tags"] = float(len({t for row in method.tags_for(data.mixed) for t in row}))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    if not all(everyday.available(s) for s in everyday.SOURCES) or not pascal.available():
        print(f"{everyday.DATA_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    encoder = ImageEncoder()
    words = WordVectors(Path(tempfile.gettempdir()))
    data = TestData()
    methods = []
    if (args.baseline / "manifest.json").is_file():
        methods.append(baseline_method(encoder, words, args.baseline))
    model = load_joint_space(DEFAULT_JOINT, encoder, words, ())
    assert isinstance(model, WordModel)
    methods += word_methods(model, encoder, words)
    rows = [(m.label, evaluate(m, data)) for m in methods]
    wc = chance(data.flickr_words, EVERYDAY_WORDS)
    pc = chance(data.flickr_words, PASCAL_WORDS)
    print(
        f"Flickr8k test photos: {len(data.flickr)}; everyday words: {len(EVERYDAY_WORDS)} "
        f"(chance mAP {wc:.3f}); Pascal-class words: {len(PASCAL_WORDS)} (chance {pc:.3f})\n"
    )
    print(
        "| method | everyday mAP | Pascal-word mAP | phrase mAP | best single word | "
        "scene mAP | ImageNet name MRR | recall@10 | broader mAP | tag P@5 | distinct tags |"
    )
    print("|---" * 11 + "|")
    for label, r in rows:
        cells = [
            r["everyday_map"],
            r["pascal_words_map"],
            r["phrase_map"],
            r["phrase_best_word_map"],
            r["scene_map"],
            r["name_mrr"],
            r["name_recall10"],
            r["broader_map"],
            r.get("tag_p5", float("nan")),
        ]
        print(
            f"| {label} | "
            + " | ".join(f"{c:.3f}" for c in cells)
            + f" | {r.get('distinct_tags', 0):.0f} |"
        )
    print("\nShown list (top 100, score >= min-score), everyday + Pascal words on Flickr8k test:")
    print("| method | min-score | precision | recall | photos shown |")
    print("|---|---|---|---|---|")
    for label, r in rows:
        for t in (0.0, 0.3, 0.5):
            print(
                f"| {label} | {t:g} | {r[f'shown_p@{t:g}']:.3f} | {r[f'shown_r@{t:g}']:.3f} "
                f"| {r[f'shown_n@{t:g}']:.1f} |"
            )
    concepts = load_concepts()

    def known(name: str) -> bool:
        terms = concepts.parse([name]).wanted
        return all(model.term_query(t, words) or concepts.classes_for(t) for t in terms)

    errors = inq.unknown_name_errors(known)
    print(f"\nImageNet class names and synonyms with an unknown word (word model): {errors}")
    print("\ncommand: .venv/bin/python -m benchmarks.everyday")
    return 0


if __name__ == "__main__":
    sys.exit(main())
