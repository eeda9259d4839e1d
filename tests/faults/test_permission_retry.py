"""Issue 10.4: a photo skipped as "permission denied" is picked up once the user fixes it."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import core.media.decode
from tests.conftest import CliResult, make_photos
from tests.faults.conftest import needs_non_root

Cli = Callable[..., CliResult]


@needs_non_root
def test_chmod_then_fix(cli: Cli, tmp_path: Path) -> None:
    profile, folder = tmp_path / "profile", tmp_path / "photos"
    locked = make_photos(folder, 3)[1]
    locked.chmod(0)
    first = cli(profile, "index", str(folder), "--json").json()
    assert first["skipped"] == [{"path": str(locked), "reason": "permission denied"}]
    locked.chmod(0o644)  # size and mtime unchanged
    second = cli(profile, "index", "--json").json()
    assert second["added"] == 1 and second["skipped"] == []


def test_a_permission_denied_skip_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, for any user (root reads everything): the file system refuses one photo."""
    from core.library import Library
    from core.storage.profile import resolve_profile
    from tests.conftest import run_index

    folder = tmp_path / "photos"
    locked = make_photos(folder, 3)[1]

    def refusing_open(path: Any, *args: Any, **kw: Any) -> Any:
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return builtins.open(path, *args, **kw)

    library = Library(resolve_profile(tmp_path / "profile"))
    monkeypatch.setattr(core.media.decode, "open", refusing_open, raising=False)
    first = run_index(library, [folder])
    assert [(s.path, s.reason) for s in first.skipped] == [(str(locked), "permission denied")]
    monkeypatch.undo()  # the user fixed the permissions: size and mtime are unchanged

    second = run_index(library)
    assert second.added == 1 and second.skipped == []
    assert str(locked) in library.photos()
