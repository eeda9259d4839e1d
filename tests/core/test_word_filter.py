"""Similar words offered to a user are real, decent words: no punctuation, numbers or slurs."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models.glove import SimilarWords, WordVectors
from core.models.word_filter import is_decent_word


@pytest.mark.parametrize(
    "word", ["'d", "n't", "'s", ",", "...", "1990", "2.5", "x", "bitch", "bitches", "fuck", "slut"]
)
def test_tokens_numbers_and_slurs_are_not_offered(word: str) -> None:
    assert not is_decent_word(word)


@pytest.mark.parametrize(
    "word", ["dog", "told", "ice-cream", "organ", "slope", "screw", "gay", "assess", "glasses"]
)
def test_ordinary_words_are_offered(word: str) -> None:
    assert is_decent_word(word)


def test_similar_words_are_decent_and_still_k(words_data_dir: Path) -> None:
    vectors = WordVectors(words_data_dir / "cache")
    index = SimilarWords(vectors, words_data_dir / "indexes")
    # GloVe's raw neighbours of these include "'d", "bitches", numbers and punctuation.
    for word in ("would", "bitch", "dog", "1990", ","):
        hits = [h.word for h in index.similar(word, 10)]
        assert len(hits) == 10, word
        assert all(is_decent_word(w) for w in hits), (word, hits)
    assert "told" in [h.word for h in index.similar("said", 10)]
