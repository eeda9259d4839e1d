"""Search by ImageNet class names and broader words over the shared ImageNet sample.

    .venv/bin/python -m benchmarks.imagenet_queries [--cache-dir DIR] [--latency 100000]

Photos: the 550 ImageNet sample photos (one per class) plus a fixed set of 1,000 distractor
scene photos (every third of intel-scenes-train, sorted by name). The image model was trained
on ImageNet, so this measures the query path (names, synonyms, phrases, hypernyms), not the
classifier.
- names: each sample's class name is a query; its one photo is relevant: MRR and recall@10;
- broader words: a photo is relevant when the word's first WordNet noun sense is a hypernym
  of its label (needs the wordnet-base package; skipped without it): mAP;
- unknown words: how many of the 1000 classes' names and synonyms a method reports as
  (partly) unknown.

Methods: "default" and "conse" are today's joint spaces with the old whitespace parsing;
"blend" is core.search.query_parse + core.search.class_evidence blended into the default
joint space, as
Library.search ranks; "classes" is the class evidence alone.
`imagenet_query_metrics()` returns the figures for other benchmarks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.imagenet import imagenet_classes
from core.models.joint import ConSE, VectorSpace, load_joint_space
from core.search.class_evidence import (
    CLASS_EVIDENCE_WEIGHT,
    TOP_CLASSES,
    ClassPostings,
    blend,
    candidate_count,
    query_evidence,
    rank_blended,
    top_classes,
)
from core.search.query_parse import Concepts, load_concepts
from core.storage.profile import REPO_ROOT
from core.storage.settings import DEFAULT_JOINT
from core.vectors.ann import unit_rows

DATA = REPO_ROOT.parent / "shared" / "data"
SAMPLE_DIR = DATA / "imagenet-sample"
DISTRACTOR_DIR = DATA / "intel-scenes-train"
DISTRACTORS = 1000
CACHE_DIR = REPO_ROOT / "benchmarks" / "out"
WORDNET_DIR = Path("/usr/share/wordnet")
BROADER_WORDS = (
    "dog", "bird", "fish", "snake", "lizard", "turtle", "frog", "insect", "spider", "cat",
    "monkey", "bear", "fruit", "food", "vehicle", "car", "truck", "boat", "aircraft",
    "musical instrument", "furniture", "hat", "ball", "container", "building", "tool",
    "clothing", "weapon", "shark", "butterfly", "beetle", "crab", "mushroom", "bag",
)  # fmt: skip
WEIGHTS = (0.5, 1.0, 2.0, 4.0)


def available() -> bool:
    return (SAMPLE_DIR / "labels.json").is_file() and (DISTRACTOR_DIR / "labels.json").is_file()


@dataclass(frozen=True)
class Sample:
    paths: list[Path]
    labels: list[str | None]  # class name of a sample photo; None for a distractor
    wnids: list[str | None]


def load_sample() -> Sample:
    """The sample photos, then the fixed distractors."""
    labels = json.loads((SAMPLE_DIR / "labels.json").read_text())
    keys = sorted(labels)
    scenes = sorted(json.loads((DISTRACTOR_DIR / "labels.json").read_text()))[::3][:DISTRACTORS]
    return Sample(
        [SAMPLE_DIR / k for k in keys] + [DISTRACTOR_DIR / k for k in scenes],
        [labels[k]["labels"][0] for k in keys] + [None] * len(scenes),
        [labels[k]["wnid"] for k in keys] + [None] * len(scenes),
    )


def cached_features(
    paths: Sequence[Path], encoder: ImageEncoder, cache_dir: Path, label: str
) -> np.ndarray:
    """Raw features of photos (as the indexer decodes them), cached by file list and backbone."""
    from core.media.decode import load_pixels

    digest = hashlib.sha1("\n".join(map(str, paths)).encode()).hexdigest()[:12]
    path = cache_dir / f"{label}-{encoder.name}-{digest}.npy"
    if path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    rows = []
    for start in range(0, len(paths), 32):
        batch = [load_pixels(p, encoder.input_size) for p in paths[start : start + 32]]
        rows.append(encoder.encode(np.stack(batch)).features)
    feats = np.concatenate(rows).astype(np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, feats)
    return feats


def legacy_terms(query: str, words: WordVectors) -> tuple[list[str], list[str]]:
    """(known, unknown) words as text search split them before core.search.query_parse."""
    return words.split_known(query.split())


def _rank_of(scores: np.ndarray, relevant: int) -> int:
    return int((scores > scores[relevant]).sum()) + 1


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = relevant[order]
    if not hits.any():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def wordnet_relevance(sample: Sample, words: Sequence[str]) -> dict[str, np.ndarray] | None:
    """word -> photos whose label has the word's first noun sense as a hypernym."""
    if not (WORDNET_DIR / "data.noun").is_file():
        return None
    from export.concepts import _ancestors, read_index, read_nouns

    synsets, index = read_nouns(WORDNET_DIR), read_index(WORDNET_DIR)
    ancestors = {w: _ancestors(w[1:], synsets) | {w[1:]} for w in sample.wnids if w}
    out = {}
    for word in words:
        sense = index[word.replace(" ", "_")][0][0]
        out[word] = np.array([w is not None and sense in ancestors[w] for w in sample.wnids])
    return out


