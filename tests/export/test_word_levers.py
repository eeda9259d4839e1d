"""The levers tried on val for issue 20: logistic scorers and the ImageNet teacher."""

from __future__ import annotations

import numpy as np

from evaluation.metrics import average_precision
from export.word_classifiers import ridge_classifiers
from export.word_data import Targets
from export.word_levers import SHIPPED, Lever, logistic_scorers


def test_logistic_scorers_rank_a_frequent_word_and_stay_on_the_ridge_scale() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 8)).astype(np.float32)
    frequent = (z[:, 0] + 0.3 * rng.normal(size=600) > 0.5).astype(np.float32)
    rare = np.zeros(600, np.float32)
    rare[:10] = 1.0
    t = Targets(["sky", "kite"], np.stack([frequent, rare], 1), np.ones((600, 2), np.float32))
    w, b = ridge_classifiers(z, t.targets, t.mask, 3.0)
    lever = Lever("logistic", logistic_min_positives=50)
    w2, b2 = logistic_scorers(lever, z, t, np.ones(600), w, b, np.zeros(2, bool))
    scores = z @ w2.T + b2
    assert average_precision(frequent[np.argsort(-scores[:, 0])] > 0) > 0.9
    assert abs(scores[:, 0].mean() - (z @ w[0] + b[0]).mean()) < 1e-3  # one calibration fits
    assert np.array_equal(w2[1], w[1]) and b2[1] == b[1]  # a rare word keeps its ridge scorer
    assert logistic_scorers(SHIPPED, z, t, np.ones(600), w, b, np.zeros(2, bool))[0] is w
