"""Image-to-image scores that mean the same across queries: P(same kind of thing | cosine).

A logistic curve per kind of comparison ("image": `similar`; "class": `similar --class`),
fit on held-out photo pairs by `python -m benchmarks.calibration` and shipped beside the model
as resources/models/BACKBONE-similarity.json. A score of 0.7 then means that about 70% of
photos scored so showed the same kind of thing as the query, whatever the query, so a result
list can stop at a fixed score. Without a fit for the backbone and image space, scores stay
raw cosines.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from core.storage.profile import REPO_ROOT

CALIBRATION_DIR = REPO_ROOT / "resources" / "models"


@dataclass(frozen=True)
class Curve:
    """p = 1 / (1 + exp(-(slope * cosine + intercept)))."""

    slope: float
    intercept: float

    def __call__(self, cosine: float) -> float:
        z = self.slope * cosine + self.intercept
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def calibration_path(backbone: str, directory: Path = CALIBRATION_DIR) -> Path:
    return directory / f"{backbone}-similarity.json"


def load_curves(backbone: str, space: str, directory: Path = CALIBRATION_DIR) -> dict[str, Curve]:
    """The fitted curves for this backbone, if they were fit on this image space; else {}."""
    try:
        data = json.loads(calibration_path(backbone, directory).read_text())
        if data.get("image_space") != space:
            return {}
        return {
            kind: Curve(float(c["slope"]), float(c["intercept"]))
            for kind, c in data["curves"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}