Scorer = Callable[[str], np.ndarray | None]  # query -> scores over photos (None: unknown)


def joint_scorer(space: VectorSpace, feats: np.ndarray, words: WordVectors) -> Scorer:
    photos = unit_rows(space.transform(feats))

    def score(query: str) -> np.ndarray | None:
        known, _ = legacy_terms(query, words)
        if not known:
            return None
        q = unit_rows(np.stack([words.vector(w) for w in known]))  # type: ignore[misc]
        return np.asarray(photos @ unit_rows(q.mean(axis=0, keepdims=True))[0], np.float32)

    return score


def blend_scorer(
    space: VectorSpace,
    logits: np.ndarray,
    feats: np.ndarray,
    words: WordVectors,
    concepts: Concepts,
    weight: float,
    app_k: int = 0,
) -> Scorer:
    """The blend over every photo; weight inf: class evidence alone. app_k > 0: the first
    app_k places as Library.search ranks them (core.search.class_evidence.rank_blended, the joint
    space's Annoy candidates taken exactly here), then the rest by the exact blend."""
    photos = unit_rows(space.transform(feats))
    postings = ClassPostings.from_top(*top_classes(softmax(logits)))

    def score(query: str) -> np.ndarray | None:
        parsed = concepts.parse([query])
        vecs = [v for v in (_term_vector(words, t) for t in parsed.wanted) if v is not None]
        evidence = query_evidence(postings, [concepts.classes_for(t) for t in parsed.wanted])
        if not vecs and evidence is None:
            return None
        joint = np.zeros(len(photos), np.float32)
        if vecs:
            joint = photos @ unit_rows(unit_rows(np.stack(vecs)).mean(axis=0, keepdims=True))[0]
        if evidence is None:
            return joint
        if weight == np.inf:
            return np.asarray(evidence + 1e-3 * joint, np.float32)  # joint only breaks ties
        exact = blend(joint, evidence, weight)
        if app_k:
            ids = np.arange(len(photos))
            top = np.argsort(-joint)[: candidate_count(app_k)] if vecs else np.zeros(0, np.int64)
            near = [(int(j), float(joint[j])) for j in top]
            ranked = rank_blended(ids, evidence, near, app_k)
            exact = exact - 1e3  # below the app's first page
            for place, (pid, _) in enumerate(ranked):
                exact[pid] = 2e3 - place
        return exact

    return score


def _term_vector(words: WordVectors, term: str) -> np.ndarray | None:
    return words.vector(term) if " " not in term else words.phrase_vector(term)


def evaluate(
    score: Scorer, sample: Sample, relevance: dict[str, np.ndarray] | None
) -> dict[str, float | None]:
    ranks = []
    for i, label in enumerate(sample.labels):
        if label is None:
            continue
        s = score(label)
        ranks.append(len(sample.paths) if s is None else _rank_of(s, i))
    r = np.asarray(ranks, np.float64)
    out: dict[str, float | None] = {
        "name_mrr": float((1 / r).mean()),
        "name_recall10": float((r <= 10).mean()),
        "broader_map": None,
    }
    if relevance is not None:
        aps = []
        for word, rel in relevance.items():
            s = score(word)
            aps.append(0.0 if s is None else average_precision(s, rel))
        out["broader_map"] = float(np.mean(aps))
    return out


def unknown_name_errors(check: Callable[[str], bool]) -> int:
    """How many of the 1000 classes' names and synonyms have a word reported unknown."""
    return sum(1 for c in imagenet_classes() for n in c.names if not check(n))


