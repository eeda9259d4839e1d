"""Synonyms, plurals and informal words carry over to the words the model knows well."""

from __future__ import annotations

import pytest

from core.library import Library
from core.models.word_model import WORD_MODEL, WordModel
from core.search.query_parse import load_concepts, singular


def top(library: Library, query: str, k: int = 10) -> list[str]:
    return [h.path for h in library.search(query.split(), k).hits]


@pytest.mark.parametrize(
    ("typed", "concept"), [("pooch", "dog"), ("automobile", "car"), ("puppies", "dog")]
)
def test_an_informal_word_finds_what_the_concept_word_finds(
    real_library: Library, typed: str, concept: str
) -> None:
    assert len(set(top(real_library, typed)) & set(top(real_library, concept))) >= 8


def test_a_plural_gets_the_class_evidence_of_its_singular() -> None:
    concepts = load_concepts()
    assert concepts.classes_for("flowers") == concepts.classes_for("flower") != {}
    assert [singular(w) for w in ("flowers", "puppies", "buses", "children", "glass")] == [
        "flower",
        "puppy",
        "bus",
        "child",
        "glass",
    ]


def test_a_weakly_known_word_leans_on_the_well_known_one() -> None:
    model = WordModel(f"{WORD_MODEL}-efficientnet-lite0")
    assert ("baby", 1.0) in model.links_of("infant")
    assert model.links_of("woman") == []  # a well-known word stands on its own


def test_words_to_try_are_ones_the_model_knows_well(library: Library, monkeypatch) -> None:
    from core.models.glove import WordHit

    neighbours = ["folks", "mom", "played", "play", "kid", "girls", "icy"]
    monkeypatch.setattr(
        library, "similar_words", lambda word, k=10: [WordHit(w, 0.5) for w in neighbours]
    )
    tries = library.words_to_try(["kids", "playing"], per_word=3)
    assert tries[0] == ("kids", "child")  # the well-known word it is linked to, first
    assert not {t for _, t in tries} & {"folks", "mom", "icy"}  # in few captions
    assert ("kids", "kid") not in tries  # forms of the word itself
    assert ("playing", "played") not in tries and ("playing", "play") not in tries


def test_a_linked_word_still_searches_when_no_caption_uses_its_words(monkeypatch, tmp_path) -> None:
    # A model trained on fewer photos (the val benchmarks' train-only model) can know a word
    # and its links from no caption at all; the query must still come back, not crash.
    import numpy as np

    from core.models.glove import WordVectors

    model = WordModel(f"{WORD_MODEL}-efficientnet-lite0")
    monkeypatch.setattr(model, "caption_share", lambda term: 0.0)
    query = model.term_query("infant", WordVectors(tmp_path))
    assert query is not None and np.isfinite(query.vector).all()
