"""The library's text search: photos matching words, and the words near a word.

A service of core.library.Library, which hands it the parts it uses (core.search.parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from core.browse.photos import without_ids
from core.errors import PhotoSearchError, UnknownWordsError, UsageError
from core.models.glove import WordHit, normalise_word
from core.models.word_model import WordModel
from core.search.class_evidence import CLASS_EVIDENCE_WEIGHT, candidate_count, query_evidence
from core.search.exact_top import cosine_part, top_scores
from core.search.metadata_terms import SplitQuery, split_metadata_terms
from core.search.query_parse import Concepts, load_concepts, singular, split_known
from core.search.results import TextSearch, check_k
from core.search.text_ranking import term_classes
from core.vectors.ann import unit_rows

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.search.parts import SearchParts

# A word to try must be in at least this share of the training captions (1 in 100).
SUGGEST_MIN_SHARE = 0.01

# How far a "-word" pushes results away, relative to the words searched for.
NEGATIVE_WEIGHT = 0.5
# With only names to list by ("paris -dog"), a "-word" leaves out the photos it fits this well:
# the score from which the app calls a result a match, not a weak one (gui/queries.py).
NEGATED_FIT = 0.3


def parse_query(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split query text into (wanted, unwanted) terms; "-word" means unwanted.

    A term is a word or a known multi-word name ("black widow"); stop words are left out.
    """
    parsed = load_concepts().parse(words)
    return parsed.wanted, parsed.unwanted


