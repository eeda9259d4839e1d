"""Query understanding: words and phrases, stop words, "-word" negation, and the ImageNet
classes each term stands for (resources/concepts.json, built by `python -m export concepts`).

A term is one word or one multi-word name ("black widow", "park bench"): phrases known to the
concept table are matched greedily, longest first, so a class name is never split into words
that each mean something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.errors import PhotoSearchError
from core.storage.profile import RESOURCES_DIR

CONCEPTS_PATH = RESOURCES_DIR / "concepts.json"
# Words, possibly with an inner apostrophe ("potter's"); hyphens and underscores split words.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Function words never carry a query ("a dog on the beach" looks for dog and beach). Nouns
# and adjectives are kept even when common: they may name what is in a photo.
_STOP_WORDS_TEXT = """
    a an the and or but nor of in on at to from by for with without within into onto upon
    over under above below near beside between behind before after during through across
    along around about against among off out up down than then as so too very just also
    is am are was were be been being has have had having do does did doing will would shall
    should can could may might must i me my mine we us our ours you your yours he him his she
    her hers it its they them their theirs this that these those there here who whom whose
    which what where when why how all any both each few more most other some such no not only
    own same s t don isn aren wasn weren while where's it's photo photos picture pictures
    image images showing shows show something someone somebody
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-case words of text; apostrophes inside words stay ("potter's")."""
    return _TOKEN.findall(text.replace("\u2019", "'").casefold())


def normalise_phrase(text: str) -> str:
    """The key a word or phrase has in the concept table: its tokens joined by one space."""
    return " ".join(tokens(text))


# Plurals English does not make with -s ("children"); the rest lose -ies, -es or -s.
IRREGULAR_PLURALS = {
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
}


def singular(word: str) -> str:
    """A plausible singular of an English word or phrase's last word ("flowers" -> "flower",
    "puppies" -> "puppy", "buses" -> "bus"); the word itself when it does not look plural."""
    head, _, last = word.rpartition(" ")
    if last in IRREGULAR_PLURALS:
        last = IRREGULAR_PLURALS[last]
    elif last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ses", "xes", "zes", "ches", "shes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3:
        last = last[:-1]
    return f"{head} {last}" if head else last


@dataclass(frozen=True)
class ParsedQuery:
    """Terms searched for and terms pushed away, each one word or one known phrase."""

    wanted: list[str]
    unwanted: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # stop words left out


def marked_tokens(words: Sequence[str]) -> list[tuple[str, bool]]:
    """The query's tokens, each with whether it was negated ("-word", "-multi-word")."""
    marked: list[tuple[str, bool]] = []
    for chunk in words:
        for part in chunk.split():
            negated = part.startswith("-") and len(part) > 1
            if part.startswith(("-", "+")) and len(part) > 1:
                part = part[1:]
            marked.extend((t, negated) for t in tokens(part))
    return marked


def parse_query(
    words: Sequence[str], phrases: Container[str] = frozenset(), max_phrase: int = 1
) -> ParsedQuery:
    """Split query text into terms; "-word" (or "-multi-word") marks a term to push away.

    Runs of words that form a phrase in `phrases` (up to `max_phrase` words) become one term,
    longest match first. Stop words are dropped unless nothing else is left.
    """
    marked = marked_tokens(words)
    terms: list[tuple[str, bool]] = []
    i = 0
    while i < len(marked):
        for n in range(min(max_phrase, len(marked) - i), 1, -1):
            run = marked[i : i + n]
            if all(neg == run[0][1] for _, neg in run):
                phrase = " ".join(t for t, _ in run)
                if phrase in phrases:
                    terms.append((phrase, run[0][1]))
                    i += n
                    break
        else:
            terms.append(marked[i])
            i += 1
    kept = [(t, neg) for t, neg in terms if t not in STOP_WORDS]
    dropped = [t for t, _ in terms if t in STOP_WORDS]
    if not kept:  # "the who": better to search the words than nothing
        kept, dropped = terms, []
    wanted = [t for t, neg in kept if not neg]
    unwanted = [t for t, neg in kept if neg]
    return ParsedQuery(wanted, unwanted, dropped)


class Concepts:
    """Words and phrases mapped to weighted ImageNet class indices."""

    def __init__(self, rows: dict[str, list[int]], scale: float) -> None:
        self._rows = rows  # term -> [class, weight * scale, class, weight * scale, ...]
        self._scale = scale
        self.max_phrase = max((t.count(" ") + 1 for t in rows), default=1)

    @property
    def phrases(self) -> Container[str]:
        return self._rows

    def classes_for(self, term: str) -> dict[int, float]:
        """{class index: weight} for a term; empty when the image model knows nothing of it."""
        key = normalise_phrase(term)
        row = self._rows.get(key) or self._rows.get(singular(key), [])
        return {int(c): w / self._scale for c, w in zip(row[0::2], row[1::2], strict=True)}

    def parse(self, words: Sequence[str]) -> ParsedQuery:
        """parse_query with this table's phrases."""
        return parse_query(words, self._rows, self.max_phrase)


@cache
def load_concepts(path: Path = CONCEPTS_PATH) -> Concepts:
    """The committed concept table; a damaged or missing one is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows, scale = data["terms"], float(data["weight_scale"])
        if not isinstance(rows, dict) or scale <= 0:
            raise ValueError("not a concept table")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise PhotoSearchError(f"cannot read {path.name}: {e}; reinstall the app") from e
    return Concepts(rows, scale)


def split_known(
    terms: Sequence[str], has_vector: Callable[[str], bool], concepts: Concepts
) -> tuple[list[str], list[str]]:
    """(known, unknown) terms: a term is known with a word vector or with class evidence."""
    known: list[str] = []
    unknown: list[str] = []
    for t in terms:
        (known if has_vector(t) or concepts.classes_for(t) else unknown).append(t)
    return known, unknown
