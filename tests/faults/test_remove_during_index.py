"""Issue 10.1: `remove` while `index` runs must not leave photos of a removed folder behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.library import Library
from core.storage.lock import IndexLock
from core.storage.profile import resolve_profile
from tests.conftest import CliResult, make_photos, run_index
from tests.faults.conftest import one_line_error

Cli = Callable[..., CliResult]


def test_remove_refuses_while_an_indexer_holds_the_library(cli: Cli, tmp_path: Path) -> None:
    profile, folder = tmp_path / "profile", tmp_path / "photos"
    make_photos(folder, 3)
    assert cli(profile, "index", str(folder)).returncode == 0

    with IndexLock(resolve_profile(profile).lock_path):  # an `index` is running
        line = one_line_error(cli(profile, "remove", str(folder)))
    assert "being indexed" in line and "when it is done" in line
    assert cli(profile, "status", "--json").json()["photos"] == 3  # nothing changed

    assert cli(profile, "remove", str(folder)).returncode == 0  # once it has finished
    status = cli(profile, "status", "--json").json()
    assert status["photos"] == 0 and status["folders"] == []


def test_an_index_started_before_a_remove_does_not_bring_the_folder_back(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    make_photos(folder, 2)
    library = Library(resolve_profile(tmp_path / "profile"))
    run_index(library, [folder])
    pending = library.index()  # created (as a GUI queues it) but not yet holding the lock
    library.remove_folder(folder)
    run_index_of = pending
    try:
        while True:
            next(run_index_of)
    except StopIteration:
        pass
    assert library.folders() == []
    assert library.photos() == []
