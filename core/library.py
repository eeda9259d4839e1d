"""The library: one user's folders, catalog and indexes, and every query the app offers.

The GUI and the command line are thin views over this class. Models load only when a query
needs them, so opening a library and answering "similar" for an indexed photo stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from core.browse.photos import mark_removed, photo_dates
from core.browse.service import BrowseService
from core.errors import PhotoSearchError, UsageError, storage_errors
from core.indexing.date_fill import with_dates
from core.indexing.scan import IndexSummary, index_catalog
from core.media.dates import ids_outside_dates, iso
from core.media.decode import DecodeError, load_pixels, media_kind
from core.models.encoder import ImageEncoder
from core.models.glove import SimilarWords, TagVocabulary, WordVectors
from core.models.joint import ConSE, VectorSpace
from core.people.service import People
from core.places.service import Places, place_json, place_label
from core.progress import Progress
from core.search.class_evidence import ClassEvidence
from core.search.metadata_terms import TermResolver
from core.search.people_terms import PersonNames
from core.search.results import PhotoHit as PhotoHit
from core.search.results import QueryPhoto as QueryPhoto
from core.search.results import TextSearch as TextSearch
from core.search.similar import SimilarSearch
from core.search.space_index import SpaceIndex
from core.search.tags import TagSearch
from core.search.text import WordSearch
from core.search.text import parse_query as parse_query
from core.storage.lock import IndexLock
from core.storage.media_files import (
    MediaFacts,
    companion_pairs,
    companions_of,
    media_facts,
    video_durations,
)
from core.storage.places import PlaceNames
from core.storage.profile import Profile
from core.storage.repair import open_catalog
from core.storage.settings import DEFAULT_JOINT, Settings
from core.vectors.feature_cache import FeatureCache


class Library:
    """A photo library in a profile folder.

    It owns the profile, settings, catalog and the models and indexes (created on first use),
    and composes the services that answer queries: `browser` (core.browse.service),
    `similar` (core.search.similar), `tagging` (core.search.tags), `word_search`
    (core.search.text) and `places` (core.places.service). Their public methods are also
    the library's own (set in __init__).
    """

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
        self.browser = BrowseService(
            self.catalog, profile.lock_path, self.folders, self.stored_features
        )
        self.similar = SimilarSearch(self)
        self.tagging = TagSearch(self)
        self.word_search = WordSearch(self)
        self.places = Places(self.catalog, profile.cache_dir)  # its geocoder loads on first use
        # The one object the GUI and CLI hold answers every query itself.
        self.browse = self.browser.browse
        self.folder_tree = self.browser.folder_tree
        self.forget_photos = self.browser.forget_photos
        self.restore_folder = self.browser.restore_folder
        self.near_duplicates = self.browser.near_duplicates
        self.find_similar = self.similar.find_similar
        self.find_similar_to_all = self.similar.find_similar_to_all
        self.top_classes = self.tagging.top_classes
        self.joint_vector = self.tagging.joint_vector
        self.tags = self.tagging.tags
        self.shared_tags = self.tagging.shared_tags
        self.search = self.word_search.search
        self.similar_words = self.word_search.similar_words
        self.place_tree = self.places.tree

    def close(self) -> None:
        self.catalog.close()

    def words_to_try(self, words: Sequence[str], per_word: int = 2) -> list[tuple[str, str]]:
        """Words to try in place of the query's (WordSearch.words_to_try), with this library's
        similar_words as the neighbours."""
        return self.word_search.words_to_try(words, per_word, self.similar_words)

    # -- components, created on first use ---------------------------------------------------

    @cached_property
    def encoder(self) -> ImageEncoder:
        return ImageEncoder(self.backbone, extra_dirs=(self.profile.models_dir,))

    @cached_property
    def people(self) -> People:
        return People(
            self.catalog, self.settings, self.profile.settings_path, self.profile.lock_path
        )

    @cached_property
    def person_names(self) -> PersonNames:
        return PersonNames(self.people, self)

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
        from core.models.joint import load_joint_space

        name = self.joint_model
        loaded = load_joint_space(name, self.encoder, self.words, (self.profile.models_dir,))
        if loaded is not None:
            return loaded
        if name == DEFAULT_JOINT:  # no trained model for this backbone: zero-shot ConSE
            return ConSE(self.encoder, self.words)
        raise PhotoSearchError(f"unknown joint model {name!r}")

    @cached_property
    def image_index(self) -> SpaceIndex:
        from core.models.joint import ImageSpace

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
        self, folders: Sequence[Path] | None = None, faces: bool = True
    ) -> Generator[Progress, None, IndexSummary]:
        """Index folders (default: every library folder); yields progress, returns a summary.

        Folders not in the library yet are added once the indexing lock is held, so a run
        refused because another process is indexing changes nothing. Then, unless faces is
        False or face recognition is off, the face pass (search works before it starts).
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
        # Then the dates older catalogs lack, and the GPS positions of photos not read yet.
        run = with_places(with_dates(run, self.catalog), self.places)
        return self._then_faces(run) if faces and self.people.enabled else run

    def _then_faces(
        self, run: Generator[Progress, None, IndexSummary]
    ) -> Generator[Any, None, IndexSummary]:
        summary = yield from run
        found = yield from self.people.find_faces()
        summary.faces = found.to_json()
        return summary

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

    def kind_counts(self) -> dict[str, int]:
        """Indexed photos by kind: {"photo", "raw", "video"} (a RAW shown with its JPEG, or a
        Live Photo's clip, is its photo's companion: companion_counts, not here)."""
        counts = dict.fromkeys(("photo", "raw", "video"), 0)
        for path in self.photos():
            counts[media_kind(path)] += 1
        return counts

    def companion_counts(self) -> dict[str, int]:
        """Files shown with a photo of the same name instead of on their own, by kind: RAW
        files beside their JPEG, Live Photo clips ("video") beside their still."""
        counts = {"raw": 0, "video": 0}
        for path, _ in companion_pairs(self.catalog):
            kind = media_kind(path)
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def live_photos(self) -> set[str]:
        """Paths of the stills that have a Live Photo clip beside them (the gallery says LIVE)."""
        return {main for clip, main in companion_pairs(self.catalog) if media_kind(clip) == "video"}

    def video_durations(self) -> dict[str, float]:
        """{path: seconds} of every indexed video (the gallery's play badge shows them)."""
        return video_durations(self.catalog)

    def companions(self, path: str) -> list[str]:
        """The files shown with the photo at path: its RAW, a Live Photo's clip."""
        return companions_of(self.catalog, os.path.abspath(path))

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

    def hits(self, ranked: Sequence[tuple[int, float]]) -> list[PhotoHit]:
        """Ranked (photo id, score) pairs as hits with their paths, capture dates and places,
        a video's duration and a RAW+JPEG pair's companions."""
        ids = [pid for pid, _ in ranked]
        found = photo_dates(self.catalog, ids)
        places = self.places.names_of(ids)
        facts = media_facts(self.catalog, ids)
        none = MediaFacts()
        return [
            PhotoHit(
                found[p][0],
                s,
                iso(found[p][1]),
                place_json(places.get(p)),
                duration=facts.get(p, none).duration,
                companions=facts.get(p, none).companions,
            )
            for p, s in ranked
            if p in found
        ]

    @property
    def term_resolvers(self) -> list[TermResolver]:
        """What names in a search may mean besides words (core/search/metadata_terms.py)."""
        return [self.person_names, self.places]  # a person before a place of the same name

    def indexed_ids(self) -> frozenset[int]:
        """Every photo a search may return (indexed, with this backbone's features)."""
        return frozenset(self.catalog.ok_ids(self.backbone).tolist())

    def newest_first(self, ids: Iterable[int]) -> list[int]:
        """Photo ids by capture time, newest first (undated ones last), then by path."""
        found = photo_dates(self.catalog, sorted(ids))

        def key(p: int) -> tuple[float, str]:
            path, taken = found[p]
            return (-taken if taken is not None else float("inf"), path)

        return sorted(found, key=key)

    def place_photos(
        self, country: str, region: str | None = None, city: str | None = None
    ) -> list[PhotoHit]:
        """The photos taken in a country (or a region or city of it), newest first."""
        ids = self.places.photos_in(country, region, city)
        return self.hits([(p, 1.0) for p in self.newest_first(ids)])

    def place_of(self, path: str | os.PathLike[str]) -> PlaceNames | None:
        """Where an indexed photo was taken (with its district), or None without GPS."""
        row = self.catalog.photo_by_path(Path(os.path.abspath(os.fspath(path))))
        if row is None or row.status != "ok":
            return None
        return self.places.names_of([row.id]).get(row.id)

    def set_place(self, paths: Sequence[str | os.PathLike[str]], name: str) -> str:
        """Set where indexed photos were taken, by a town's name; returns the place's label."""
        names = self.places.set_place([self.catalog.indexed_id(p) for p in paths], name)
        return place_label(names)

    def clear_place(self, paths: Sequence[str | os.PathLike[str]]) -> int:
        """Forget the places set by hand for indexed photos; returns how many had one."""
        return self.places.clear_place([self.catalog.indexed_id(p) for p in paths])

    def photos_at(self, name: str) -> tuple[str, list[PhotoHit]]:
        """What a place name means and its photos, newest first; a clear error for a name
        that no photo's place has."""
        found = self.places.find(name)
        if found is None:
            raise PhotoSearchError(f"no photo in the library was taken in a place called {name!r}")
        return found.label, self.hits([(p, 1.0) for p in self.newest_first(found.ids)])

    def outside_dates(self, taken_from: date | None, taken_to: date | None) -> frozenset[int]:
        """Photo ids a date filter leaves out (none without one); queries exclude them."""
        if taken_from and taken_to and taken_from > taken_to:
            raise UsageError(f"the date range is empty: {taken_from} is after {taken_to}")
        return ids_outside_dates(self.catalog, taken_from, taken_to)

    def stored_features(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, raw CNN features) of every indexed photo, from the catalog."""
        id_parts, parts = [], []
        dim = self.encoder.feature_dim
        for ids, feats in self.catalog.iter_features(self.backbone, dim):
            id_parts.append(ids)
            parts.append(feats)
        if not parts:
            return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
        return np.concatenate(id_parts), np.concatenate(parts)

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
            "kinds": self.kind_counts(),
            "companions": self.companion_counts(),
            "skipped_count": totals["skipped"],
            "indexes": indexes,
            "skipped": [{"path": p, "reason": r} for p, r in self.catalog.skipped()],
        }


def with_places(
    run: Generator[Progress, None, IndexSummary], places: Places
) -> Generator[Progress, None, IndexSummary]:
    """An index run, then the GPS of photos not read yet; returns the run's summary."""
    summary = yield from run
    for done, total in places.fill():
        yield Progress("places", done, total)
    return summary


def remove_photo_indexes(index_dir: Path) -> None:
    """Delete the files derived from a catalog; the word index depends on GloVe only."""
    for f in index_dir.iterdir():
        if f.is_file() and not f.name.startswith(WordVectors.name):
            f.unlink(missing_ok=True)
