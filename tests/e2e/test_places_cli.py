"""Places through the real command line: real photos with GPS written into copies, indexed,
listed as a tree and searched by place name."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from tests.conftest import CliResult
from tests.places_helpers import (
    EIFFEL_TOWER,
    LOUVRE,
    MID_ATLANTIC,
    PAULISTA,
    REYKJAVIK_HARBOUR,
    TIMES_SQUARE,
    TOKYO_TOWER,
    with_gps,
)

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def geotagged(pascal_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(profile, folder): eight real photos, six with GPS, indexed through the CLI."""
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("geotagged") / "photos"
    folder.mkdir()
    images = pascal_dir / "images"
    cats = sorted((images / "cat").glob("*.jpg"))
    dogs = sorted((images / "dog").glob("*.jpg"))
    boats = sorted((images / "boat").glob("*.jpg"))
    with_gps(cats[0], folder / "eiffel-cat.jpg", EIFFEL_TOWER)
    with_gps(dogs[0], folder / "louvre-dog.jpg", LOUVRE)
    with_gps(cats[1], folder / "tokyo-cat.jpg", TOKYO_TOWER)
    with_gps(boats[0], folder / "reykjavik-boat.jpg", REYKJAVIK_HARBOUR)
    with_gps(dogs[1], folder / "times-square-dog.jpg", TIMES_SQUARE)
    with_gps(boats[1], folder / "paulista-boat.jpg", PAULISTA)
    with_gps(boats[2], folder / "atlantic-boat.jpg", MID_ATLANTIC)
    shutil.copyfile(dogs[2], folder / "no-gps-dog.jpg")
    profile = tmp_path_factory.mktemp("geotagged-profile")
    done = run_cli(profile, "index", str(folder))
    assert done.returncode == 0, done.stderr
    assert "reading GPS places 8/8" in done.stderr
    return profile, folder


def found(result: CliResult) -> list[str]:
    assert result.returncode == 0, result.stderr
    return sorted(os.path.basename(h["path"]) for h in result.json())


def test_places_lists_countries_regions_and_cities_with_counts(
    cli: Cli, geotagged: tuple[Path, Path]
) -> None:
    profile, _ = geotagged
    tree = cli(profile, "places", "--json").json()
    countries = {c["country"]: c for c in tree["countries"]}
    assert sorted(countries) == ["Brazil", "France", "Iceland", "Japan", "United States"]
    assert countries["France"]["photos"] == 2
    assert countries["France"]["regions"] == [
        {"region": "Île-de-France", "photos": 2, "cities": [{"city": "Paris", "photos": 2}]}
    ]
    assert countries["Iceland"]["regions"][0]["cities"] == [{"city": "Reykjavík", "photos": 1}]
    assert tree["photos_with_gps"] == 7
    assert tree["photos_with_gps_but_no_town_near"] == 1  # the boat in mid-Atlantic
    text = cli(profile, "places")
    assert text.returncode == 0
    assert "France (2)\n  Île-de-France (2)\n    Paris (2)\n" in text.stdout
    assert "1 photos with GPS far from any town" in text.stderr


def test_place_names_are_search_terms(cli: Cli, geotagged: tuple[Path, Path]) -> None:
    profile, _ = geotagged
    paris = cli(profile, "search", "paris")
    assert paris.returncode == 0
    assert "search: [place: Paris, Île-de-France, France]" in paris.stderr
    assert found(cli(profile, "search", "paris", "--json")) == ["eiffel-cat.jpg", "louvre-dog.jpg"]
    assert found(cli(profile, "search", "new", "york", "--json")) == ["times-square-dog.jpg"]
    assert found(cli(profile, "search", "reykjavik", "--json")) == ["reykjavik-boat.jpg"]
    assert found(cli(profile, "search", "sao paulo", "--json")) == ["paulista-boat.jpg"]
    assert found(cli(profile, "search", "times square", "--json")) == ["times-square-dog.jpg"]
    japan_cat = cli(profile, "search", "japan", "cat")
    assert "search: cat [place: Japan]" in japan_cat.stderr
    assert found(cli(profile, "search", "japan", "cat", "--json")) == ["tokyo-cat.jpg"]
    # Every term must fit: whatever the words, only photos taken in Japan come back.
    assert found(cli(profile, "search", "japan", "dog", "boat", "--json")) == ["tokyo-cat.jpg"]
    not_paris = found(cli(profile, "search", "dog", "-paris", "-k", "20", "--json"))
    assert "louvre-dog.jpg" not in not_paris and "no-gps-dog.jpg" in not_paris
    # A place alone lists its photos; a "-word" still leaves out the photos it fits.
    assert found(cli(profile, "search", "paris", "-dog", "--json")) == ["eiffel-cat.jpg"]
    assert found(cli(profile, "search", "paris", "-cat", "--json")) == ["louvre-dog.jpg"]
    paris_no_dog = cli(profile, "search", "paris", "-dog")
    assert "-dog" in paris_no_dog.stderr.splitlines()[0], paris_no_dog.stderr


