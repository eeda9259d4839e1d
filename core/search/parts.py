"""What the search services need from the library: its models, indexes and a few lookups.

core.library.Library provides them (created on first use); a test can hand a service a small
stand-in instead. A Protocol, so that this room never imports the facade above it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.models.encoder import ImageEncoder
    from core.models.glove import SimilarWords, TagVocabulary, WordVectors
    from core.models.joint import VectorSpace
    from core.search.class_evidence import ClassEvidence
    from core.search.metadata_terms import TermResolver
    from core.search.results import PhotoHit, QueryPhoto
    from core.search.space_index import SpaceIndex
    from core.vectors.feature_cache import FeatureCache


class SearchParts(Protocol):
    """The library's parts the query services read."""

    @property
    def backbone(self) -> str: ...

    @property
    def encoder(self) -> ImageEncoder: ...

    @property
    def words(self) -> WordVectors: ...

    @property
    def word_index(self) -> SimilarWords: ...

    @property
    def tag_vocabulary(self) -> TagVocabulary: ...

    @property
    def joint_space(self) -> VectorSpace: ...

    @property
    def image_index(self) -> SpaceIndex: ...

    @property
    def joint_index(self) -> SpaceIndex: ...

    @property
    def class_evidence(self) -> ClassEvidence: ...

    @property
    def feature_cache(self) -> FeatureCache: ...

    def query_photo(self, image: str | os.PathLike[str]) -> QueryPhoto:
        """Raw features of a photo: stored when it is indexed and unchanged, else computed."""
        ...

    def hits(self, ranked: Sequence[tuple[int, float]]) -> list[PhotoHit]:
        """Ranked (photo id, score) pairs as hits with their paths and capture dates."""
        ...

    def outside_dates(self, taken_from: date | None, taken_to: date | None) -> frozenset[int]:
        """Photo ids a date filter leaves out (none without one)."""
        ...

    @property
    def term_resolvers(self) -> Sequence[TermResolver]:
        """What names in a search may mean besides words: places, people."""
        ...

    def indexed_ids(self) -> frozenset[int]:
        """Every photo a search may return."""
        ...

    def newest_first(self, ids: Iterable[int]) -> list[int]:
        """Photo ids by capture time, newest first."""
        ...
