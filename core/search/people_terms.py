"""Named people as search terms: "anna beach" is photos with Anna that also fit "beach".

A TermResolver (core/search/metadata_terms.py): the longest named person's name starting at
a query word. Where a name is also a word search knows as something in a picture (Rose,
Bill), the person wins, and the understood line says so ("person: Rose, not the word").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.models.word_model import WordModel
from core.search.query_parse import load_concepts, tokens

if TYPE_CHECKING:
    from core.people.service import People
    from core.search.parts import SearchParts


@dataclass(frozen=True)
class PersonMatch:
    """Query words that name a person of the library (a TermMatch)."""

    length: int
    label: str
    ids: frozenset[int]
    kind: str = "person"


class PersonNames:
    """The library's named people, matched in query words."""

    def __init__(self, people: People, parts: SearchParts) -> None:
        self.people = people
        self.parts = parts

    def match(self, words: Sequence[str], start: int) -> PersonMatch | None:
        """The longest person's name at words[start:] (lower-case query tokens), if any."""
        if not self.people.enabled:
            return None
        names: dict[tuple[str, ...], tuple[int, str]] = {}
        for person, name in self.people.names().items():
            key = tuple(tokens(name))
            if key:
                names[key] = (person, name)
        longest = max((len(k) for k in names), default=0)
        for n in range(min(longest, len(words) - start), 0, -1):
            found = names.get(tuple(words[start : start + n]))
            if found is not None:
                person, name = found
                also = self.is_word(" ".join(words[start : start + n]))
                label = f"{name}, not the word" if also else name
                return PersonMatch(n, label, frozenset(self.people.photos_of(person)))
        return None

    def is_word(self, term: str) -> bool:
        """Whether search reads term as something in a picture (a class name or model word)."""
        if load_concepts().classes_for(term):
            return True
        space = self.parts.joint_space
        return isinstance(space, WordModel) and all(map(space.knows, term.split()))
