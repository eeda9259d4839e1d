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
from core.models.word_model import WordModel, WordQuery, query_logits, sigmoid
from core.search.class_evidence import ClassEvidence, ClassPostings, candidate_count, query_evidence
from core.search.exact_top import BOUND_MARGIN, WordPart, top_all_terms, top_scores
from core.search.query_parse import Concepts
from core.search.space_index import SpaceIndex

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


def term_classes(concepts: Concepts, model: object, term: str) -> dict[int, float]:
    """The classes a term names, and those of the better-known words the word model links it
    to ("pooch" -> dog's breeds, "seaside" -> seashore), at the link's weight."""
    own = concepts.classes_for(term)
    if not isinstance(model, WordModel):
        return own
    out = dict(own)
    for word, link in model.links_of(term):
        for c, w in concepts.classes_for(word).items():
            out[c] = max(out.get(c, 0.0), link * w)
    return out


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
    """(photo id, probability) of the k best photos scoring at least min_score, each scored
    exactly (core/search/exact_top.py): the same scores and order for every k.

    evidence is (photo ids, class evidence, named-class evidence) when a term has classes.
    """
    norm = float(np.linalg.norm(query.vector))
    if norm == 0.0 and evidence is None:
        return []
    at_least = float(np.log(min_score / (1.0 - min_score))) if 0.0 < min_score < 1.0 else None
    if min_score >= 1.0:
        at_least = np.inf
    floor = -np.inf if at_least is None else at_least
    if query.parts:  # every term must fit: every photo's logit of each, at once
        blend = (1.0, None) if evidence is None else _blend_extra(model, evidence)
        ids, logits = _all_terms(index, query, blend[0], blend[1], k, floor, exclude)
    elif evidence is None:
        ids, logits = top_scores(_word_part(index, query, norm, k, exclude), 1.0, None, k, floor)
    else:
        weight, (ev_ids, rest) = _blend_extra(model, evidence)
        if norm == 0.0:  # only class names are known: every photo's word logit is 0
            keep = rest >= floor
            order = np.lexsort((ev_ids[keep], -rest[keep]))[:k]
            ids, logits = ev_ids[keep][order], rest[keep][order]
        else:
            word = _word_part(index, query, norm, candidate_count(k), exclude)
            ids, logits = top_scores(word, weight, (ev_ids, rest), k, floor)
    probs = sigmoid(logits)
    return [(int(p), float(s)) for p, s in zip(ids, probs, strict=True)]


def _blend_extra(
    model: WordModel, evidence: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """(the word logit's weight in the blend, (ids ascending, the rest of each one's logit))."""
    b = model.blend
    ev_ids, ev, named = evidence
    if len(ev_ids) > 1 and not bool((ev_ids[1:] > ev_ids[:-1]).all()):
        order = np.argsort(ev_ids)
        ev_ids, ev, named = ev_ids[order], ev[order], named[order]
    extra = b["evidence"] * ev.astype(np.float64) + NAMED_WEIGHT * named + b["intercept"]
    return b["word"], (ev_ids, extra)


def _all_terms(
    index: SpaceIndex,
    query: WordQuery,
    weight: float,
    extra: tuple[np.ndarray, np.ndarray] | None,
    k: int,
    floor: float,
    exclude: frozenset[int],
) -> tuple[np.ndarray, np.ndarray]:
    """query_logits of several terms, ranked by exact_top.top_all_terms from every photo's
    bound on each term (one pass over part of each row per term: 1.6 ms at 100,000 photos)."""
    parts = np.stack([p.vector for p in query.parts])
    terms = len(parts)
    negated = query.vector - parts.sum(axis=0)
    vectors = parts
    if bool(np.any(negated != 0)):  # what "-word"s take off, spread over the terms
        vectors = np.concatenate([parts, negated[None] / np.float32(terms)])
    offsets = np.zeros((len(vectors), 1), np.float32)
    offsets[:terms, 0] = [p.offset for p in query.parts]
    scores = index.all_terms(vectors, exclude)

    def exact(at: np.ndarray) -> np.ndarray:
        return np.asarray(scores.exact(at) + offsets)

    bounds = scores.bounds + offsets + np.float32(BOUND_MARGIN)
    return top_all_terms(scores.ids, bounds, exact, terms, weight, extra, k, floor)


def _word_part(
    index: SpaceIndex, query: WordQuery, norm: float, want: int, exclude: frozenset[int]
) -> WordPart:
    """A one-term query's logit (its vector, "-word"s included, less a constant) as exact_top
    ranks it: the index's best photos by that vector, and the last of them as the bound on
    every other photo's logit (it rises with the cosine)."""

    def best(n: int) -> tuple[np.ndarray, float]:
        near = index.query(query.vector / norm, n, exclude)
        ids = np.array([p for p, _ in near], np.int64)
        if len(near) < n:
            return ids, -np.inf
        return ids, (min(c for _, c in near) * norm + query.offset + BOUND_MARGIN) / query.terms

    def exact(ids: np.ndarray) -> np.ndarray:
        dots = index.products(ids, query.vector[None])[0].astype(np.float64)
        return np.asarray((dots + query.offset) / query.terms)

    return WordPart(best, exact, want)


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
            [term_classes(concepts, model, t) for t in parsed.wanted],
            [term_classes(concepts, model, t) for t in parsed.unwanted],
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
