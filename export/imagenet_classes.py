"""Build resources/imagenet_classes.json from timm's ImageNet synset lists.

timm ships ``imagenet_synsets.txt`` (the 1000 wnids in the standard class-index order that
ImageNet classifiers, ours included, use) and ``imagenet_synset_to_lemma.txt`` (wnid, tab,
comma-separated WordNet lemmas).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

NUM_CLASSES = 1000


class ImagenetClass(TypedDict):
    """One entry of imagenet_classes.json."""

    index: int
    wnid: str
    names: list[str]


def read_synsets(path: Path) -> list[str]:
    """The wnids in class-index order, one per non-blank line."""
    wnids = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [w for w in wnids if w]


def read_lemmas(path: Path) -> dict[str, list[str]]:
    """Map wnid to its lemmas, first one being the display name."""
    lemmas: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        wnid, _, names = line.partition("\t")
        lemmas[wnid.strip()] = [n.strip() for n in names.split(",") if n.strip()]
    return lemmas


def build_classes(synsets: Path, lemmas: Path) -> list[ImagenetClass]:
    """The class list in model output order; fails if any class is missing or nameless."""
    wnids = read_synsets(synsets)
    if len(wnids) != NUM_CLASSES or len(set(wnids)) != NUM_CLASSES:
        raise ValueError(f"{synsets}: expected {NUM_CLASSES} distinct wnids, got {len(wnids)}")
    names = read_lemmas(lemmas)
    missing = [w for w in wnids if not names.get(w)]
    if missing:
        raise ValueError(f"{lemmas}: no names for {len(missing)} wnids, e.g. {missing[0]}")
    return [{"index": i, "wnid": w, "names": names[w]} for i, w in enumerate(wnids)]


def write_classes(classes: list[ImagenetClass], out: Path) -> None:
    """Write the class list as JSON, one class per line so diffs stay readable."""
    lines = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in classes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("[\n" + lines + "\n]\n", encoding="utf-8")
