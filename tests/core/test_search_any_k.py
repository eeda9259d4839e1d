"""On real photos, a search's top k is the first k of any longer list, with the same scores:
a photo's score depends on the query, the photo and the model, never on -k or --min-score."""

from __future__ import annotations

import pytest

from core.library import Library

# Single words the ImageNet classes give evidence for, and several-word queries.
QUERIES = [
    "city",
    "mountain",
    "night",
    "child",
    "street night",
    "kids playing in the snow",
    "cat sofa",
    "woman hat",
    "dog -pug",
    "sombrero",
]


def ranked(library: Library, query: str, k: int, min_score: float = 0.0) -> list[tuple[str, float]]:
    return [(h.path, h.score) for h in library.search(query.split(), k, min_score).hits]


@pytest.mark.parametrize("query", QUERIES)
def test_the_top_k_is_the_start_of_the_whole_ranking(real_library: Library, query: str) -> None:
    everything = ranked(real_library, query, 100_000)
    assert len(everything) == real_library.photo_counts()["ok"]
    assert len({p for p, _ in everything}) == len(everything)
    for k in (1, 3, 10, 50):
        assert ranked(real_library, query, k) == everything[:k], f"-k {k}"


@pytest.mark.parametrize("query", ["city", "night", "street night", "cat sofa"])
def test_min_score_keeps_the_same_photos_and_scores(real_library: Library, query: str) -> None:
    everything = ranked(real_library, query, 100_000)
    for floor in (0.01, 0.3):
        expected = [(p, s) for p, s in everything if s >= floor]
        assert ranked(real_library, query, 100_000, floor) == expected
        assert ranked(real_library, query, 5, floor) == expected[:5]
