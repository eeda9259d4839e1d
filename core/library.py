"""The library: one user's folders, catalog and indexes, and every query the app offers.

The GUI and the command line are thin views over this class. Models load only when a query
needs them, so opening a library and answering "similar" for an indexed photo stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from core.ann import unit_rows
from core.browse import mark_removed, photo_dates, without_ids
from core.browsing import Browsing
from core.calibration import Curve, load_curves
from core.catalog import open_catalog
from core.class_evidence import ClassEvidence, candidate_count, query_evidence, rank_blended
from core.dates import iso, with_dates
from core.decode import DecodeError, load_pixels
from core.errors import PhotoSearchError, UnknownWordsError, UsageError, storage_errors
from core.feature_cache import FeatureCache
from core.imagenet import ImageNetClass, imagenet_classes, resolve_class
from core.indexing import IndexProgress, IndexSummary, index_catalog
from core.joint import ConSE, VectorSpace, tag_head_of
from core.lock import IndexLock
from core.models import ImageEncoder, softmax
from core.paths import Profile
from core.query import Concepts, load_concepts, split_known
from core.settings import DEFAULT_JOINT, Settings
from core.vector_index import SpaceIndex
from core.word_model import WordModel, tags_with_classes
from core.words import SimilarWords, TagVocabulary, WordHit, WordVectors, normalise_word

# How far a "-word" pushes results away, relative to the words searched for.
NEGATIVE_WEIGHT = 0.5
# Shared tags of several photos: a photo has a tag when it is among its 10 best, and a tag
# counts when at least half the photos have it.
SHARED_TAG_DEPTH = 10
SHARED_TAG_MIN_SHARE = 0.5


@dataclass(frozen=True)
class PhotoHit:
    """A photo and its similarity to the query (higher is more similar)."""

    path: str
    score: float
    taken: str | None = None  # when the photo was taken, ISO 8601 (EXIF, else file mtime)

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "score": round(self.score, 4), "taken": self.taken}


@dataclass(frozen=True)
class TextSearch:
    """Results of a text search and how the query was understood."""

    hits: list[PhotoHit]
    words: list[str]
    negated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueryPhoto:
    """A query photo's raw CNN features, and its catalog id when it is in the library."""

    features: np.ndarray
    photo_id: int | None


