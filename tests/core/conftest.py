"""Fixtures shared by the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.library import Library
from core.storage.profile import resolve_profile


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """A library in a fresh temporary profile, closed after the test."""
    lib = Library(resolve_profile(tmp_path / "profile"))
    yield lib
    lib.close()
