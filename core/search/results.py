"""What the library's queries return, and the check every query makes of k."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.errors import UsageError
from core.media.decode import media_kind


@dataclass(frozen=True)
class PhotoHit:
    """A photo and its similarity to the query (higher is more similar)."""

    path: str
    score: float
    taken: str | None = None  # when the photo was taken, ISO 8601 (EXIF, else file mtime)
    place: dict[str, str | None] | None = None  # city, region, country; None without GPS
    duration: float | None = None  # a video's length in seconds
    companions: tuple[str, ...] = ()  # RAW files of the same shot, a Live Photo's clip

    @property
    def kind(self) -> str:
        """ "photo", "raw" or "video"."""
        return media_kind(self.path)

    @property
    def live(self) -> bool:
        """Whether the photo is a Live Photo's still: a clip is among its companions."""
        return any(media_kind(c) == "video" for c in self.companions)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "score": round(self.score, 4),
            "taken": self.taken,
            "place": self.place,
            "kind": self.kind,
            "companions": list(self.companions),
        }
        if self.kind == "video":
            out["duration"] = None if self.duration is None else round(self.duration, 3)
        return out


@dataclass(frozen=True)
class TextSearch:
    """Results of a text search and how the query was understood."""

    hits: list[PhotoHit]
    words: list[str]
    negated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # names understood, e.g. "place: Paris, ..."


@dataclass(frozen=True)
class QueryPhoto:
    """A query photo's raw CNN features, and its catalog id when it is in the library."""

    features: np.ndarray
    photo_id: int | None


def check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"-k must be at least 1 (got {k})")
