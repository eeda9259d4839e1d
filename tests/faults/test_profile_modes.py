"""Issue 10.8: the profile (every photo path the user has) is private: folders 0700, files 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult, make_photos
from tests.faults.conftest import files_and_folders

Cli = Callable[..., CliResult]


def modes(root: Path) -> tuple[set[int], set[int]]:
    files, folders = files_and_folders(root)
    return (
        {stat.S_IMODE(f.stat().st_mode) for f in files},
        {stat.S_IMODE(d.stat().st_mode) for d in folders},
    )


def test_a_new_profile_is_private(cli: Cli, tmp_path: Path) -> None:
    profile, folder = tmp_path / "profile", tmp_path / "photos"
    make_photos(folder, 3)
    old = os.umask(0o022)
    try:
        assert cli(profile, "index", str(folder)).returncode == 0
    finally:
        os.umask(old)
    file_modes, folder_modes = modes(profile)
    assert (profile / "catalog.sqlite3").exists() and any((profile / "indexes").iterdir())
    assert file_modes == {0o600} and folder_modes == {0o700}


def test_an_old_open_profile_is_tightened(cli: Cli, tmp_path: Path) -> None:
    profile, folder = tmp_path / "profile", tmp_path / "photos"
    make_photos(folder, 3)
    assert cli(profile, "index", str(folder)).returncode == 0
    files, folders = files_and_folders(profile)
    for f in files:
        f.chmod(0o644)
    for d in folders:
        d.chmod(0o755)
    assert cli(profile, "status").returncode == 0
    file_modes, folder_modes = modes(profile)
    assert file_modes == {0o600} and folder_modes == {0o700}
