"""The real command line in a subprocess, on a small library of real photos (shared Pascal set)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, IndexedLibrary

Cli = Callable[..., CliResult]


def classes_of(hits: list[dict[str, Any]]) -> list[str]:
    return [Path(h["path"]).name.split("-")[0] for h in hits]


def assert_one_line_error(result: CliResult, code: int, *needles: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("photosearch: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def assert_ranked(hits: list[dict[str, Any]]) -> None:
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h["path"] for h in hits}) == len(hits)


def test_index_json_summary(cli: Cli, pascal_photos: dict[str, list[Path]], tmp_path: Path) -> None:
    folder = next(iter(pascal_photos.values()))[0].parent
    result = cli(tmp_path / "profile", "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    summary = result.json()
    assert set(summary) >= {"added", "updated", "removed", "unchanged", "skipped", "seconds"}
    assert set(summary) <= {
        "added", "updated", "removed", "unchanged", "skipped", "seconds", "moved",
        "missing_folders", "raw", "videos", "companions", "videos_unsupported", "faces",
    }  # fmt: skip
    assert summary["added"] == sum(len(v) for v in pascal_photos.values())
    assert (summary["updated"], summary["removed"], summary["unchanged"]) == (0, 0, 0)
    assert summary["skipped"] == []
    assert (summary["raw"], summary["videos"], summary["companions"]) == (0, 0, 0)
    assert isinstance(summary["seconds"], float) and summary["seconds"] > 0
    assert "indexing" in result.stderr  # progress goes to stderr, never into the JSON

    again = cli(tmp_path / "profile", "index", "--json").json()
    assert (again["added"], again["unchanged"]) == (0, summary["added"])


def test_similar_json_best_first_without_the_query(
    cli: Cli, pascal_library: IndexedLibrary
) -> None:
    query = pascal_library.photos["cat"][0]
    result = cli(pascal_library.data_dir, "similar", str(query), "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    hits = result.json()
    assert len(hits) == 5
    keys = {"path", "score", "taken", "place", "kind", "companions"}
    assert all(set(h) == keys for h in hits)
    assert all(h["place"] is None for h in hits)  # Pascal photos have no GPS
    assert_ranked(hits)
    assert str(query) not in [h["path"] for h in hits]
    assert {h["path"] for h in hits} <= {str(p) for p in pascal_library.all_photos}
    # Real photos: the other cats look most like a cat.
    assert classes_of(hits[:3]).count("cat") >= 2


def test_similar_k_larger_than_library(cli: Cli, pascal_library: IndexedLibrary) -> None:
    query = pascal_library.photos["dog"][1]
    hits = cli(pascal_library.data_dir, "similar", str(query), "-k", "100", "--json").json()
    assert sorted(h["path"] for h in hits) == sorted(
        str(p) for p in pascal_library.all_photos if p != query
    )
    assert_ranked(hits)


def test_similar_several_images_keyed_as_given(cli: Cli, pascal_library: IndexedLibrary) -> None:
    cat, boat = pascal_library.photos["cat"][0], pascal_library.photos["boat"][0]
    as_typed = [str(cat), f"{boat.parent}/./{boat.name}"]
    result = cli(pascal_library.data_dir, "similar", *as_typed, "-k", "3", "--json")
    assert result.returncode == 0, result.stderr
    out = result.json()
    assert list(out) == as_typed
    for image, hits in zip((cat, boat), out.values(), strict=True):
        assert len(hits) == 3
        assert str(image) not in [h["path"] for h in hits]
        single = cli(pascal_library.data_dir, "similar", str(image), "-k", "3", "--json").json()
        assert hits == single
    # Options may also come between the photos.
    between = cli(pascal_library.data_dir, "similar", as_typed[0], "-k", "3", as_typed[1], "--json")
    assert between.returncode == 0, between.stderr
    assert between.json() == out


def test_similar_with_one_missing_image_reports_it_and_keeps_the_other(
    cli: Cli, pascal_library: IndexedLibrary, tmp_path: Path
) -> None:
    cat = str(pascal_library.photos["cat"][0])
    missing = str(tmp_path / "nowhere.jpg")
    result = cli(pascal_library.data_dir, "similar", cat, missing, "-k", "2", "--json")
    assert result.returncode == 1
    assert list(result.json()) == [cat]
    assert "nowhere.jpg" in result.stderr and "Traceback" not in result.stderr


def test_similar_for_a_photo_outside_the_library(
    cli: Cli, pascal_library: IndexedLibrary, pascal_dir: Path, tmp_path: Path
) -> None:
    library_names = {p.name.split("-", 1)[1] for p in pascal_library.all_photos}
    outside = next(p for p in sorted((pascal_dir / "images/cat").glob("*.jpg"))[::-1]
                   if p.name not in library_names)  # fmt: skip
    query = tmp_path / outside.name
    shutil.copyfile(outside, query)
    hits = cli(pascal_library.data_dir, "similar", str(query), "-k", "4", "--json").json()
    assert len(hits) == 4
    assert_ranked(hits)
    assert {h["path"] for h in hits} <= {str(p) for p in pascal_library.all_photos}
    status = cli(pascal_library.data_dir, "status", "--json").json()
    assert status["photos"] == len(pascal_library.all_photos)  # a query adds nothing


@pytest.mark.parametrize("name", ["tabby", "TABBY", "Siamese cat", "siamese CAT"])
def test_similar_within_a_class(cli: Cli, pascal_library: IndexedLibrary, name: str) -> None:
    query = pascal_library.photos["cat"][0]
    result = cli(
        pascal_library.data_dir, "similar", str(query), "--class", name, "-k", "4", "--json"
    )
    assert result.returncode == 0, result.stderr
    hits = result.json()
    assert len(hits) == 4
    assert_ranked(hits)
    assert str(query) not in [h["path"] for h in hits]
    lower = cli(
        pascal_library.data_dir, "similar", str(query), "--class", name.lower(), "-k", "4", "--json"
    ).json()
    assert hits == lower  # class names are case-insensitive
    plain = cli(pascal_library.data_dir, "similar", str(query), "-k", "4", "--json").json()
    assert [h["score"] for h in hits] != [h["score"] for h in plain]


@pytest.mark.parametrize("extra", [[], ["--class", "tabby"]])
def test_similar_min_score_ends_the_list_where_relevance_ends(
    cli: Cli, pascal_library: IndexedLibrary, extra: list[str]
) -> None:
    query = str(pascal_library.photos["cat"][0])
    every = cli(pascal_library.data_dir, "similar", query, "-k", "100", *extra, "--json").json()
    assert all(0.0 <= h["score"] <= 1.0 for h in every)  # calibrated: a probability
    scores = sorted({h["score"] for h in every})  # rounded to 4 digits in the JSON
    cut = (scores[len(scores) // 2 - 1] + scores[len(scores) // 2]) / 2
    kept = cli(
        pascal_library.data_dir, "similar", query, "-k", "100", "--min-score", str(cut), *extra,
        "--json",
    ).json()  # fmt: skip
    assert kept == [h for h in every if h["score"] > cut]
    assert 0 < len(kept) < len(every)
    capped = cli(
        pascal_library.data_dir, "similar", query, "-k", "2", "--min-score", "0", *extra, "--json"
    ).json()
    assert capped == every[:2]  # -k stays the cap
    none = cli(pascal_library.data_dir, "similar", query, "--min-score", "1", *extra)
    assert none.returncode == 0 and "no photo scores 1 or more" in none.stdout


def test_similar_min_score_outside_0_1_is_a_usage_error(
    cli: Cli, pascal_library: IndexedLibrary
) -> None:
    query = str(pascal_library.photos["cat"][0])
    result = cli(pascal_library.data_dir, "similar", query, "--min-score", "1.5")
    assert_one_line_error(result, 2, "--min-score", "between 0 and 1")


def test_similar_unknown_class_suggests_close_names(
    cli: Cli, pascal_library: IndexedLibrary
) -> None:
    query = pascal_library.photos["cat"][0]
    result = cli(pascal_library.data_dir, "similar", str(query), "--class", "tabbby", "--json")
    assert_one_line_error(result, 1, "tabbby", "tabby")
    assert result.stdout == ""


def test_tags_name_what_is_in_the_photo(cli: Cli, pascal_library: IndexedLibrary) -> None:
    boat, cat = pascal_library.photos["boat"][0], pascal_library.photos["cat"][0]
    result = cli(pascal_library.data_dir, "tags", str(boat), "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    tags = result.json()
    assert len(tags) == 5
    assert all(set(t) == {"word", "score"} for t in tags)
    scores = [t["score"] for t in tags]
    assert scores == sorted(scores, reverse=True)
    cat_tags = cli(pascal_library.data_dir, "tags", str(cat), "-k", "5", "--json").json()
    assert [t["word"] for t in tags] != [t["word"] for t in cat_tags]
    both = cli(pascal_library.data_dir, "tags", str(boat), str(cat), "-k", "5", "--json").json()
    assert both == {str(boat): tags, str(cat): cat_tags}


# Words that say what each class's photos show, as the captions would put it.
EXPECTED_TAGS = {
    "cat": {"cat", "cats", "kitten"},
    "dog": {"dog", "dogs", "puppy"},
    "aeroplane": {"plane", "airplane", "jet", "aircraft", "airport", "flying"},
    "boat": {"boat", "boats", "ship", "canoe", "water", "river", "lake", "sea"},
    "person": {"man", "woman", "people", "person", "girl", "boy", "child", "baby", "smiling"},
}


def test_tags_name_the_subject_of_most_photos(cli: Cli, pascal_library: IndexedLibrary) -> None:
    photos = pascal_library.all_photos
    result = cli(pascal_library.data_dir, "tags", *map(str, photos), "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    tags = result.json()
    for cls, expected in EXPECTED_TAGS.items():
        named = [
            bool(expected & {t["word"] for t in tags[str(p)]}) for p in pascal_library.photos[cls]
        ]
        assert sum(named) >= 3, (cls, [tags[str(p)] for p in pascal_library.photos[cls]])


def test_search_one_word_finds_its_class(cli: Cli, pascal_library: IndexedLibrary) -> None:
    result = cli(pascal_library.data_dir, "search", "cat", "-k", "4", "--json")
    assert result.returncode == 0, result.stderr
    hits = result.json()
    assert len(hits) == 4
    assert_ranked(hits)
    assert classes_of(hits[:3]).count("cat") >= 2


def test_search_several_words_differs_from_each(cli: Cli, pascal_library: IndexedLibrary) -> None:
    both = cli(pascal_library.data_dir, "search", "dog", "boat", "-k", "20", "--json").json()
    dog = cli(pascal_library.data_dir, "search", "dog", "-k", "20", "--json").json()
    boat = cli(pascal_library.data_dir, "search", "boat", "-k", "20", "--json").json()
    assert len(both) == 20
    assert_ranked(both)
    assert both not in (dog, boat)


def test_search_ignores_unknown_words_and_says_so(cli: Cli, pascal_library: IndexedLibrary) -> None:
    result = cli(pascal_library.data_dir, "search", "cat", "qzxwvq", "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    assert "qzxwvq" in result.stderr
    plain = cli(pascal_library.data_dir, "search", "cat", "-k", "5", "--json").json()
    assert result.json() == plain


def test_search_without_any_known_word_fails_clearly(
    cli: Cli, pascal_library: IndexedLibrary
) -> None:
    result = cli(pascal_library.data_dir, "search", "qzxwvq", "zzqqxx", "--json")
    assert_one_line_error(result, 1, "qzxwvq", "zzqqxx")
    assert result.stdout == ""


def test_search_negative_word_pushes_results_away(cli: Cli, pascal_library: IndexedLibrary) -> None:
    d = pascal_library.data_dir
    plain = cli(d, "search", "beach", "-k", "20", "--json").json()
    result = cli(d, "search", "beach", "-people", "-k", "20", "--json")
    assert result.returncode == 0, result.stderr
    negated = result.json()
    assert [h["path"] for h in negated] != [h["path"] for h in plain]
    # The photo the model finds most "people"-like drops in the ranking.
    most_people = cli(d, "search", "people", "-k", "1", "--json").json()[0]["path"]
    rank = {name: [h["path"] for h in hits].index(most_people)
            for name, hits in (("plain", plain), ("negated", negated))}  # fmt: skip
    assert rank["negated"] > rank["plain"]
    # Options may come before, between or after the words.
    for order in (["-k", "20", "beach", "-people"], ["beach", "-k", "20", "-people", "--json"]):
        again = cli(d, "search", *order, *([] if "--json" in order else ["--json"]))
        assert again.returncode == 0, again.stderr
        assert again.json() == negated


def test_search_only_negative_words_is_a_usage_error(
    cli: Cli, pascal_library: IndexedLibrary
) -> None:
    result = cli(pascal_library.data_dir, "search", "-people")
    assert_one_line_error(result, 2, "at least one word")


def test_status_json(cli: Cli, pascal_library: IndexedLibrary) -> None:
    result = cli(pascal_library.data_dir, "status", "--json")
    assert result.returncode == 0, result.stderr
    status = result.json()
    n = len(pascal_library.all_photos)
    assert status["photos"] == n
    assert status["skipped_count"] == 0 and status["skipped"] == []
    assert status["kinds"] == {"photo": n, "raw": 0, "video": 0} and status["companions"] == {
        "raw": 0,
        "video": 0,
    }
    assert status["data_dir"] == str(pascal_library.data_dir)
    assert status["folders"] == [
        {"path": str(pascal_library.folder), "exists": True, "photos": n, "skipped": 0}
    ]
    for index in status["indexes"].values():
        assert index["fresh"] is True
        assert index["indexed"] == n and index["pending"] == 0


def test_data_dir_from_the_environment(
    cli: Cli, pascal_library: IndexedLibrary, tmp_path: Path
) -> None:
    env = {"PHOTOSEARCH_DATA_DIR": str(pascal_library.data_dir)}
    status = cli(None, "status", "--json", env=env).json()
    assert status["data_dir"] == str(pascal_library.data_dir)
    assert status["photos"] == len(pascal_library.all_photos)
    # --data-dir wins over the environment.
    other = tmp_path / "other-profile"
    status = cli(other, "status", "--json", env=env).json()
    assert (status["data_dir"], status["photos"]) == (str(other), 0)
    assert (other / "catalog.sqlite3").is_file()


def test_classes(cli: Cli) -> None:
    result = cli(None, "classes", "cat", "--json", env={"PHOTOSEARCH_DATA_DIR": os.devnull})
    assert result.returncode == 0, result.stderr
    found = result.json()
    names = {n for c in found for n in c["names"]}
    assert {"tabby", "Siamese cat", "Persian cat"} <= names
    assert all(any("cat" in n.lower() for n in c["names"]) for c in found)
    everything = json.loads(cli(None, "classes", "--json").stdout)
    assert len(everything) == 1000
    assert [c["index"] for c in everything] == list(range(1000))


def test_remove_folder(cli: Cli, pascal_photos: dict[str, list[Path]], tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    cats = tmp_path / "cats"
    cats.mkdir()
    for p in pascal_photos["cat"]:
        shutil.copyfile(p, cats / p.name)
    boats = tmp_path / "boats"
    boats.mkdir()
    for p in pascal_photos["boat"][:2]:
        shutil.copyfile(p, boats / p.name)
    assert cli(profile, "index", str(cats), str(boats)).returncode == 0
    result = cli(profile, "remove", str(cats))
    assert result.returncode == 0, result.stderr
    assert "4 photos" in result.stdout
    hits = cli(profile, "similar", str(boats / pascal_photos["boat"][0].name), "--json").json()
    assert [h["path"] for h in hits] == [str(boats / pascal_photos["boat"][1].name)]
    assert all(c.is_file() for c in cats.iterdir())  # files on disk are untouched
    again = cli(profile, "remove", str(cats))
    assert_one_line_error(again, 1, "not a library folder")


@pytest.mark.parametrize(
    "args",
    [
        ["similar"],
        ["similar", "x.jpg", "-k", "0"],
        ["tags", "x.jpg", "-k", "0"],
        ["search"],
        ["search", "cat", "-k", "0"],
        ["search", "cat", "-k", "many"],
        ["words"],
        ["frobnicate"],
        ["index", "--no-such-option"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, tmp_path: Path, args: list[str]) -> None:
    result = cli(tmp_path / "profile", *args)
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("photosearch: error: ")
    assert result.stdout == ""


def test_usage_and_runtime_errors_both_name_the_command(cli: Cli, tmp_path: Path) -> None:
    """One program name in every message: the one the user typed, `photosearch`."""
    usage = cli(tmp_path / "profile", "search", "cat", "-k", "0")  # a subcommand's usage error
    runtime = cli(tmp_path / "profile", "similar", "/no/such/photo.jpg")
    assert (usage.returncode, runtime.returncode) == (2, 1)
    for result in (usage, runtime):
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("photosearch: error: "), result.stderr
        assert "photo-search" not in result.stderr
    assert usage.stderr.startswith("usage: photosearch search ")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["similar", "/no/such/photo.jpg"], "no such file"),
        (["tags", "/no/such/photo.jpg"], "no such file"),
        (["index", "/no/such/folder"], "folder not found"),
        (["index"], "no folders"),
        (["words", "qzxwvqq"], "unknown word"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    cli: Cli, tmp_path: Path, args: list[str], needle: str
) -> None:
    assert_one_line_error(cli(tmp_path / "profile", *args), 1, needle)


def test_a_folder_given_as_a_photo(cli: Cli, pascal_library: IndexedLibrary) -> None:
    result = cli(pascal_library.data_dir, "similar", str(pascal_library.folder))
    assert_one_line_error(result, 1, "folder")
