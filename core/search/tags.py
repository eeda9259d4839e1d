"""The library's questions about what photos show: ImageNet classes, joint vectors, and the
automatic tags of one photo or the tags several photos share.

A service of core.library.Library, which hands it the parts it uses (core.search.parts).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.models.encoder import softmax
from core.models.glove import WordHit
from core.models.imagenet import ImageNetClass, imagenet_classes
from core.models.joint import tag_head_of
from core.models.word_model import WordModel, tags_with_classes
from core.search.results import check_k

if TYPE_CHECKING:
    from core.search.parts import SearchParts

# Shared tags of several photos: a photo has a tag when it is among its 10 best, and a tag
# counts when at least half the photos have it.
SHARED_TAG_DEPTH = 10
SHARED_TAG_MIN_SHARE = 0.5


class TagSearch:
    """What photos show: ImageNet classes, joint vectors and automatic tags."""

    def __init__(self, parts: SearchParts) -> None:
        self.parts = parts

    def top_classes(
        self, image: str | os.PathLike[str], k: int = 5
    ) -> list[tuple[ImageNetClass, float]]:
        """The photo's most probable ImageNet classes."""
        probs = softmax(self.parts.encoder.logits(self.parts.query_photo(image).features[None]))[0]
        classes = imagenet_classes()
        return [(classes[int(j)], float(probs[j])) for j in np.argsort(-probs)[:k]]

    def joint_vector(self, image: str | os.PathLike[str]) -> np.ndarray:
        """The photo's unit vector in the joint image-word space."""
        return self.parts.joint_index.vector_for(self.parts.query_photo(image).features)

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
        check_k(k)
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
        space = self.parts.joint_space
        if isinstance(space, WordModel):
            feats = np.stack([self.parts.query_photo(i).features for i in images])
            probs = softmax(self.parts.encoder.logits(feats))
            names = [c.name for c in imagenet_classes()]
            return tags_with_classes(space.tag_words, space.tag_scores(feats), names, probs)
        head = tag_head_of(space)
        if head is not None:
            feats = np.stack([self.parts.query_photo(i).features for i in images])
            return head.tag_words, head.tag_scores(feats)
        vectors = np.stack([self.joint_vector(i) for i in images])
        return self.parts.tag_vocabulary.words, self.parts.tag_vocabulary.scores(vectors)