def test_photo_json_has_its_place_and_null_without_gps(
    cli: Cli, geotagged: tuple[Path, Path]
) -> None:
    profile, folder = geotagged
    hits = cli(profile, "search", "dog", "-k", "20", "--json").json()
    place = {os.path.basename(h["path"]): h["place"] for h in hits}
    assert place["louvre-dog.jpg"] == {
        "city": "Paris",
        "region": "Île-de-France",
        "country": "France",
    }
    assert place["no-gps-dog.jpg"] is None
    similar = cli(profile, "similar", str(folder / "atlantic-boat.jpg"), "-k", "20", "--json")
    assert {os.path.basename(h["path"]): h["place"] for h in similar.json()}[
        "paulista-boat.jpg"
    ] == {"city": "São Paulo", "region": "São Paulo", "country": "Brazil"}
    # GPS far from any town: a position, never an invented place.
    assert all(h["place"] is None for h in hits if "atlantic" in h["path"])


def test_places_name_lists_a_places_photos_and_an_unknown_name_is_one_line(
    cli: Cli, geotagged: tuple[Path, Path]
) -> None:
    profile, _ = geotagged
    usa = cli(profile, "places", "usa", "--json").json()
    assert usa["place"] == "United States"
    assert [os.path.basename(p["path"]) for p in usa["photos"]] == ["times-square-dog.jpg"]
    text = cli(profile, "places", "Île-de-France")
    assert text.returncode == 0 and "Île-de-France, France: 2 photos" in text.stderr
    assert len(text.stdout.splitlines()) == 2
    unknown = cli(profile, "places", "atlantis")
    assert unknown.returncode == 1
    [line] = unknown.stderr.strip().splitlines()
    assert line.endswith("error: no photo in the library was taken in a place called 'atlantis'")


def test_a_place_set_by_hand_is_searched_kept_through_reindexing_and_cleared(
    cli: Cli, pascal_dir: Path, tmp_path: Path
) -> None:
    """A camera without GPS: the user says the photos were taken in Paris (Texas, for one)."""
    folder = tmp_path / "camera"
    folder.mkdir()
    cats = sorted((pascal_dir / "images" / "cat").glob("*.jpg"))
    for i, name in enumerate(("louvre.jpg", "seine.jpg", "texas.jpg")):
        shutil.copyfile(cats[i], folder / name)
    profile = tmp_path / "profile"
    assert cli(profile, "index", str(folder), "--no-faces").returncode == 0
    assert cli(profile, "places", "--json").json()["countries"] == []

    done = cli(profile, "set-place", "Paris", str(folder / "louvre.jpg"), str(folder / "seine.jpg"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Paris, Île-de-France, France: 2 photos"
    texas = cli(profile, "set-place", "paris, texas", str(folder / "texas.jpg"), "--json").json()
    assert texas == {"place": "Paris, Texas, United States", "photos": 1}
    assert found(cli(profile, "search", "paris", "france", "--json")) == ["louvre.jpg", "seine.jpg"]
    assert found(cli(profile, "search", "texas", "--json")) == ["texas.jpg"]

    # Touched files are read for GPS again; a place set by hand stays.
    for name in ("louvre.jpg", "seine.jpg", "texas.jpg"):
        os.utime(folder / name, (1_700_000_000, 1_700_000_000))
    assert cli(profile, "index").returncode == 0
    tree = cli(profile, "places", "--json").json()
    assert {c["country"]: c["photos"] for c in tree["countries"]} == {
        "France": 2,
        "United States": 1,
    }
    hit = cli(profile, "search", "texas", "--json").json()[0]
    assert hit["place"] == {"city": "Paris", "region": "Texas", "country": "United States"}
    # Edited (new content, so a new catalog row): the place set by hand comes with it.
    with Image.open(folder / "texas.jpg") as im:
        ImageEnhance.Brightness(im.convert("RGB")).enhance(1.2).save(folder / "texas.jpg")
    edited = cli(profile, "index", "--json").json()
    assert edited["updated"] == 1
    assert found(cli(profile, "search", "texas", "--json")) == ["texas.jpg"]

    cleared = cli(profile, "set-place", "--clear", str(folder / "texas.jpg"), "--json")
    assert cleared.json() == {"cleared": 1}
    assert cli(profile, "places", "texas").returncode == 1  # no photo there any more
    unknown = cli(profile, "set-place", "Nowhereville", str(folder / "louvre.jpg"))
    assert unknown.returncode == 1 and "no town called 'Nowhereville'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    outside = cli(profile, "set-place", "Paris", str(tmp_path / "elsewhere.jpg"))
    assert outside.returncode == 1 and "not an indexed photo" in outside.stderr
