"""Issue 10.9: indexing stays inside the library folder, and a whole home or root is flagged."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from core.storage.profile import is_too_broad
from tests.conftest import CliResult, make_photos

Cli = Callable[..., CliResult]


def test_symlinks_out_of_the_folder_are_not_followed_by_default(cli: Cli, tmp_path: Path) -> None:
    library, elsewhere = tmp_path / "photos", tmp_path / "elsewhere"
    make_photos(library, 2)
    outside = make_photos(elsewhere, 3, first_seed=10)
    (library / "link-to-folder").symlink_to(elsewhere)
    (library / "link-to-photo.jpg").symlink_to(outside[0])
    (library / "inside.jpg").symlink_to(library / "photo0000.jpg")  # inside: followed
    profile = tmp_path / "profile"

    summary = cli(profile, "index", str(library), "--json").json()
    assert summary["added"] == 3
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert set(reasons) == {"link-to-folder", "link-to-photo.jpg"}
    assert all("outside the library folder" in r for r in reasons.values())

    profile.joinpath("settings.json").write_text(json.dumps({"follow_external_symlinks": True}))
    again = cli(profile, "index", "--json").json()
    assert again["added"] == 4 and again["skipped"] == []


def test_whole_disks_and_homes_are_too_broad(tmp_path: Path) -> None:
    assert is_too_broad("/") is not None
    assert is_too_broad(Path.home()) is not None
    assert is_too_broad(os.path.expanduser("~") + "/") is not None
    assert is_too_broad(tmp_path) is None


def test_index_of_a_home_warns(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_photos(home / "Pictures", 2)
    result = cli(tmp_path / "profile", "index", str(home), env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    warning = [x for x in result.stderr.splitlines() if "warning" in x]
    assert len(warning) == 1 and "whole home folder" in warning[0]
    assert "added 2" in result.stdout
