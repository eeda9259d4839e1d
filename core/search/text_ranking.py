"""Text search with the word model: calibrated word scores blended with class evidence.

A photo's score for a query is a probability that it is relevant: sigmoid of a learned blend
of the word model's mean calibrated logit over the query's terms and the ImageNet class
evidence for them (core/search/class_evidence.py). The blend was fitted on held-out photos
(python -m export word-model), so one threshold (`min_score`) means the same for every query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from core.browse.photos import without_ids
from core.models.glove import WordVectors
from core.models.word_model import WordModel, WordQuery, and_logit, query_logits, sigmoid
from core.search.class_evidence import ClassEvidence, ClassPostings, candidate_count, query_evidence
from core.search.query_parse import Concepts
from core.search.space_index import SpaceIndex
from core.vectors.vector_store import highest_rows, positions

# A concept link this strong means the term names the class or one of its hypernyms.
STRONG_LINK = 0.99
# Evidence for the classes a term names outright ("dog": 118 breeds; "sombrero") is added with
# this hand-set weight on top of the learned blend, so that every photo the classifier is sure
# shows such a class ranks first (the word scorers extrapolate badly to product shots), and a
# "-pug" pushes pugs down. Without it ("learned" mode) see benchmarks/everyday.py. Chosen on
# val: 12 -> 6 takes ImageNet-name recall@10 0.944 -> 0.926 and lifts Pascal class mAP
# 0.714 -> 0.730 (the Pascal class words' own scorers know those photos better).
NAMED_WEIGHT = 6.0
# A "-pug" takes its named classes' evidence off at 3x the named weight, so "dog -pug" still
# puts every other dog above the pugs (at 2x a pug scored 0.95 against a Samoyed's 0.91 once
# the word model's projection was fitted to the words; at 3x 0.33).
NEGATED_NAMED_WEIGHT = 18.0


def search(
    model: WordModel,
    index: SpaceIndex,
    query: WordQuery | None,
    class_evidence: ClassEvidence,
    evidence: list[dict[int, float]],
    negative: list[dict[int, float]],
    k: int,
    min_score: float,
    exclude: frozenset[int] = frozenset(),
) -> list[tuple[int, float]]:
    """Library.search with the word model: query is None when only class names are known.

    exclude: photos that must not be returned (a date filter), left out before the top k."""
    if query is None:
        query = WordQuery(np.zeros(model.dim, np.float32), 0.0, 1)
    ev = None
    if any(evidence):
        ids, postings = class_evidence.current()
        scores = evidence_features(postings, evidence, negative)
        if scores is not None:
            ids, both = without_ids(ids, np.stack(scores), exclude)
            scores = (both[0], both[1])
        ev = None if scores is None else (ids, *scores)
    return rank(model, index, query, ev, k, min_score, exclude)


def strong(classes: dict[int, float]) -> dict[int, float]:
    """The classes a term names outright (its own class or a hypernym's), not near words."""
    return {c: w for c, w in classes.items() if w >= STRONG_LINK}


def evidence_features(
    postings: ClassPostings, wanted: list[dict[int, float]], unwanted: list[dict[int, float]]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(evidence over all of the terms' classes, over the classes they name outright; a
    "-term" takes its named classes' evidence off in full)."""
    postings = _ScoredOnce(postings.n_rows, postings.offsets, postings.rows, postings.probs)
    every = query_evidence(postings, wanted, unwanted)
    if every is None:
        return None
    named = query_evidence(postings, [strong(w) for w in wanted])
    named = np.zeros_like(every) if named is None else named
    for u in unwanted:
        if strong(u):
            named = named - NEGATED_NAMED_WEIGHT / NAMED_WEIGHT * postings.score(strong(u))
    return every, named


@dataclass(frozen=True)
class _ScoredOnce(ClassPostings):
    """Postings that score each class set once: "dog" names all its 118 classes outright, so
    both kinds of evidence would score the same set (3-4 ms at 100,000 photos)."""

    done: dict[tuple[tuple[int, float], ...], np.ndarray] = field(default_factory=dict)

    def score(self, weights: Mapping[int, float]) -> np.ndarray:
        key = tuple(sorted(weights.items()))
        if key not in self.done:
            self.done[key] = super().score(weights)
        return self.done[key].copy()


def rank(
    model: WordModel,
    index: SpaceIndex,
    query: WordQuery,
    evidence: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    k: int,
    min_score: float = 0.0,
    exclude: frozenset[int] = frozenset(),
) -> list[tuple[int, float]]:
    """(photo id, probability) of the k best photos scoring at least min_score.

    evidence is (photo ids, class evidence, named-class evidence) when a term has classes.
    """
    norm = float(np.linalg.norm(query.vector))
    if norm == 0.0 and evidence is None:
        return []
    want = candidate_count(k) if evidence is not None else k
    near = index.query(query.vector / norm, want, exclude) if norm > 0.0 else []
    logits = {pid: (cos * norm + query.offset) / query.terms for pid, cos in near}
    if query.parts and logits:
        logits = _every_term(index, query, logits)
    if evidence is None:
        scored = {pid: float(sigmoid(v)) for pid, v in logits.items()}
    else:
        scored = _blend(model, logits, *evidence, k)
    ranked = sorted(((p, s) for p, s in scored.items() if s >= min_score), key=lambda t: -t[1])
    return ranked[:k]


def _every_term(index: SpaceIndex, query: WordQuery, mean: dict[int, float]) -> dict[int, float]:
    """query_logits of the summed vector's candidates (mean: their mean logits), each term's
    logit computed exactly from the candidates' own vectors."""
    cand = np.fromiter(mean, np.int64, len(mean))
    products = index.products(cand, np.stack([p.vector for p in query.parts]))
    each = products + np.array([[p.offset] for p in query.parts], np.float32)
    # What "-word"s take off: the summed vector's logit less the mean of the terms' own.
    negative = np.fromiter(mean.values(), np.float64, len(mean)) - each.mean(axis=0)
    combined = and_logit(each) + negative
    return dict(zip(cand.tolist(), combined.tolist(), strict=True))


def _blend(
    model: WordModel,
    logits: dict[int, float],
    ids: np.ndarray,
    evidence: np.ndarray,
    named: np.ndarray,
    k: int,
) -> dict[int, float]:
    """Blend word logits with class evidence over the union of both sides' best photos.

    A photo the word index did not return gets the lowest logit it did return: an upper
    bound on its own, as its vector is not at hand without another index query.
    """
    b = model.blend
    floor = min(logits.values(), default=0.0)
    if len(ids):
        n = min(len(ids), max(2 * k, 20))
        pool = highest_rows(evidence, 4 * n, n)  # no partition of every photo's evidence
        for pid in ids[pool[np.argpartition(-evidence[pool], n - 1)[:n]]].tolist():
            logits.setdefault(int(pid), floor)
    cand = np.fromiter(logits, np.int64, len(logits))
    word = np.fromiter(logits.values(), np.float64, len(logits))
    ev = ev_named = np.zeros(len(cand))
    if len(ids):
        at, found = positions_of(ids, cand)
        ev = np.where(found, evidence[at], 0.0)
        ev_named = np.where(found, named[at], 0.0)
    final = sigmoid(
        b["word"] * word + b["evidence"] * ev + NAMED_WEIGHT * ev_named + b["intercept"]
    )
    return {int(p): float(s) for p, s in zip(cand, final, strict=True)}


def positions_of(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where each wanted id is in the non-empty ids, whether it is there at all)."""
    if ids.size < 2 or bool((ids[1:] > ids[:-1]).all()):  # ascending, as the cache keeps them
        return positions(ids, wanted)
    order = np.argsort(ids)
    at = order[np.clip(np.searchsorted(ids, wanted, sorter=order), 0, len(ids) - 1)]
    return at, ids[at] == wanted


def score_all(
    model: WordModel,
    vectors: np.ndarray,
    postings: ClassPostings | None,
    words: WordVectors,
    concepts: Concepts,
    query: str,
    mode: str = "blend",
) -> np.ndarray | None:
    """Scores of every photo (vectors: model.transform of their features) for a query, as
    Library.search ranks them; None when no term is known. Benchmarks and calibration use it.

    mode "blend": the app's; "learned": the learned blend alone, without the named-class
    term; "words": the word model alone; "switch": class evidence
    alone for terms that name classes (the word model breaks ties), the word model otherwise.
    """
    parsed = concepts.parse([query])
    q = model.query(parsed.wanted, parsed.unwanted, words)
    ev = None
    if postings is not None and mode != "words":
        ev = evidence_features(
            postings,
            [concepts.classes_for(t) for t in parsed.wanted],
            [concepts.classes_for(t) for t in parsed.unwanted],
        )
    if q is None and ev is None:
        return None
    logit = np.zeros(len(vectors)) if q is None else query_logits(q, vectors)
    if ev is None:
        return sigmoid(logit)
    if mode == "switch":
        return np.asarray(ev[0] + 1e-3 * sigmoid(logit))
    b = model.blend
    named = NAMED_WEIGHT * ev[1] if mode == "blend" else 0.0
    return sigmoid(b["word"] * logit + b["evidence"] * ev[0] + named + b["intercept"])


def scorer_over(
    model: WordModel, features: np.ndarray, logits: np.ndarray, words: WordVectors, mode: str
) -> Callable[[str], np.ndarray]:
    """query -> scores over fixed photos (raw features, ImageNet logits), as score_all; an
    unknown query scores every photo 0."""
    from core.models.encoder import softmax
    from core.search.class_evidence import top_classes
    from core.search.query_parse import load_concepts

    vectors = model.transform(features)
    postings = ClassPostings.from_top(*top_classes(softmax(logits)))
    concepts = load_concepts()

    def score(query: str) -> np.ndarray:
        s = score_all(model, vectors, postings, words, concepts, query, mode)
        return np.zeros(len(vectors)) if s is None else s

    return score
