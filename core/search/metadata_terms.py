"""Search terms that name facts about photos rather than what they show: a place ("paris",
"new york"), a person. Each resolver knows one kind of name and the photos it fits.

Resolvers see the query's words before stop words are dropped ("the hague", "rio de
janeiro"), longest match first, and the words they take leave the word search. A term must
fit, as every word must: the photos a search may return are those every term fits, less
those a "-term" fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.search.query_parse import STOP_WORDS, marked_tokens


class TermMatch(Protocol):
    """A run of query words that names something: `length` words from where it was asked."""

    @property
    def length(self) -> int: ...

    @property
    def kind(self) -> str: ...  # "place", "person": how the understood line labels it

    @property
    def label(self) -> str: ...  # what the words were understood as, e.g. "Paris, France"

    @property
    def ids(self) -> frozenset[int]: ...  # the indexed photos it fits


class TermResolver(Protocol):
    """Finds the longest name starting at words[start] (lower-case query tokens), if any."""

    def match(self, words: Sequence[str], start: int) -> TermMatch | None: ...


@dataclass(frozen=True)
class MetadataTerm:
    """A name found in a query, and whether it was negated ("-paris")."""

    kind: str
    label: str
    ids: frozenset[int]
    negated: bool = False

    def describe(self) -> str:
        return f"{'-' if self.negated else ''}{self.kind}: {self.label}"


@dataclass(frozen=True)
class SplitQuery:
    """The query's words left for the word search, and the names taken out of it."""

    words: list[str]
    terms: list[MetadataTerm] = field(default_factory=list)

    @property
    def wanted(self) -> list[MetadataTerm]:
        return [t for t in self.terms if not t.negated]

    def excluded(self, every_id: frozenset[int]) -> frozenset[int]:
        """Photos of every_id that some term rules out (none without terms)."""
        if not self.terms:
            return frozenset()
        allowed = set(every_id)
        for t in self.terms:
            if t.negated:
                allowed -= t.ids
            else:
                allowed &= t.ids
        return every_id - allowed


def split_metadata_terms(words: Sequence[str], resolvers: Sequence[TermResolver]) -> SplitQuery:
    """Take the names the resolvers know out of the query words ("-name" negates one).

    Without a match the words come back unchanged; otherwise the rest are returned one token
    each, with "-" kept on negated ones, which the word search reads the same way.
    """
    marked = marked_tokens(words)
    plain = [t for t, _ in marked]
    terms: list[MetadataTerm] = []
    rest: list[str] = []
    i = 0
    while i < len(marked):
        best: TermMatch | None = None
        for resolver in resolvers:
            found = resolver.match(plain, i)
            if found is None or found.length < 1:
                continue
            run = marked[i : i + found.length]
            if len(run) < found.length or any(neg != run[0][1] for _, neg in run):
                continue  # "paris -hilton" is not one name
            if found.length == 1 and plain[i] in STOP_WORDS:
                continue  # "a", "of" and friends name no place or person
            if best is None or found.length > best.length:
                best = found
        if best is None:
            t, neg = marked[i]
            rest.append(("-" if neg else "") + t)
            i += 1
            continue
        terms.append(MetadataTerm(best.kind, best.label, best.ids, marked[i][1]))
        i += best.length
    if not terms:
        return SplitQuery(list(words))
    return SplitQuery(rest, terms)
