"""Named people in query words: longest name first, "-name", notes where a name is a word."""

from __future__ import annotations

from core.search.people_terms import people_in_query

NAMES = {1: "Anna", 2: "Anna Lee", 3: "Bob", 4: "Rose"}
PHOTOS = {1: {10, 11}, 2: {11, 12, 13}, 3: {12, 13, 14}, 4: {15}}


def parse(*words: str):
    return people_in_query(words, NAMES, lambda p: PHOTOS[p], lambda t: t == "rose")


def test_the_longest_name_wins_and_the_other_words_are_left_for_search():
    q = parse("anna", "lee", "at", "the", "beach")
    assert q.wanted == ["Anna Lee"] and q.rest == ["at", "the", "beach"]
    assert q.photos == {11, 12, 13}


def test_two_people_need_both_and_a_negated_person_is_excluded():
    both = parse("Anna Lee BOB")
    assert both.wanted == ["Anna Lee", "Bob"] and both.photos == {12, 13}
    without = parse("beach", "-bob")
    assert without.unwanted == ["Bob"] and without.photos is None
    assert without.excluded == {12, 13, 14} and without.rest == ["beach"]


def test_a_name_that_is_a_word_is_the_person_with_a_note():
    q = parse("rose", "garden")
    assert q.wanted == ["Rose"] and q.rest == ["garden"]
    assert q.notes == ['"rose" is taken as the person Rose, not as a word']


def test_no_names_leave_the_query_alone():
    q = people_in_query(["-cat", "sofa"], {}, lambda p: set(), lambda t: False)
    assert not q.any and q.rest == ["-cat", "sofa"]
    q = parse("annabel", "-roses")
    assert not q.any and q.rest == ["annabel", "-roses"]
