"""The GloVe vocabulary: every one of its 400,000 words can be looked up and queried."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.models.glove import SimilarWords, WordVectors
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def vectors(words_data_dir: Path) -> WordVectors:
    return WordVectors(words_data_dir / "cache")


def test_every_word_maps_back_to_itself(vectors: WordVectors) -> None:
    words = vectors.words
    assert len(words) == 400_000 == len(vectors.vectors)
    wrong = [(i, w) for i, w in enumerate(words) if vectors.id_of(w) != i]
    assert wrong == []


def test_word_list_survives_its_plain_text_cache(
    vectors: WordVectors, words_data_dir: Path
) -> None:
    first = vectors.words
    reread = WordVectors(words_data_dir / "cache")  # reads the cached copy this time
    assert (words_data_dir / "cache/glove-6b-50d.words.txt").is_file()
    assert reread.words == first


def test_lookup_ignores_case_and_surrounding_space(vectors: WordVectors) -> None:
    assert vectors.id_of("  Beach ") == vectors.id_of("beach") is not None
    assert vectors.id_of("qzxwvqq") is None


def test_rare_and_punctuation_words_have_neighbours(
    vectors: WordVectors, words_data_dir: Path
) -> None:
    index = SimilarWords(vectors, words_data_dir / "indexes")
    for word in (vectors.words[-1], vectors.words[399_000], ",", "."):
        hits = index.similar(word, 5)
        assert len(hits) == 5, word
        assert word not in [h.word for h in hits]
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)


def test_cli_words(cli: Cli, vectors: WordVectors, words_data_dir: Path) -> None:
    said = cli(words_data_dir, "words", "said", "-k", "10", "--json")
    assert said.returncode == 0, said.stderr
    assert "told" in [h["word"] for h in said.json()]
    rare = vectors.words[-2]
    result = cli(words_data_dir, "words", rare, "-k", "3", "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.json()) == 3
    comma = cli(words_data_dir, "words", ",", "-k", "3")
    assert comma.returncode == 0, comma.stderr
    assert len(comma.stdout.splitlines()) == 3


def test_damaged_word_index_is_rebuilt(vectors: WordVectors, words_data_dir: Path) -> None:
    index_dir = words_data_dir / "indexes"
    before = SimilarWords(vectors, index_dir).similar("harbour", 10)
    ann = index_dir / "glove-6b-50d.ann"
    size = ann.stat().st_size
    with open(ann, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 4096)
    assert SimilarWords(vectors, index_dir).similar("harbour", 10) == before
    assert ann.stat().st_size == size
