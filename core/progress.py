"""A step of long work (indexing, dates, places, faces), as the CLI and the GUI draw it.

Plain data, not a Qt object: the core yields these and never knows who is listening.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One progress step of a phase ("scanning", "indexing", "building", "dates", "places",
    "faces", "grouping"): done of total, with the rate (per second) and the time left."""

    phase: str
    done: int
    total: int
    rate: float = 0.0
    eta: float | None = None
    path: str | None = None
