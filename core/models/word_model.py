"""The trained word model: calibrated per-word classifiers and a GloVe map on CNN features.

A photo's vector is [z, g] / sqrt(2): z is its unit, centred, projected features and g the
unit GloVe-space vector a linear map gives it. A query word's vector is [a * w, beta * glove]:
its classifier weight (scaled by the calibration slope a) beside its GloVe vector. Their dot
product is then the word's calibrated logit, blended with GloVe similarity, less a per-word
constant, so the ranking runs through the ordinary vector index and the score of each hit is
a probability ("a caption of this photo would use the word") that means the same across words.
Words without a classifier are ranked by GloVe similarity alone, calibrated the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from core.models.encoder import find_model, model_file
from core.models.glove import WordVectors
from core.storage.profile import RESOURCES_DIR
from core.vectors.ann import unit_rows

WORD_MODEL = "word-model"
WORD_LINKS = RESOURCES_DIR / "word_links.json"
# A word in this share of the captions counts as half known (woman 0.15: 0.75; lady 0.024:
# 0.32, so "lady" leans on "woman"; infant 0.0017: 0.03, so it all but becomes "baby").
KNOWN_SHARE = 0.05
# How far a "-word" pushes results away, relative to the words searched for.
NEGATIVE_WEIGHT = 0.5
# A confident ImageNet class joins a photo's tags with score CLASS_TAG_WEIGHT * probability,
# only from CLASS_TAG_MIN probability ("golden retriever", "seashore", "park bench"). Chosen on
# val photos among weights 0.3-0.6 and minima 0.3-0.5: Flickr8k tag P@5 0.466, Pascal 0.442,
# 381 distinct tags over 1,000 mixed photos (weight 0.6, minimum 0.5: 0.471, 0.432, 333).
CLASS_TAG_WEIGHT = 0.3
CLASS_TAG_MIN = 0.3


@dataclass(frozen=True)
class WordQuery:
    """A query in the word model's space: the vector, and what turns a dot product into a logit."""

    vector: np.ndarray  # not unit: dot(photo vector, vector) + offset = summed logit
    offset: float
    terms: int
    # Several terms: each one's own query, so that every term must fit (query_logits).
    parts: tuple[WordQuery, ...] = ()


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0))))


def and_logit(logits: np.ndarray) -> np.ndarray:
    """[terms, n] calibrated logits -> [n] logit of the product of their probabilities: the
    chance that every term fits, so one sure term cannot carry a photo the others miss
    ("cat sofa": a cat on a lawn). Pascal val two-word mAP 0.479 (mean logit) -> 0.587."""
    log_p = -np.logaddexp(0.0, -np.asarray(logits, np.float64)).sum(axis=0)
    return np.asarray(log_p - np.log(-np.expm1(np.minimum(log_p, -1e-12))))


def query_logits(query: WordQuery, vectors: np.ndarray) -> np.ndarray:
    """[n] the query's logit for photo vectors (model.transform): the term's own logit; with
    several terms, and_logit of theirs, plus what "-word"s take off."""
    mean = (vectors @ query.vector + query.offset) / query.terms
    if not query.parts:
        return np.asarray(mean)
    each = np.stack([vectors @ p.vector + p.offset for p in query.parts])
    return np.asarray(and_logit(each) + mean - each.mean(axis=0))