class WordSearch:
    """Photos matching words, and the words near a word."""

    def __init__(self, parts: SearchParts) -> None:
        self.parts = parts

    def search(
        self,
        words: Sequence[str],
        k: int = 10,
        min_score: float = 0.0,
        *,
        taken_from: date | None = None,
        taken_to: date | None = None,
    ) -> TextSearch:
        """Photos matching words, best first, at most k, none scoring below min_score.

        With the default word model a score is the probability that the photo is relevant
        (calibrated on held-out photos, so it means the same for every query); several terms
        must each fit; "-word" pushes results away. Terms that name ImageNet classes (or their
        hypernyms and near words) blend in the classifier's evidence.
        """
        check_k(k)
        if not 0.0 <= min_score <= 1.0:
            raise UsageError(f"--min-score must be between 0 and 1 (got {min_score:g})")
        outside = self.parts.outside_dates(taken_from, taken_to)
        concepts = load_concepts()
        # Names of places (and other facts about photos) narrow the photos; the rest are words.
        split = split_metadata_terms(words, self.parts.term_resolvers)
        if split.terms:
            outside |= split.excluded(self.parts.indexed_ids())
        wanted, unwanted = parse_query(split.words)
        if not wanted and not split.wanted:
            raise UsageError("a search needs at least one word to look for (not only -words)")
        known, unknown = self._split_terms(wanted, concepts)
        known_neg, unknown_neg = self._split_terms(unwanted, concepts)
        if not known and split.wanted:  # "paris": the place's photos, newest first
            outside |= self._fitting(known_neg, concepts, outside)  # "paris -dog"
            listing = self._listing(split, outside, k, unknown + ["-" + w for w in unknown_neg])
            return replace(listing, negated=known_neg)
        if not known:
            raise UnknownWordsError([normalise_word(w) for w in wanted])
        space = self.parts.joint_space
        evidence = [term_classes(concepts, space, t) for t in known]
        neg = [term_classes(concepts, space, t) for t in known_neg]
        if isinstance(space, WordModel):
            from core.search.text_ranking import search

            query = space.query(known, known_neg, self.parts.words)
            ranked = search(
                space,
                self.parts.joint_index,
                query,
                self.parts.class_evidence,
                evidence,
                neg,
                k,
                min_score,
                outside,
            )
        else:
            vector = self._query_vector(known, known_neg)
            if any(evidence):
                ranked = self._blended(vector, evidence, neg, k, outside)
            else:
                assert vector is not None  # a known term without class evidence has a vector
                ranked = self.parts.joint_index.query(vector, k, outside)
            ranked = [(p, s) for p, s in ranked if s >= min_score]
        return TextSearch(
            hits=self.parts.hits(ranked),
            words=known,
            negated=known_neg,
            unknown=unknown + ["-" + w for w in unknown_neg],
            terms=[t.describe() for t in split.terms],
        )

    def _listing(
        self, split: SplitQuery, outside: frozenset[int], k: int, unknown: list[str]
    ) -> TextSearch:
        """The photos the query's names fit (no words to rank them by), newest first."""
        newest = self.parts.newest_first(self.parts.indexed_ids() - outside)
        return TextSearch(
            hits=self.parts.hits([(p, 1.0) for p in newest[:k]]),
            words=[],
            unknown=unknown,
            terms=[t.describe() for t in split.terms],
        )

    def _fitting(
        self, terms: list[str], concepts: Concepts, outside: frozenset[int]
    ) -> frozenset[int]:
        """Photos (not outside) that any of the terms fits: each term searched on its own,
        scoring at least NEGATED_FIT. A listing has no words to rank by, so "-dog" can only
        leave out the photos a search for "dog" would call a match."""
        space = self.parts.joint_space
        if not terms or not isinstance(space, WordModel):
            return frozenset()
        from core.search.text_ranking import search

        n = len(self.parts.indexed_ids() - outside)
        fitting: set[int] = set()
        for term in terms:
            ranked = search(
                space,
                self.parts.joint_index,
                space.query([term], [], self.parts.words),
                self.parts.class_evidence,
                [term_classes(concepts, space, term)],
                [],
                max(n, 1),
                NEGATED_FIT,
                outside,
            )
            fitting.update(p for p, _ in ranked)
        return frozenset(fitting)

    def _term_vector(self, term: str) -> np.ndarray | None:
        return (
            self.parts.words.vector(term)
            if " " not in term
            else self.parts.words.phrase_vector(term)
        )

    def _split_terms(self, terms: list[str], concepts: Concepts) -> tuple[list[str], list[str]]:
        return split_known(terms, self._known_term, concepts)

    def _known_term(self, term: str) -> bool:
        # The word model knows its words without GloVe's 400k-word table (1.5 s to load).
        space = self.parts.joint_space
        known = isinstance(space, WordModel) and all(map(space.knows, term.split()))
        return known or self._term_vector(term) is not None

    def _query_vector(self, known: list[str], known_neg: list[str]) -> np.ndarray | None:
        """The unit joint-space query vector; None when no term has a word vector."""
        pos = [v for v in map(self._term_vector, known) if v is not None]
        if not pos:
            return None
        vector: np.ndarray = unit_rows(unit_rows(np.stack(pos)).mean(axis=0, keepdims=True))[0]
        neg = [v for v in map(self._term_vector, known_neg) if v is not None]
        if neg:
            n = unit_rows(unit_rows(np.stack(neg)).mean(axis=0, keepdims=True))[0]
            vector = unit_rows((vector - NEGATIVE_WEIGHT * n)[None])[0]
        return vector

    def _blended(
        self,
        vector: np.ndarray | None,
        evidence: list[dict[int, float]],
        negative: list[dict[int, float]],
        k: int,
        exclude: frozenset[int] = frozenset(),
    ) -> list[tuple[int, float]]:
        """Top k by blend(joint cosine, class evidence) over the best candidates of each."""
        ids, postings = self.parts.class_evidence.current()
        scores = query_evidence(postings, evidence, negative)
        if scores is None:
            return [] if vector is None else self.parts.joint_index.query(vector, k, exclude)
        ids, scores = without_ids(ids, scores, exclude)  # a date filter (core/browse/photos.py)
        extra = (ids, CLASS_EVIDENCE_WEIGHT * scores.astype(np.float64))
        if vector is None:  # no word vector: every photo's cosine counts 0
            order = np.lexsort((ids, -extra[1]))[:k]
            return [(int(ids[j]), float(extra[1][j])) for j in order]
        word = cosine_part(self.parts.joint_index, vector, candidate_count(k), exclude)
        top, blended = top_scores(word, 1.0, extra, k)  # exact: the same for every k
        return [(int(p), float(s)) for p, s in zip(top, blended, strict=True)]

    def similar_words(self, word: str, k: int = 10) -> list[WordHit]:
        """The nearest GloVe words to word."""
        check_k(k)
        return self.parts.word_index.similar(word, k)

    def words_to_try(
        self,
        words: Sequence[str],
        per_word: int = 2,
        neighbours: Callable[[str, int], list[WordHit]] | None = None,
    ) -> list[tuple[str, str]]:
        """(word of the query, a word to try in its place): the better-known words it is linked
        to ("kids" -> "child"), then its GloVe neighbours (neighbours, default similar_words)
        that the word model knows well, used in at least SUGGEST_MIN_SHARE of the captions
        ("played", "folks": no). Fewer, or none, rather than words the model knows little of;
        without the word model, the neighbours."""
        near = neighbours or self.similar_words
        space = self.parts.joint_space
        out: list[tuple[str, str]] = []
        for word in words[:3]:
            if " " in word or not isinstance(space, WordModel):
                out += [(word, h.word) for h in _neighbours(near, word, per_word)]
                continue
            picks = [t for t, _ in space.links_of(word)]
            for h in _neighbours(near, word, 20):
                t = h.word
                if t.isalpha() and space.caption_share(t) >= SUGGEST_MIN_SHARE:
                    picks.append(t)
            kept: list[str] = []
            for t in picks:
                if t not in words and all(_other_word(t, u) for u in [word, *kept]):
                    kept.append(t)
            out += [(word, t) for t in kept[:per_word]]
        return out


def _neighbours(near: Callable[[str, int], list[WordHit]], word: str, k: int) -> list[WordHit]:
    try:
        return near(word, k)
    except PhotoSearchError:  # not in GloVe ("t-shirt"): nothing to suggest
        return []


def _other_word(word: str, other: str) -> bool:
    """Not a form of the same word ("play", "played", "playing"; "dog", "dogs")."""
    stem = min(len(word), len(other), 4)
    return word[:stem] != other[:stem] and singular(word) != singular(other)
