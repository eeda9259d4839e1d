"""Named people in query words: longest name first, and a name that is also a word."""

from __future__ import annotations

from core.search.people_terms import PersonNames


class FakePeople:
    enabled = True

    def names(self) -> dict[int, str]:
        return {1: "Anna", 2: "Anna Lee", 3: "Jean-Paul", 4: "Rose"}

    def photos_of(self, person: int) -> set[int]:
        return {person * 10, person * 10 + 1}


class FakeParts:
    joint_space = object()  # not the word model: only the concept table says what is a word


def names() -> PersonNames:
    return PersonNames(FakePeople(), FakeParts())  # type: ignore[arg-type]


def test_the_longest_name_at_a_word_wins():
    found = names().match(["anna", "lee", "beach"], 0)
    assert found is not None and (found.length, found.label) == (2, "Anna Lee")
    assert found.ids == {20, 21} and found.kind == "person"
    alone = names().match(["anna", "beach"], 0)
    assert alone is not None and alone.label == "Anna"
    assert names().match(["anna", "lee", "beach"], 2) is None


def test_names_are_matched_as_query_tokens():
    found = names().match(["jean", "paul"], 0)  # "Jean-Paul" splits as the query does
    assert found is not None and found.length == 2


def test_nothing_is_matched_when_face_recognition_is_off():
    people = FakePeople()
    people.enabled = False
    assert PersonNames(people, FakeParts()).match(["anna"], 0) is None  # type: ignore[arg-type]