class WordModel:
    """A word-model npz from resources/models (manifest kind "joint-model", format "npz")."""

    def __init__(self, name: str, extra_dirs: tuple[Path, ...] = ()) -> None:
        self.entry: dict[str, Any] = find_model(name, extra_dirs)
        self._name = name

    @cached_property
    def _arrays(self) -> dict[str, np.ndarray]:
        """Every array but the tag head's weights (most of the file; a search never reads them:
        loading them too took a cold search 0.03 s of CPU more)."""
        with np.load(model_file(self.entry)) as npz:
            return {k: npz[k] for k in npz.files if k != "tag_weight"}

    @cached_property
    def _tag_weight(self) -> np.ndarray:
        with np.load(model_file(self.entry)) as npz:
            return np.asarray(npz["tag_weight"], np.float32)

    @cached_property
    def _float32(self) -> dict[str, np.ndarray]:
        return {}

    def _f32(self, key: str) -> np.ndarray:
        # Converted once: converting the classifier weights took 1-2 ms of every search.
        if key not in self._float32:
            self._float32[key] = np.asarray(self._arrays[key], np.float32)
        return self._float32[key]

    @property
    def name(self) -> str:
        return f"{self._name}-{str(self.entry.get('sha256', ''))[:12]}"

    @property
    def dim(self) -> int:
        return int(self.entry["projection_dim"]) + int(self.entry["embedding_dim"])

    @property
    def backbone(self) -> str:
        return str(self.entry["backbone"])

    @cached_property
    def words(self) -> list[str]:
        """The words with a classifier."""
        return [str(w) for w in self._arrays["words"].tolist()]

    @cached_property
    def _word_index(self) -> dict[str, int]:
        return {w: j for j, w in enumerate(self.words)}

    @cached_property
    def _calibration(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.entry["calibration"].items()}

    def project(self, features: np.ndarray) -> np.ndarray:
        """[n, projection_dim] unit vectors z."""
        x = unit_rows(np.asarray(features, np.float32))
        return unit_rows((x - self._f32("mean")) @ self._f32("components").T)

    def transform(self, features: np.ndarray) -> np.ndarray:
        z = self.project(np.atleast_2d(features))
        g = unit_rows(z @ self._f32("glove_map").T)
        return np.asarray(np.concatenate([z, g], axis=1) / math.sqrt(2.0), np.float32)

    def word_logits(self, features: np.ndarray) -> np.ndarray:
        """[n, words] calibrated logits of every classifier word (without the GloVe part)."""
        c = self._calibration
        raw = self.project(np.atleast_2d(features)) @ self._f32("weight").T + self._f32("bias")
        return np.asarray(c["slope"] * raw + c["intercept"], np.float32)

    @cached_property
    def blend(self) -> dict[str, float]:
        """Word logit and class evidence -> relevance logit (fitted on held-out photos)."""
        blend = {"word": 1.0, "evidence": 0.0, "intercept": 0.0}
        blend.update({k: float(v) for k, v in self.entry.get("blend", {}).items()})
        return blend

    # -- queries -----------------------------------------------------------------------------

    def _index_of(self, term: str) -> int | None:
        """The classifier of a word, or of its singular ("kids" -> "kid", "beaches" -> "beach",
        "ladies" -> "lady"), as the training captions' plurals were folded."""
        for form in (
            term,
            term[:-1] if term.endswith("s") else "",
            term[:-2] if term.endswith("es") else "",
            term[:-3] + "y" if term.endswith("ies") else "",
        ):
            if form and form in self._word_index:
                return self._word_index[form]
        return None

    def knows(self, term: str) -> bool:
        return self._index_of(term) is not None

    @cached_property
    def _links(self) -> dict[str, list[tuple[str, float]]]:
        """resources/word_links.json (python -m export word-links); none when it is absent."""
        try:
            data = json.loads(WORD_LINKS.read_text(encoding="utf-8"))
            return {w: [(str(t), float(r)) for t, r in v] for w, v in data["links"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def links_of(self, term: str) -> list[tuple[str, float]]:
        """The better-known words a term leans on, with the link's weight (1: a synonym)."""
        j = self._index_of(term)
        singular = self.words[j] if j is not None else term
        return self._links.get(term) or self._links.get(singular, [])

    def caption_share(self, term: str) -> float:
        """The share of training captions that use the word (0 for a word without classifier)."""
        j = self._index_of(term)
        return 0.0 if j is None else float(self._f32("prior")[j])

    def _known_share(self, term: str) -> float:
        """How well the model knows a word: its captions' share p as p / (p + KNOWN_SHARE)."""
        p = self.caption_share(term)
        return p / (p + KNOWN_SHARE)

    def term_query(self, term: str, words: WordVectors) -> WordQuery | None:
        """One term's query; None when neither a classifier nor GloVe knows it. A word the
        model knows little of ("infant", "pooch") leans on the better-known words it is linked
        to ("baby", "dog"), in proportion to how well each is known."""
        own = self._own_query(term, words)
        parts = [
            (q, r * self._known_share(t))
            for t, r in self.links_of(term)
            if (q := self._own_query(t, words)) is not None
        ]
        if not parts:
            return own
        mine = self._known_share(term) if own is not None else 0.0
        shares = [(own, mine)] if own is not None else []
        shares += [(q, (1.0 - mine) * w) for q, w in parts]
        total = sum(w for _, w in shares)
        if total <= 0:  # no word of them in the captions (a model trained on fewer photos)
            shares, total = [(q, 1.0) for q, _ in shares], float(len(shares))
        vec = np.sum([q.vector * (w / total) for q, w in shares], axis=0)
        offset = sum(q.offset * w / total for q, w in shares)
        return WordQuery(np.asarray(vec, np.float32), float(offset), 1)

    def _own_query(self, term: str, words: WordVectors) -> WordQuery | None:
        j = self._index_of(term)
        if j is None:
            return (
                self._phrase_query(term, words) if " " in term else self._glove_query(term, words)
            )
        c = self._calibration
        glove = self._f32("word_glove")[j]
        a = c["slope"]
        vec = np.concatenate([a * self._f32("weight")[j], c["glove_weight"] * glove])
        offset = a * float(self._f32("bias")[j]) + c["intercept"]
        # Photo vectors are [z, g] / sqrt(2): scale back so the dot product is the logit.
        return WordQuery(np.asarray(vec * math.sqrt(2.0), np.float32), float(offset), 1)

    def _phrase_query(self, term: str, words: WordVectors) -> WordQuery | None:
        """A phrase without its own classifier ("dining table"): the mean of its words'
        queries, so the photo must fit each word; GloVe's phrase vector unless all are known."""
        if not all(self.knows(w) for w in term.split()):  # "black widow" is no widow
            return self._glove_query(term, words)
        parts = [q for q in (self._own_query(w, words) for w in term.split()) if q is not None]
        n = len(parts)
        vec = np.sum([q.vector for q in parts], axis=0) / n
        return WordQuery(np.asarray(vec, np.float32), sum(q.offset for q in parts) / n, 1)

    def _glove_query(self, term: str, words: WordVectors) -> WordQuery | None:
        c = self._calibration
        v = words.vector(term) if " " not in term else words.phrase_vector(term)
        if v is None:
            return None
        glove = unit_rows(np.asarray(v, np.float32)[None])[0]
        d = int(self.entry["projection_dim"])
        vec = np.concatenate([np.zeros(d, np.float32), c["glove_only_slope"] * glove])
        return WordQuery(np.asarray(vec * math.sqrt(2.0), np.float32), c["glove_only_intercept"], 1)

    def query(
        self, terms: Sequence[str], negated: Sequence[str], words: WordVectors
    ) -> WordQuery | None:
        """Several terms: scored by query_logits (every term must fit); "-word"s subtract.
        The summed vector ranks the index's candidates."""
        pos = [q for q in (self.term_query(t, words) for t in terms) if q is not None]
        if not pos:
            return None
        neg = [q for q in (self.term_query(t, words) for t in negated) if q is not None]
        vec = np.sum([q.vector for q in pos], axis=0)
        offset = sum(q.offset for q in pos)
        for q in neg:  # its vector only: an offset would shift every photo alike
            vec = vec - NEGATIVE_WEIGHT * q.vector
        parts = tuple(pos) if len(pos) > 1 else ()
        return WordQuery(np.asarray(vec, np.float32), offset, len(pos), parts)

    # -- tags --------------------------------------------------------------------------------

    @cached_property
    def tag_words(self) -> list[str]:
        mask = self._arrays["tag_candidates"].astype(bool)
        return [w for w, m in zip(self.words, mask, strict=True) if m]

    def tag_scores(self, features: np.ndarray) -> np.ndarray:
        """[n, tag_words]: probability that a caption uses the word, less a share of how often
        a caption uses it for any photo, so tags say what is particular to the photo."""
        mask = self._arrays["tag_candidates"].astype(bool)
        c = self._calibration
        if "tag_bias" in self._arrays:  # a head trained on caption words alone
            x = unit_rows(np.atleast_2d(np.asarray(features, np.float32))) - self._f32("mean")
            raw = x @ self._tag_weight.T + self._f32("tag_bias")
            p = sigmoid(c["tag_slope"] * raw + c["tag_intercept"])
            prior = self._f32("tag_prior")
        else:
            p = sigmoid(self.word_logits(features)[:, mask])
            prior = self._f32("prior")[mask]
        return np.asarray(p - c["tag_prior_weight"] * prior, np.float32)


def tags_with_classes(
    words: Sequence[str], scores: np.ndarray, class_names: Sequence[str], probs: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Tag words and scores [n, words] joined by the ImageNet classes' names, each scored
    CLASS_TAG_WEIGHT * probability where that is at least CLASS_TAG_MIN, else not at all."""
    index = {w: j for j, w in enumerate(words)}
    names = [n for n in class_names]
    out_words = list(words)
    extra = [n for n in dict.fromkeys(names) if n not in index]
    out_words += extra
    for j, n in enumerate(extra):
        index[n] = len(words) + j
    out = np.full((len(scores), len(out_words)), -1.0, np.float32)
    out[:, : len(words)] = scores
    class_scores = np.where(probs >= CLASS_TAG_MIN, CLASS_TAG_WEIGHT * probs, -1.0)
    cols = np.array([index[n] for n in names])
    for c in range(len(names)):
        col = cols[c]
        out[:, col] = np.maximum(out[:, col], class_scores[:, c])
    return out_words, out
