"""Searching a small library of real ImageNet sample photos through the CLI: class names,
multi-word names and broader words find what the image model recognises."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, CliResult, IndexedLibrary

SAMPLE_DIR = REPO_ROOT.parent / "shared/data/imagenet-sample/images"
DOGS = ("n02085620_Chihuahua", "n02099601_golden_retriever", "n02110958_pug", "n02111889_Samoyed")
OTHERS = (
    "n01531178_goldfinch",
    "n02701002_ambulance",
    "n03891251_park_bench",
    "n04039381_racket",
    "n04228054_ski",
    "n04259630_sombrero",
    "n07753592_banana",
    "n11939491_daisy",
)


@pytest.fixture(scope="module")
def imagenet_library(tmp_path_factory: pytest.TempPathFactory) -> IndexedLibrary:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"needs the shared ImageNet sample photos in {SAMPLE_DIR}, which is absent")
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("imagenet") / "photos"
    folder.mkdir()
    photos: dict[str, list[Path]] = {}
    for stem in DOGS + OTHERS:
        dst = folder / f"{stem}.jpg"
        shutil.copyfile(SAMPLE_DIR / f"{stem}.jpg", dst)
        photos[stem] = [dst]
    data_dir = tmp_path_factory.mktemp("imagenet-profile")
    result = run_cli(data_dir, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return IndexedLibrary(data_dir, folder, photos)


def _names(result: CliResult) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [Path(h["path"]).stem for h in result.json()]


def test_dog_finds_every_breed_first(
    cli: Callable[..., CliResult], imagenet_library: IndexedLibrary
) -> None:
    top = _names(cli(imagenet_library.data_dir, "search", "dog", "-k", "4", "--json"))
    assert sorted(top) == sorted(DOGS)


@pytest.mark.parametrize(
    ("query", "stem"),
    [
        (["golden", "retriever"], "n02099601_golden_retriever"),
        (["park bench"], "n03891251_park_bench"),
        (["a", "sombrero", "hat"], "n04259630_sombrero"),
        (["tennis"], "n04039381_racket"),
        (["snow"], "n04228054_ski"),
    ],
)
def test_names_and_near_words_put_their_photo_first(
    cli: Callable[..., CliResult], imagenet_library: IndexedLibrary, query: list[str], stem: str
) -> None:
    result = cli(imagenet_library.data_dir, "search", *query, "-k", "3", "--json")
    assert _names(result)[0] == stem
    assert "unknown" not in result.stderr


def test_unknown_words_are_still_reported(
    cli: Callable[..., CliResult], imagenet_library: IndexedLibrary
) -> None:
    result = cli(imagenet_library.data_dir, "search", "dog", "qwzxv", "-k", "2", "--json")
    assert result.returncode == 0
    assert "ignored unknown words: qwzxv" in result.stderr
    assert set(_names(result)) <= set(DOGS)
    only = cli(imagenet_library.data_dir, "search", "qwzxv", "zzkqj")
    assert only.returncode == 1
    assert "no known word" in only.stderr
    assert "Traceback" not in only.stderr


def test_negated_class_word_pushes_its_photos_down(
    cli: Callable[..., CliResult], imagenet_library: IndexedLibrary
) -> None:
    top = _names(cli(imagenet_library.data_dir, "search", "dog", "-pug", "-k", "3", "--json"))
    assert "n02110958_pug" not in top
