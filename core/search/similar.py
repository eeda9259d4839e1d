"""The library's look-alike queries: photos like one photo, alike in what one ImageNet class
cares about, or like several photos at once.

A service of core.library.Library, which hands it the parts it uses (core.search.parts).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from core.errors import UsageError
from core.models.imagenet import ImageNetClass, resolve_class
from core.search.calibration import Curve, load_curves
from core.search.results import PhotoHit, QueryPhoto, check_k
from core.vectors.ann import unit_rows

if TYPE_CHECKING:
    from core.search.parts import SearchParts


class SimilarSearch:
    """Look-alike queries over the library's image index and raw-feature cache."""

    def __init__(self, parts: SearchParts) -> None:
        self.parts = parts

    @cached_property
    def similarity_curves(self) -> dict[str, Curve]:
        """Calibration of `similar` scores to P(same kind of thing); {} when not fit."""
        return load_curves(self.parts.backbone, self.parts.image_index.space.name)

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
        core/search/calibration.py); k caps the list and min_score, when given, ends it where the
        score falls below.
        """
        check_k(k)
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise UsageError(f"--min-score must be between 0 and 1 (got {min_score})")
        cls = resolve_class(class_name) if class_name else None
        query = self.parts.query_photo(image)
        exclude = frozenset({query.photo_id} if query.photo_id is not None else set())
        exclude |= self.parts.outside_dates(taken_from, taken_to)
        if cls is not None:
            ranked = self._class_similar(query, cls, k, exclude)
        else:
            vector = self.parts.image_index.vector_for(query.features)
            ranked = self.parts.image_index.query(vector, k, exclude)
        curve = self.similarity_curves.get("class" if cls is not None else "image")
        if curve is not None:
            ranked = [(pid, curve(score)) for pid, score in ranked]
        if min_score is not None:
            ranked = [(pid, score) for pid, score in ranked if score >= min_score]
        return self.parts.hits(ranked)

    def find_similar_to_all(
        self, images: Sequence[str | os.PathLike[str]], k: int = 10
    ) -> list[PhotoHit]:
        """Photos that look like all of images at once: the mean of their unit image vectors."""
        check_k(k)
        if not images:
            raise UsageError("find similar needs at least one photo")
        queries = [self.parts.query_photo(image) for image in images]
        vectors = np.stack([self.parts.image_index.vector_for(q.features) for q in queries])
        mean = unit_rows(vectors.mean(axis=0, keepdims=True))[0]
        exclude = frozenset(q.photo_id for q in queries if q.photo_id is not None)
        ranked = self.parts.image_index.query(mean, k, exclude)
        curve = self.similarity_curves.get("image")  # the same scale as find_similar's
        if curve is not None:
            ranked = [(pid, curve(score)) for pid, score in ranked]
        return self.parts.hits(ranked)

    def _class_similar(
        self, query: QueryPhoto, cls: ImageNetClass, k: int, exclude: frozenset[int]
    ) -> list[tuple[int, float]]:
        """Cosine between features re-weighted by the class's classifier row (the seed's trick)."""
        weight = self.parts.encoder.head[0][cls.index]
        return self.parts.feature_cache.class_similar(query.features, weight, k, exclude)
