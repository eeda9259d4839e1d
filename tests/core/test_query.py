"""Query parsing: multi-word names are one term, stop words go, "-word" still pushes away;
and the concept table maps words to the ImageNet classes a user would expect."""

from __future__ import annotations

import pytest

from core.models.imagenet import imagenet_classes, resolve_class
from core.search.query_parse import load_concepts, normalise_phrase, parse_query


@pytest.mark.parametrize(
    "name", ["black widow", "tennis ball", "golden retriever", "park bench", "Granny Smith"]
)
def test_multi_word_class_names_are_one_term(name: str) -> None:
    parsed = load_concepts().parse([name])
    assert parsed.wanted == [name.lower()]
    assert resolve_class(name).index in load_concepts().classes_for(name)


def test_phrase_inside_a_sentence_with_stop_words_and_negation() -> None:
    parsed = load_concepts().parse(["a golden retriever on the park bench", "-tennis", "-ball"])
    assert parsed.wanted == ["golden retriever", "park bench"]
    assert parsed.unwanted == ["tennis ball"]
    assert set(parsed.dropped) == {"a", "on", "the"}


def test_negation_applies_to_its_own_word_only() -> None:
    parsed = load_concepts().parse(["-black widow"])
    assert parsed.wanted == ["widow"]
    assert parsed.unwanted == ["black"]


def test_only_stop_words_are_kept_rather_than_dropping_everything() -> None:
    assert parse_query(["the", "who"]).wanted == ["the", "who"]


def test_every_class_name_and_synonym_is_one_term_with_its_class() -> None:
    concepts = load_concepts()
    wrong = []
    for cls in imagenet_classes():
        for name in cls.names:
            parsed = concepts.parse([name])
            if parsed.wanted != [normalise_phrase(name)] or cls.index not in concepts.classes_for(
                name
            ):
                wrong.append((name, parsed.wanted))
    assert wrong == []


def test_broader_words_cover_their_classes() -> None:
    concepts = load_concepts()
    dogs = concepts.classes_for("dog")
    assert resolve_class("golden retriever").index in dogs
    assert resolve_class("Chihuahua").index in dogs
    assert len([c for c, w in dogs.items() if w == 1.0]) >= 100
    assert resolve_class("banana").index in concepts.classes_for("fruit")
    assert resolve_class("ambulance").index in concepts.classes_for("vehicle")
    assert resolve_class("goldfinch").index not in concepts.classes_for("vehicle")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("tennis", {"tennis ball", "racket"}),
        ("bench", {"park bench"}),
        ("hat", {"cowboy hat", "sombrero"}),
        ("snow", {"ski", "snowmobile"}),
    ],
)
def test_near_words_reach_related_classes(word: str, expected: set[str]) -> None:
    found = {c.name for c in imagenet_classes() if c.index in load_concepts().classes_for(word)}
    assert expected <= found
