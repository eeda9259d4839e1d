"""The 1000 ImageNet classes in the encoder's output order, with their synonyms."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.errors import UnknownClassError
from core.storage.profile import RESOURCES_DIR


@dataclass(frozen=True)
class ImageNetClass:
    """One class: its output index, WordNet id and names (display name first)."""

    index: int
    wnid: str
    names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[0]

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "names": list(self.names)}


@cache
def imagenet_classes(path: Path = RESOURCES_DIR / "imagenet_classes.json") -> list[ImageNetClass]:
    """All classes, in model output order."""
    rows = json.loads(path.read_text())
    return [ImageNetClass(int(r["index"]), r["wnid"], tuple(r["names"])) for r in rows]


def find_classes(query: str | None) -> list[ImageNetClass]:
    """Classes with a name containing query (case-insensitive); all classes for no query."""
    classes = imagenet_classes()
    if not query:
        return list(classes)
    q = query.strip().casefold()
    exact = [c for c in classes if any(n.casefold() == q for n in c.names)]
    partial = [c for c in classes if c not in exact and any(q in n.casefold() for n in c.names)]
    return exact + partial


@cache
def _by_name() -> dict[str, ImageNetClass]:
    """Each casefolded name's first class: a scan of all names cost 3 ms a query."""
    by_name: dict[str, ImageNetClass] = {}
    for c in imagenet_classes():
        for n in c.names:
            by_name.setdefault(n.casefold(), c)
    return by_name


def resolve_class(name: str) -> ImageNetClass:
    """The class one of whose names equals name (case-insensitive), or a helpful error."""
    q = " ".join(name.replace("_", " ").split()).casefold()
    found = _by_name().get(q)
    if found is not None:
        return found
    classes = imagenet_classes()
    if q.isdigit() and int(q) < len(classes):
        return classes[int(q)]
    every = {n.casefold(): n for c in classes for n in c.names}
    close = difflib.get_close_matches(q, list(every), n=5, cutoff=0.6)
    contains = [every[n] for n in every if q and q in n][:5]
    suggestions = list(dict.fromkeys([every[n] for n in close] + contains))[:5]
    raise UnknownClassError(name, suggestions)