def parse_query(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split query text into (wanted, unwanted) terms; "-word" means unwanted.

    A term is a word or a known multi-word name ("black widow"); stop words are left out.
    """
    parsed = load_concepts().parse(words)
    return parsed.wanted, parsed.unwanted


class Library(Browsing):
    """A photo library in a profile folder (browsing methods: core/browsing.py)."""

    def __init__(
        self,
        profile: Profile,
        backbone: str | None = None,
        joint_model: str | None = None,
        repair: bool = False,
    ) -> None:
        self.profile = profile.ensure()
        self.settings = Settings.load(profile.settings_path)
        self.backbone = backbone or self.settings.backbone
        self.joint_model = joint_model or self.settings.joint_model
        self.catalog, self.repair_message = open_catalog(profile.catalog_path, repair)
        if self.catalog.created:
            # Index files left from a lost or damaged catalog hold its photo ids, which a new
            # catalog hands out again to other photos: they must not answer for this one.
            remove_photo_indexes(self.profile.index_dir)

    def close(self) -> None:
        self.catalog.close()

    # -- components, created on first use ---------------------------------------------------

    @cached_property
    def encoder(self) -> ImageEncoder:
        return ImageEncoder(self.backbone, extra_dirs=(self.profile.models_dir,))

    @cached_property
    def words(self) -> WordVectors:
        return WordVectors(self.profile.cache_dir)

    @cached_property
    def word_index(self) -> SimilarWords:
        return SimilarWords(self.words, self.profile.index_dir)

    @cached_property
    def tag_vocabulary(self) -> TagVocabulary:
        return TagVocabulary(self.words)

    @cached_property
    def joint_space(self) -> VectorSpace:
        from core.joint_registry import load_joint_space

        name = self.joint_model
        loaded = load_joint_space(name, self.encoder, self.words, (self.profile.models_dir,))
        if loaded is not None:
            return loaded
        if name == DEFAULT_JOINT:  # no trained model for this backbone: zero-shot ConSE
            return ConSE(self.encoder, self.words)
        raise PhotoSearchError(f"unknown joint model {name!r}")

    @cached_property
    def image_index(self) -> SpaceIndex:
        from core.joint import ImageSpace

        space = ImageSpace(self.encoder, self.profile.models_dir, self.settings.image_projection)
        return SpaceIndex(
            self.catalog, self.profile.index_dir, space, self.backbone, self.encoder.feature_dim
        )

    @cached_property
    def joint_index(self) -> SpaceIndex:
        return SpaceIndex(
            self.catalog,
            self.profile.index_dir,
            self.joint_space,
            self.backbone,
            self.encoder.feature_dim,
        )

    @cached_property
    def class_evidence(self) -> ClassEvidence:
        return ClassEvidence(self.catalog, self.profile.index_dir, self.encoder)

    @cached_property
    def feature_cache(self) -> FeatureCache:
        return FeatureCache(
            self.catalog,
            self.profile.index_dir,
            self.backbone,
            self.encoder.feature_dim,
            lambda: self.encoder.head[0],
        )

    # -- folders and indexing ---------------------------------------------------------------

    def folders(self) -> list[Path]:
        return self.catalog.folders()

    def add_folder(self, folder: str | os.PathLike[str]) -> Path:
        """Add a folder to the library (it is indexed by `index`)."""
        path = self.check_folder(folder)
        self.catalog.add_folder(path)
        return path

    @staticmethod
    def check_folder(folder: str | os.PathLike[str]) -> Path:
        """The absolute path of an existing folder, or a clear error."""
        path = Path(os.path.abspath(os.fspath(folder)))
        if not path.exists():
            raise PhotoSearchError(f"folder not found: {folder}")
        if not path.is_dir():
            raise PhotoSearchError(f"not a folder: {folder}")
        return path

    def remove_folder(self, folder: str | os.PathLike[str]) -> int:
        """Forget a folder; its photos leave the results. Returns how many were removed."""
        path = Path(os.path.abspath(os.fspath(folder)))
        # Under the indexing lock: a running indexer would otherwise go on writing photos of
        # the folder after it left the library.
        busy = "remove the folder when it is done"
        with IndexLock(self.profile.lock_path, busy=busy):
            if path not in self.folders():
                raise PhotoSearchError(f"not a library folder: {folder}")
            before = self.catalog.ok_photos(path)
            removed = self.catalog.remove_folder(path)
            mark_removed(self.catalog, [i for i, _ in before])  # restore_folder undoes it
            self.refresh_indexes()
        return removed

    def index(
        self, folders: Sequence[Path] | None = None
    ) -> Generator[IndexProgress, None, IndexSummary]:
        """Index folders (default: every library folder); yields progress, returns a summary.

        Folders not in the library yet are added once the indexing lock is held, so a run
        refused because another process is indexing changes nothing.
        """
        run = index_catalog(
            self.catalog,
            self.encoder,
            # None: the library's folders, read once the lock is held (a `remove` may come first).
            list(folders) if folders is not None else None,
            self.profile.lock_path,
            indexes_stale=self._indexes_stale,
            refresh_indexes=self.refresh_indexes,
            follow_external_symlinks=self.settings.follow_external_symlinks,
        )
        return with_dates(run, self.catalog)  # then the dates older catalogs lack

    def _indexes_stale(self) -> bool:
        return not (
            self.image_index.status()["fresh"]
            and self.joint_index.status()["fresh"]
            and self.feature_cache.load() is not None
        )

    def refresh_indexes(self, force: bool = False) -> None:
        """Rebuild the derived indexes that are missing or behind the catalog."""
        # A failed write leaves the previous index files in place (atomic replace): a run
        # with space again rebuilds them.
        with storage_errors(f"cannot write the search indexes in {self.profile.index_dir}"):
            for space in (self.image_index, self.joint_index):
                if force or not space.status()["fresh"]:
                    space.rebuild()
            self.feature_cache.build()
            self.class_evidence.ensure()

    def photo_counts(self, folder: Path | None = None) -> dict[str, int]:
        """Photos indexed ("ok"), "skipped" and "deleted", in the library or below folder."""
        return self.catalog.counts(folder)

    def photos(self, folder: Path | None = None) -> list[str]:
        """Paths of every indexed photo (or those below folder), sorted."""
        return [p for _, p in self.catalog.ok_photos(folder)]

    # -- queries ----------------------------------------------------------------------------

    def query_photo(self, image: str | os.PathLike[str]) -> QueryPhoto:
        """Raw features of a photo: stored ones when it is indexed and unchanged, else computed."""
        path = Path(os.path.abspath(os.fspath(image)))
        row = self.catalog.photo_by_path(path)
        if row is not None and row.status == "ok":
            try:
                st = os.stat(path)
                unchanged = st.st_size == row.size and st.st_mtime_ns == row.mtime_ns
            except OSError:
                unchanged = True  # gone from disk since: the stored vector is all there is
            if unchanged:
                feats = self.catalog.features([row.id], self.backbone, self.encoder.feature_dim)
                if feats.any():
                    return QueryPhoto(feats[0], row.id)
        if not path.exists():
            raise PhotoSearchError(f"no such file: {image}")
        if path.is_dir():
            raise PhotoSearchError(f"not a photo but a folder: {image}")
        try:
            pixels = load_pixels(path, self.encoder.input_size)
        except DecodeError as e:
            raise PhotoSearchError(f"cannot read {image}: {e}") from e
        encoded = self.encoder.encode(pixels[None])
        return QueryPhoto(encoded.features[0], row.id if row is not None else None)

    def _hits(self, ranked: Sequence[tuple[int, float]]) -> list[PhotoHit]:
        found = photo_dates(self.catalog, [pid for pid, _ in ranked])
        return [PhotoHit(found[p][0], s, iso(found[p][1])) for p, s in ranked if p in found]

    @cached_property
    def similarity_curves(self) -> dict[str, Curve]:
        """Calibration of `similar` scores to P(same kind of thing); {} when not fit."""
        return load_curves(self.backbone, self.image_index.space.name)

    def find_similar(
        self,
        image: str | os.PathLike[str],
        k: int = 10,
        class_name: str | None = None,
        min_score: float | None = None,
        *,
        taken_from: date | None = None,
        taken_to: date | None = None,
    ) -> list[PhotoHit]:
        """Photos that look like image; with class_name, alike in what that class cares about.

        Scores are calibrated probabilities that a photo shows the same kind of thing (see
        core/calibration.py); k caps the list and min_score, when given, ends it where the
        score falls below.
        """
        _check_k(k)
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise UsageError(f"--min-score must be between 0 and 1 (got {min_score})")
        cls = resolve_class(class_name) if class_name else None
        query = self.query_photo(image)
        exclude = frozenset({query.photo_id} if query.photo_id is not None else set())
        exclude |= self._outside_dates(taken_from, taken_to)
        if cls is not None:
            ranked = self._class_similar(query, cls, k, exclude)
        else:
            vector = self.image_index.vector_for(query.features)
            ranked = self.image_index.query(vector, k, exclude)
        curve = self.similarity_curves.get("class" if cls is not None else "image")
        if curve is not None:
            ranked = [(pid, curve(score)) for pid, score in ranked]
        if min_score is not None:
            ranked = [(pid, score) for pid, score in ranked if score >= min_score]
        return self._hits(ranked)

    def find_similar_to_all(
        self, images: Sequence[str | os.PathLike[str]], k: int = 10
    ) -> list[PhotoHit]:
        """Photos that look like all of images at once: the mean of their unit image vectors."""
        _check_k(k)
        if not images:
            raise UsageError("find similar needs at least one photo")
        queries = [self.query_photo(image) for image in images]
        vectors = np.stack([self.image_index.vector_for(q.features) for q in queries])
        mean = unit_rows(vectors.mean(axis=0, keepdims=True))[0]
        exclude = frozenset(q.photo_id for q in queries if q.photo_id is not None)
        ranked = self.image_index.query(mean, k, exclude)
        curve = self.similarity_curves.get("image")  # the same scale as find_similar's
        if curve is not None:
            ranked = [(pid, curve(score)) for pid, score in ranked]
        return self._hits(ranked)

    def _class_similar(
        self, query: QueryPhoto, cls: ImageNetClass, k: int, exclude: frozenset[int]
    ) -> list[tuple[int, float]]:
        """Cosine between features re-weighted by the class's classifier row (the seed's trick)."""
        weight = self.encoder.head[0][cls.index]
        return self.feature_cache.class_similar(query.features, weight, k, exclude)

    def top_classes(
        self, image: str | os.PathLike[str], k: int = 5
    ) -> list[tuple[ImageNetClass, float]]:
        """The photo's most probable ImageNet classes."""
        probs = softmax(self.encoder.logits(self.query_photo(image).features[None]))[0]
        classes = imagenet_classes()
        return [(classes[int(j)], float(probs[j])) for j in np.argsort(-probs)[:k]]

    def joint_vector(self, image: str | os.PathLike[str]) -> np.ndarray:
        """The photo's unit vector in the joint image-word space."""
        return self.joint_index.vector_for(self.query_photo(image).features)

    def tags(self, image: str | os.PathLike[str], k: int = 10) -> list[WordHit]:
        """Automatic tags: the joint model's tag head, or the tag words nearest in the space."""
        return self.shared_tags([image], k)

    def shared_tags(self, images: Sequence[str | os.PathLike[str]], k: int = 10) -> list[WordHit]:
        """Tags most of the photos share, with their mean score; for one photo, its best tags.

        A photo has a tag when the tag is among its SHARED_TAG_DEPTH best (at least k); a tag
        counts when at least SHARED_TAG_MIN_SHARE of the photos have it. Tags are ranked by
        how many photos have them, then by mean score: one odd photo among 100 cats no longer
        hides "cat" (a tag's worst score across them did).
        """
        _check_k(k)
        if not images:
            return []
        words, scores = self._tag_scores(images)
        depth = min(max(k, SHARED_TAG_DEPTH), scores.shape[1])
        tops = np.argpartition(-scores, depth - 1, axis=1)[:, :depth]
        share = np.bincount(tops.ravel(), minlength=scores.shape[1]) / len(scores)
        mean = scores.mean(axis=0)
        shared = np.flatnonzero(share >= SHARED_TAG_MIN_SHARE)
        order = shared[np.lexsort((-mean[shared], -share[shared]))][:k]
        return [WordHit(words[j], float(mean[j])) for j in order]

    def _tag_scores(
        self, images: Sequence[str | os.PathLike[str]]
    ) -> tuple[Sequence[str], np.ndarray]:
        """(tag words, [photos, words] scores): a trained model's tag head when it has one
        (probabilities), else the tag vocabulary around the joint vectors (cosine - rarity)."""
        space = self.joint_space
        if isinstance(space, WordModel):
            feats = np.stack([self.query_photo(i).features for i in images])
            probs = softmax(self.encoder.logits(feats))
            names = [c.name for c in imagenet_classes()]
            return tags_with_classes(space.tag_words, space.tag_scores(feats), names, probs)
        head = tag_head_of(space)
        if head is not None:
            feats = np.stack([self.query_photo(i).features for i in images])
            return head.tag_words, head.tag_scores(feats)
        vectors = np.stack([self.joint_vector(i) for i in images])
        return self.tag_vocabulary.words, self.tag_vocabulary.scores(vectors)

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
        _check_k(k)
        if not 0.0 <= min_score <= 1.0:
            raise UsageError(f"--min-score must be between 0 and 1 (got {min_score:g})")
        outside = self._outside_dates(taken_from, taken_to)
        concepts = load_concepts()
        wanted, unwanted = parse_query(words)
        if not wanted:
            raise UsageError("a search needs at least one word to look for (not only -words)")
        known, unknown = self._split_terms(wanted, concepts)
        known_neg, unknown_neg = self._split_terms(unwanted, concepts)
        if not known:
            raise UnknownWordsError([normalise_word(w) for w in wanted])
        evidence = [concepts.classes_for(t) for t in known]
        neg = [concepts.classes_for(t) for t in known_neg]
        space = self.joint_space
        if isinstance(space, WordModel):
            from core.text_search import search

            query = space.query(known, known_neg, self.words)
            ranked = search(
                space,
                self.joint_index,
                query,
                self.class_evidence,
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
                ranked = self.joint_index.query(vector, k, outside)
            ranked = [(p, s) for p, s in ranked if s >= min_score]
        return TextSearch(
            hits=self._hits(ranked),
            words=known,
            negated=known_neg,
            unknown=unknown + ["-" + w for w in unknown_neg],
        )

    def _term_vector(self, term: str) -> np.ndarray | None:
        return self.words.vector(term) if " " not in term else self.words.phrase_vector(term)

    def _split_terms(self, terms: list[str], concepts: Concepts) -> tuple[list[str], list[str]]:
        return split_known(terms, self._known_term, concepts)

    def _known_term(self, term: str) -> bool:
        # The word model knows its words without GloVe's 400k-word table (1.5 s to load).
        space = self.joint_space
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
        ids, postings = self.class_evidence.current()
        scores = query_evidence(postings, evidence, negative)
        if scores is None:
            return [] if vector is None else self.joint_index.query(vector, k, exclude)
        ids, scores = without_ids(ids, scores, exclude)  # a date filter (core/browse.py)
        near = [] if vector is None else self.joint_index.query(vector, candidate_count(k), exclude)
        return rank_blended(ids, scores, near, k)

    def similar_words(self, word: str, k: int = 10) -> list[WordHit]:
        """The nearest GloVe words to word."""
        _check_k(k)
        return self.word_index.similar(word, k)

    # -- status -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Folders, photo counts, index freshness and skipped files."""
        folders = []
        for f in self.folders():
            counts = self.photo_counts(f)
            folders.append(
                {
                    "path": str(f),
                    "exists": f.is_dir(),
                    "photos": counts["ok"],
                    "skipped": counts["skipped"],
                }
            )
        totals = self.photo_counts()
        indexes = {}
        for label, space in (("image", self.image_index), ("joint", self.joint_index)):
            indexes[label] = space.status()
        return {
            "data_dir": str(self.profile.data_dir),
            "backbone": self.backbone,
            "joint_space": self.joint_space.name,
            "folders": folders,
            "photos": totals["ok"],
            "skipped_count": totals["skipped"],
            "indexes": indexes,
            "skipped": [{"path": p, "reason": r} for p, r in self.catalog.skipped()],
        }


def remove_photo_indexes(index_dir: Path) -> None:
    """Delete the files derived from a catalog; the word index depends on GloVe only."""
    for f in index_dir.iterdir():
        if f.is_file() and not f.name.startswith(WordVectors.name):
            f.unlink(missing_ok=True)


def _check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"-k must be at least 1 (got {k})")
