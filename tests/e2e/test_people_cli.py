"""The real `people` command line against a temporary profile, on LFW photos from ../shared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult
from tests.core.test_people import copy_people

Cli = Callable[..., CliResult]


def test_index_finds_faces_and_people_are_listed_named_and_searched(cli: Cli, tmp_path: Path):
    copy_people(tmp_path / "photos", ("Ariel_Sharon", "Celine_Dion"), 3)
    data = tmp_path / "profile"
    done = cli(data, "index", str(tmp_path / "photos"), "--no-faces", "--json")
    assert done.returncode == 0 and "faces" not in done.json()
    assert cli(data, "people", "--json").json() == []

    done = cli(data, "index", "--json")
    assert done.returncode == 0, done.stderr
    assert done.json()["faces"]["photos"] == 6 and "faces " in done.stderr  # progress bar
    people = cli(data, "people", "--json").json()
    assert [len(p["photos"]) for p in people] == sorted(
        (len(p["photos"]) for p in people), reverse=True
    )
    first = people[0]
    assert first["name"] is None and isinstance(first["id"], int)
    photo = first["photos"][0]
    assert Path(photo["path"]).is_absolute() and len(photo["box"]) == 4
    assert all(isinstance(v, int) and v >= 0 for v in photo["box"])

    named = cli(
        data, "people", "name", str(first["id"]), "Anna", "Lee", "--photo", photo["path"], "--json"
    ).json()
    assert named["name"] == "Anna Lee"
    found = cli(data, "search", "anna", "lee", "--json", "-k", "50").json()
    assert {h["path"] for h in found} == {p["path"] for p in first["photos"]}
    text = cli(data, "search", "anna", "lee")
    assert "search: [person: Anna Lee]" in text.stderr

    inside = cli(data, "people", "in", photo["path"], "--json").json()
    face = {
        "box": photo["box"],
        "person": first["id"],
        "name": "Anna Lee",
        "ungrouped": None,
        "held_back": False,
    }
    assert face in inside
    confirmed = cli(data, "people", "confirm", photo["path"], str(first["id"]), "--json")
    assert confirmed.returncode == 0 and confirmed.json()["held_back"] == 0

    removed = cli(data, "people", "remove-face", photo["path"], str(first["id"]))
    assert removed.returncode == 0
    after = cli(data, "people", "--json").json()
    anna = next(p for p in after if p["id"] == first["id"])
    assert photo["path"] not in {p["path"] for p in anna["photos"]}


def test_people_errors_are_one_clear_line(cli: Cli, tmp_path: Path):
    data = tmp_path / "profile"
    unknown = cli(data, "people", "name", "41", "Bob")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "photosearch: error: no person with id 41 (see `people`)"
    same = cli(data, "people", "merge", "3", "3")
    assert same.returncode == 2 and "Traceback" not in same.stderr
    not_indexed = cli(data, "people", "in", str(tmp_path / "nope.jpg"))
    assert not_indexed.returncode == 1 and "not an indexed photo" in not_indexed.stderr


def test_forget_all_turns_faces_off_until_turned_on(cli: Cli, tmp_path: Path):
    copy_people(tmp_path / "photos", ("Celine_Dion",), 2)
    data = tmp_path / "profile"
    cli(data, "index", str(tmp_path / "photos"))
    assert cli(data, "people", "--json").json() != []
    off = cli(data, "people", "forget-all", "--json")
    assert off.returncode == 0 and off.json() == {"face_recognition": False}
    refused = cli(data, "people")
    assert refused.returncode == 1 and "face recognition is off" in refused.stderr
    again = cli(data, "index", "--json").json()
    assert "faces" not in again
    assert cli(data, "people", "on").returncode == 0
    assert cli(data, "index", "--json").json()["faces"]["photos"] == 2