def imagenet_query_metrics(cache_dir: Path = CACHE_DIR) -> dict[str, dict[str, float | None]]:
    """{method: figures}; the README's table. Needs the shared data (see available())."""

    encoder = ImageEncoder()
    words = WordVectors(Path(tempfile.gettempdir()))
    concepts = load_concepts()
    sample = load_sample()
    feats = cached_features(sample.paths, encoder, cache_dir, "imagenet-queries")
    relevance = wordnet_relevance(sample, BROADER_WORDS)
    default = load_joint_space(DEFAULT_JOINT, encoder, words, ()) or ConSE(encoder, words)
    conse = ConSE(encoder, words)
    logits = encoder.logits(feats)

    def legacy_ok(name: str) -> bool:
        return not legacy_terms(name, words)[1]

    def parsed_ok(name: str) -> bool:
        parsed = concepts.parse([name])
        return all(
            _term_vector(words, t) is not None or concepts.classes_for(t) for t in parsed.wanted
        )

    results: dict[str, dict[str, float | None]] = {}
    for label, space in (("default", default), ("conse", conse)):
        results[label] = evaluate(joint_scorer(space, feats, words), sample, relevance)
        results[label]["unknown_word_errors"] = unknown_name_errors(legacy_ok)
    for weight in (*WEIGHTS, np.inf):
        scorer = blend_scorer(default, logits, feats, words, concepts, weight)
        label = "classes" if weight == np.inf else f"blend w={weight:g}"
        if weight == CLASS_EVIDENCE_WEIGHT:
            label += " (shipped)"
        results[label] = evaluate(scorer, sample, relevance)
        results[label]["unknown_word_errors"] = unknown_name_errors(parsed_ok)
    app = blend_scorer(default, logits, feats, words, concepts, CLASS_EVIDENCE_WEIGHT, app_k=10)
    label = f"blend w={CLASS_EVIDENCE_WEIGHT:g}, top 10 as the app ranks them"
    results[label] = evaluate(app, sample, relevance)
    results[label]["unknown_word_errors"] = unknown_name_errors(parsed_ok)
    return results


def evidence_speed(n: int = 100_000, repeats: int = 5) -> dict[str, float]:
    """Milliseconds to score a query's class set over n photos' cached top classes (best of
    repeats), and the cache's bytes per photo. Synthetic top classes; timing only."""
    import time

    rng = np.random.default_rng(0)
    base = rng.integers(0, 1000, (n, 1))
    classes = ((base + np.arange(TOP_CLASSES) * 31) % 1000).astype(np.uint16)
    probs = rng.dirichlet(np.ones(TOP_CLASSES), n).astype(np.float16)
    postings = ClassPostings.from_top(classes, probs)
    concepts = load_concepts()
    out = {"bytes_per_photo": (8 + TOP_CLASSES * (4 + 2)) + 8 * 1001 / n}
    for query in ("golden retriever", "snow", "vehicle", "dog", "animal"):
        weights = concepts.classes_for(query)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            query_evidence(postings, [weights])
            times.append(time.perf_counter() - start)
        out[f"{query} ({len(weights)} classes) ms"] = 1000 * min(times)
    return out


def search_latency(n: int, reps: int = 100) -> dict[str, tuple[float, float]]:
    """{query: (p50, p95) ms} of Library.search in a synthetic n-photo library
    (benchmarks.query_latency's), in process after a warm-up."""
    from benchmarks.query_latency import percentiles, synthetic_library

    with tempfile.TemporaryDirectory() as root:
        library, _ = synthetic_library(Path(root), n)
        out = {}
        for query in ("sunset", "golden retriever", "dog", "animal", "dog beach", "dog -cat"):
            out[query] = percentiles(lambda q: library.search(q.split(), 10), [query], reps)
        library.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument(
        "--latency", type=int, metavar="N", help="also time whole searches among N photos"
    )
    args = parser.parse_args(argv)
    if not available():
        print(f"needs {SAMPLE_DIR} and {DISTRACTOR_DIR}", file=sys.stderr)
        return 1
    if args.latency:
        print(f"| search among {args.latency} photos | p50 ms | p95 ms |\n|---|---|---|")
        for query, (p50, p95) in search_latency(args.latency).items():
            print(f"| {query} | {p50:.1f} | {p95:.1f} |")
        print()
    speed = evidence_speed()
    print("| class evidence at 100k photos | |\n|---|---|")
    for label, value in speed.items():
        print(f"| {label} | {value:.1f} |")
    print()
    results = imagenet_query_metrics(args.cache_dir)
    print("| method | name MRR | name recall@10 | broader-word mAP | unknown-word errors |")
    print("|---|---|---|---|---|")
    for label, r in results.items():
        broader = "n/a" if r["broader_map"] is None else f"{r['broader_map']:.3f}"
        print(
            f"| {label} | {r['name_mrr']:.3f} | {r['name_recall10']:.3f} | {broader} "
            f"| {r['unknown_word_errors']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
