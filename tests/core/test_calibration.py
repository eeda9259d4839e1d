"""Calibrated `similar` scores: the shipped curves apply only to the space they were fit on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.search.calibration import calibration_path, load_curves


def test_shipped_curves_map_cosines_to_rising_probabilities() -> None:
    data = json.loads(calibration_path("efficientnet-lite0").read_text())
    curves = load_curves("efficientnet-lite0", data["image_space"])
    assert set(curves) == {"image", "class"}
    for curve in curves.values():
        probs = [curve(c) for c in (-1.0, 0.0, 0.3, 0.6, 0.9, 1.0)]
        assert probs == sorted(probs) and probs[0] >= 0.0 and probs[-1] <= 1.0
        assert probs[1] < 0.5 < probs[-1]  # unrelated photos unlikely, near-copies likely


def test_no_curves_for_another_space_or_a_damaged_file(tmp_path: Path) -> None:
    assert load_curves("efficientnet-lite0", "image-efficientnet-lite0-raw") == {}
    assert load_curves("vgg16", "image-vgg16-raw") == {}
    (tmp_path / "efficientnet-lite0-similarity.json").write_text("{not json")
    assert load_curves("efficientnet-lite0", "x", tmp_path) == {}


@pytest.mark.parametrize("cosine", [0.2, 0.5])
def test_extreme_slopes_do_not_overflow(cosine: float) -> None:
    from core.search.calibration import Curve

    assert Curve(-1e6, 0.0)(cosine) == 0.0
    assert Curve(1e6, 0.0)(cosine) == 1.0
