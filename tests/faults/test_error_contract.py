"""The error contract: user-caused failures are PhotoSearchErrors, shown as one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import core.errors
from core.errors import DecodeError, PhotoSearchError, StorageError
from tests.conftest import CliResult
from tests.faults.conftest import one_line_error

Cli = Callable[..., CliResult]


def test_every_error_class_is_a_photo_search_error() -> None:
    classes = [
        c
        for c in vars(core.errors).values()
        if isinstance(c, type) and issubclass(c, Exception) and not issubclass(c, Warning)
    ]
    assert DecodeError in classes and StorageError in classes
    assert all(issubclass(c, PhotoSearchError) for c in classes)


def test_user_faults_are_one_line(cli: Cli, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    assert "folder not found" in one_line_error(cli(profile, "index", str(tmp_path / "nope")))
    assert "no such file" in one_line_error(cli(profile, "similar", str(tmp_path / "x.jpg")))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really")
    assert "cannot read" in one_line_error(cli(profile, "tags", str(bad)))
    assert "not a library folder" in one_line_error(cli(profile, "remove", str(tmp_path)))
