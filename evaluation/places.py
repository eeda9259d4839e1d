"""The place naming rule scored on landmark positions: places_landmarks.csv, on which its two
constants were chosen, and places_landmarks_heldout.csv, written once they were fixed.

Each row is a landmark, its position and the city and country a person would file a photo
of it under (written down before the rule was run on it); a row without a city is a position
with no town near, which must get no place.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LANDMARKS_PATH = Path(__file__).with_name("places_landmarks.csv")
# Written after the rule and its constants were fixed on LANDMARKS_PATH: never tuned on.
HELDOUT_PATH = Path(__file__).with_name("places_landmarks_heldout.csv")


class Names(Protocol):
    @property
    def city(self) -> str | None: ...

    @property
    def country(self) -> str | None: ...


class Namer(Protocol):
    def name(self, lat: float, lon: float) -> Names | None: ...


@dataclass(frozen=True)
class LandmarkResult:
    landmark: str
    kind: str
    expected: str
    got: str
    right: bool


def score_landmarks(
    namer: Namer, fold: Callable[[str], str], path: Path = LANDMARKS_PATH
) -> list[LandmarkResult]:
    """Each landmark's expected and given city and country, and whether they agree once
    fold (core.places.names.fold: case and accents) has been applied to both."""
    out = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            got = namer.name(float(row["lat"]), float(row["lon"]))
            # "Cologne|Köln": either name is right (exonyms were not known in advance).
            cities = row["city"].split("|")
            expected = f"{row['city']}, {row['country']}" if row["city"] else "(no place)"
            shown = f"{got.city}, {got.country}" if got is not None else "(no place)"
            if got is None or not row["city"]:
                right = shown == expected
            else:
                right = fold(got.city or "") in {fold(c) for c in cities} and fold(
                    got.country or ""
                ) == fold(row["country"])
            out.append(LandmarkResult(row["landmark"], row["kind"], expected, shown, right))
    return out
