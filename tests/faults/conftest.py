"""Helpers for the fault tests: what a user sees when something outside the app goes wrong."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CliResult


def _permissions_enforced() -> bool:
    """False for root (or a process with CAP_DAC_OVERRIDE): chmod 000 does not stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp, "probe")
        probe.write_text("x")
        probe.chmod(0)
        try:
            probe.read_text()
        except PermissionError:
            return True
        return False


ENFORCED = _permissions_enforced()


def one_line_error(result: CliResult, code: int = 1) -> str:
    """Assert the CLI failed the way a user-caused fault should: one line, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("photosearch: error")]
    assert len(lines) == 1, result.stderr
    return lines[0]


needs_non_root = pytest.mark.skipif(not ENFORCED, reason="root ignores file permissions")


def files_and_folders(root: Path) -> tuple[list[Path], list[Path]]:
    files, folders = [], [root]
    for dirpath, dirnames, filenames in os.walk(root):
        folders += [Path(dirpath, d) for d in dirnames]
        files += [Path(dirpath, f) for f in filenames]
    return files, folders
