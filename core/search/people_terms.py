"""Named people in a search: "anna beach" is photos with Anna that also fit "beach".

A person's name is matched before the words (longest name first, "-anna" pushes Anna's photos
out), so where a name is also a word the app knows (Rose, Bill), the person wins; the caller
says so with the notes given here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.search.query_parse import normalise_phrase, tokens


@dataclass(frozen=True)
class PeopleInQuery:
    """The people a query names, the photos they allow, and the words left for text search."""

    wanted: list[str] = field(default_factory=list)  # names as the user gave them
    unwanted: list[str] = field(default_factory=list)
    photos: frozenset[int] | None = None  # photos with every wanted person; None: no one wanted
    excluded: frozenset[int] = frozenset()  # photos with an unwanted person
    rest: list[str] = field(default_factory=list)  # the query's other words ("-word" kept)
    notes: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.wanted or self.unwanted)


def people_in_query(
    words: Sequence[str],
    names: dict[int, str],
    photos_of: Callable[[int], set[int]],
    is_word: Callable[[str], bool],
) -> PeopleInQuery:
    """Split the named people out of query words; names: {person id: name}."""
    keys = {normalise_phrase(n): (i, n) for i, n in names.items() if normalise_phrase(n)}
    if not keys:
        return PeopleInQuery(rest=list(words))
    longest = max(k.count(" ") + 1 for k in keys)
    marked: list[tuple[str, bool]] = []
    for chunk in words:
        for part in chunk.split():
            negated = part.startswith("-") and len(part) > 1
            marked.extend((t, negated) for t in tokens(part.lstrip("-+")))
    wanted: list[tuple[int, str]] = []
    unwanted: list[tuple[int, str]] = []
    rest: list[str] = []
    notes: list[str] = []
    i = 0
    while i < len(marked):
        for n in range(min(longest, len(marked) - i), 0, -1):
            run = marked[i : i + n]
            key = " ".join(t for t, _ in run)
            if key in keys and all(neg == run[0][1] for _, neg in run):
                person, name = keys[key]
                (unwanted if run[0][1] else wanted).append((person, name))
                if is_word(key):
                    notes.append(f'"{key}" is taken as the person {name}, not as a word')
                i += n
                break
        else:
            token, negated = marked[i]
            rest.append("-" + token if negated else token)
            i += 1
    photos: frozenset[int] | None = None
    for person, _ in wanted:
        has = frozenset(photos_of(person))
        photos = has if photos is None else photos & has
    excluded = frozenset(p for person, _ in unwanted for p in photos_of(person))
    return PeopleInQuery(
        [n for _, n in wanted], [n for _, n in unwanted], photos, excluded, rest, notes
    )
