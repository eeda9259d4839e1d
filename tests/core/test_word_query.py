"""How the shipped word model scores a search of several words: every word must fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.models.glove import WordVectors
from core.models.word_model import WordModel, query_logits, sigmoid
from export.word_model import NAME


def test_a_two_word_score_is_the_chance_that_both_words_fit(tmp_path: Path) -> None:
    model = WordModel(NAME)
    words = WordVectors(tmp_path)
    photos = model.transform(np.random.default_rng(0).normal(size=(50, 1280)).astype(np.float32))
    both = model.query(["cat", "sofa"], [], words)
    cat, sofa = (model.query([w], [], words) for w in ("cat", "sofa"))
    assert both is not None and cat is not None and sofa is not None
    p_cat, p_sofa = sigmoid(query_logits(cat, photos)), sigmoid(query_logits(sofa, photos))
    np.testing.assert_allclose(sigmoid(query_logits(both, photos)), p_cat * p_sofa, rtol=1e-3)


def test_one_sure_word_does_not_carry_a_photo_the_other_word_misses(tmp_path: Path) -> None:
    """A sure cat without a sofa ranks below a photo that is fairly likely both."""
    model = WordModel(NAME)
    words = WordVectors(tmp_path)
    both = model.query(["cat", "sofa"], [], words)
    assert both is not None and len(both.parts) == 2
    cat, sofa = both.parts
    d = len(cat.vector)
    # Two synthetic photo vectors with chosen term logits: (6, -2) and (1.5, 1).
    basis = np.linalg.lstsq(np.stack([cat.vector, sofa.vector]), np.eye(2), rcond=None)[0].T
    wanted = np.array([[6.0, -2.0], [1.5, 1.0]]) - [cat.offset, sofa.offset]
    photos = (wanted @ basis).astype(np.float32)
    assert photos.shape == (2, d)
    scores = sigmoid(query_logits(both, photos))
    assert scores[1] > 0.5 > scores[0]  # the summed logits alone would put the cat first
