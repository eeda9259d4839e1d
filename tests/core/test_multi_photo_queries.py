"""Queries over several photos at once: the tags most of them share, and "find similar" to all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from core.library import Library
from core.storage.profile import resolve_profile
from tests.conftest import make_photos, run_index

WORDS = ["cat", "sofa", "broom", "grass", "dog"] + [f"filler{i}" for i in range(40)]


def _library_with_scores(tmp_path: Path, scores: np.ndarray) -> Library:
    library = Library(resolve_profile(tmp_path / "profile"))
    # The tag service's scores, given: this tests how tags are chosen from them.
    library.tagging._tag_scores = lambda images: (WORDS, scores[: len(images)])  # type: ignore[method-assign]
    return library


def test_shared_tags_are_the_tags_most_of_the_selection_has(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.0, 0.05, (100, len(WORDS)))
    scores[:, WORDS.index("cat")] = 0.6
    scores[90:, WORDS.index("cat")] = 0.0001  # ten odd photos where the model misses the cat
    scores[:60, WORDS.index("sofa")] = 0.3
    scores[:3, WORDS.index("broom")] = 0.95  # three photos with a broom
    library = _library_with_scores(tmp_path, scores)

    tags = library.shared_tags([f"p{i}.jpg" for i in range(100)], 5)

    words = [t.word for t in tags]
    assert words[:2] == ["cat", "sofa"]
    assert "broom" not in words
    assert tags[0].score == pytest.approx(scores[:, 0].mean())
    library.close()


def test_tags_of_one_photo_are_its_best_tags(tmp_path: Path) -> None:
    scores = np.linspace(0.0, 1.0, len(WORDS))[None, :]
    library = _library_with_scores(tmp_path, scores)
    tags = library.tags("p.jpg", 3)
    assert [t.word for t in tags] == WORDS[::-1][:3]
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)
    library.close()


def _checkerboard(path: Path) -> Path:
    y, x = np.mgrid[0:120, 0:160]
    board = ((x // 16 + y // 16) % 2 * 255).astype(np.uint8)
    Image.fromarray(np.stack([board] * 3, axis=-1)).save(path, quality=90)
    return path


def _rings(path: Path) -> Path:
    y, x = np.mgrid[0:120, 0:160]
    rings = (np.sin(np.hypot(x - 80, y - 60) / 3.0) > 0).astype(np.uint8)
    pixels = np.stack([rings * 230, rings * 40, 60 + rings * 0], axis=-1).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=90)
    return path


def _near_copy(source: Path, target: Path) -> Path:
    with Image.open(source) as im:
        ImageEnhance.Brightness(im).enhance(1.05).save(target, quality=75)
    return target


def test_find_similar_to_all_uses_every_photo_as_one_query(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    make_photos(folder, 10, first_seed=100, size=(160, 120))
    a = _checkerboard(folder / "a.jpg")
    b = _rings(folder / "b.jpg")
    a2 = _near_copy(a, folder / "a-copy.jpg")
    b2 = _near_copy(b, folder / "b-copy.jpg")
    library = Library(resolve_profile(tmp_path / "profile"))
    library.add_folder(folder)
    run_index(library)

    hits = library.find_similar_to_all([a, b], 5)

    paths = [h.path for h in hits]
    assert len(paths) == 5
    assert str(a) not in paths and str(b) not in paths  # the query photos are not results
    assert set(paths[:2]) == {str(a2), str(b2)}  # a near copy of each query photo comes first
    one = library.find_similar_to_all([a], 5)
    assert [h.path for h in one] == [h.path for h in library.find_similar(a, 5)]
    library.close()
