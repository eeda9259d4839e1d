"""LFW faces (../shared/data/faces-lfw-dev) with a fixed split by person, and the pairwise
metrics of a grouping.

A person's split comes from a hash of the name, so every script and test sees the same
held-out people: half "dev" (thresholds are chosen on them), half "test" (figures are reported
on them and nothing is chosen on them). No person is on both sides.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.storage.profile import REPO_ROOT

LFW_DIR = REPO_ROOT.parent / "shared" / "data" / "faces-lfw-dev"


def person_split(name: str) -> str:
    """ "dev" or "test", fixed by the person's name."""
    return "test" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 == 0 else "dev"


@dataclass(frozen=True)
class LabelledPhoto:
    path: Path
    person: str

    @property
    def split(self) -> str:
        return person_split(self.person)


def lfw_photos(split: str | None = None, root: Path = LFW_DIR) -> list[LabelledPhoto]:
    """The photos of one split (None: all), sorted by path; [] when the data is absent."""
    photos = [LabelledPhoto(p, p.parent.name) for p in sorted(root.glob("*/*.jpg"))]
    return [p for p in photos if split is None or p.split == split]


def pair_counts(labels: Sequence[str], groups: Sequence[int | None]) -> tuple[int, int, int]:
    """(same-group pairs, same-person pairs, pairs both): None means in no group."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    grouped = [(lab, g) for lab, g in zip(labels, groups, strict=True) if g is not None]
    same_group = sum(pairs(n) for n in Counter(g for _, g in grouped).values())
    same_person = sum(pairs(n) for n in Counter(labels).values())
    both = sum(pairs(n) for n in Counter(grouped).values())
    return same_group, same_person, both


def pairwise_precision_recall(
    labels: Sequence[str], groups: Sequence[int | None]
) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true labels."""
    same_group, same_person, both = pair_counts(labels, groups)
    return both / max(same_group, 1), both / max(same_person, 1)


def is_central(box: Sequence[int], size: tuple[int, int] = (250, 250), within: float = 40) -> bool:
    """Whether a face box (x, y, w, h) is LFW's labelled face: centred in the crop."""
    x, y, w, h = box
    return float(((x + w / 2 - size[0] / 2) ** 2 + (y + h / 2 - size[1] / 2) ** 2) ** 0.5) < within
