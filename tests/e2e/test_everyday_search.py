"""Text search and tags on everyday photos (held-out Flickr8k test photos), through the real CLI.

The photos are from the test split (evaluation/everyday.py) that the shipped word model never
saw; relevance is judged by their five captions.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from evaluation import everyday
from export.word_blend import caption_word_sets
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
FLICKR_MISSING = f"needs the shared Flickr8k photos in {everyday.DATA_DIR}, which are absent"


@pytest.fixture(scope="module")
def everyday_library(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, frozenset[str]]]:
    """40 test photos: 10 with snow, 10 with a beach, 10 with a dog but neither, 10 with none
    of these; indexed by the CLI."""
    if not everyday.available(everyday.FLICKR):
        pytest.skip(FLICKR_MISSING)
    photos = [p for p in everyday.load(everyday.FLICKR) if p.split == "test"]
    sets = caption_word_sets([p.captions for p in photos])
    snow = [p for p, w in zip(photos, sets, strict=True) if "snow" in w][:10]
    beach = [p for p, w in zip(photos, sets, strict=True) if "beach" in w and "snow" not in w][:10]
    dogs = [
        p for p, w in zip(photos, sets, strict=True) if "dog" in w and not w & {"snow", "beach"}
    ]
    other = [p for p, w in zip(photos, sets, strict=True) if not w & {"snow", "beach", "dog"}]
    other = dogs[:10] + other[:10]
    folder = tmp_path_factory.mktemp("everyday") / "photos"
    folder.mkdir()
    words = {}
    for p in snow + beach + other:
        dst = folder / Path(p.key).name
        shutil.copyfile(p.path, dst)
        words[str(dst)] = caption_word_sets([p.captions])[0]
    data_dir = tmp_path_factory.mktemp("everyday-profile")
    result = cli(data_dir, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return data_dir, words


def test_everyday_word_finds_its_photos_and_min_score_ends_the_list(
    cli: Cli, everyday_library: tuple[Path, dict[str, frozenset[str]]]
) -> None:
    data_dir, words = everyday_library
    top = cli(data_dir, "search", "snow", "-k", "10", "--json").json()
    assert sum("snow" in words[h["path"]] for h in top) >= 8

    shown = cli(data_dir, "search", "snow", "-k", "40", "--min-score", "0.5", "--json").json()
    assert 3 <= len(shown) < 40  # the list ends where relevance ends; -k stays the cap
    assert all(h["score"] >= 0.5 for h in shown)
    assert sum("snow" in words[h["path"]] for h in shown) >= 0.8 * len(shown)


def test_scores_mean_the_same_across_words(
    cli: Cli, everyday_library: tuple[Path, dict[str, frozenset[str]]]
) -> None:
    data_dir, words = everyday_library
    for word in ("beach", "snow"):
        hits = cli(data_dir, "search", word, "-k", "40", "--json").json()
        relevant = sum(word in words[h["path"]] for h in hits)
        # Calibrated: a score is a probability of relevance, so the scores add up to about
        # the number of relevant photos, for either word.
        assert 0.5 * relevant <= sum(h["score"] for h in hits) <= 2 * relevant


def test_a_sentence_query_ranks_photos_that_match_all_of_it_first(
    cli: Cli, everyday_library: tuple[Path, dict[str, frozenset[str]]]
) -> None:
    data_dir, words = everyday_library
    result = cli(data_dir, "search", "a dog running on the beach", "-k", "3", "--json")
    assert result.returncode == 0, result.stderr
    assert "unknown" not in result.stderr  # stop words are not query words

    def both(hits: list[dict[str, object]]) -> int:
        return sum({"dog", "beach"} <= words[str(h["path"])] for h in hits)

    phrase = both(result.json())
    assert phrase >= 2
    # No single word of the phrase does better; "beach" alone does worse.
    assert phrase >= both(cli(data_dir, "search", "dog", "-k", "3", "--json").json())
    assert phrase > both(cli(data_dir, "search", "beach", "-k", "3", "--json").json())


def test_min_score_out_of_range_is_a_usage_error(
    cli: Cli, everyday_library: tuple[Path, dict[str, frozenset[str]]]
) -> None:
    data_dir, _ = everyday_library
    result = cli(data_dir, "search", "snow", "--min-score", "2")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "between 0 and 1" in result.stderr


def test_tags_of_a_snow_photo_say_snow(
    cli: Cli, everyday_library: tuple[Path, dict[str, frozenset[str]]]
) -> None:
    data_dir, words = everyday_library
    snowy = [p for p, w in words.items() if "snow" in w]
    result = cli(data_dir, "tags", *snowy, "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    tags = json.loads(result.stdout)
    found = {path: [t["word"] for t in tags[path]] for path in snowy}
    # On Flickr8k val photos whose captions say snow, 87% get "snow" among their 5 tags; here
    # 7 of these 10 (a dog in the snow gets dog, brown, golden retriever, white, running), and
    # 9 have at least two tags their captions use.
    assert sum("snow" in f for f in found.values()) >= 0.7 * len(snowy), found
    assert sum(len(set(f) & words[p]) >= 2 for p, f in found.items()) >= 0.8 * len(snowy), found
