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


SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# Real photos of every kind the app meets: (folder under shared/data, glob, how many)
REAL_SOURCES = [
    ("pascal-sentences", "images/*/*.jpg", 140),
    ("flickr8k-train", "images/*.jpg", 160),
    ("imagenet-sample", "images/*", 60),
    ("intel-scenes-train", "images/*", 120),
]


@pytest.fixture(scope="session")
def real_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A library of 480 real photos from ../shared/data (links to them), indexed once for the
    whole test session; skips when ../shared is absent."""
    if not all((SHARED_DATA / name).is_dir() for name, _, _ in REAL_SOURCES):
        pytest.skip(f"needs the shared photos in {SHARED_DATA}, which are absent")
    root = tmp_path_factory.mktemp("real-library")
    photos = root / "photos"
    photos.mkdir()
    for name, pattern, count in REAL_SOURCES:
        files = sorted((SHARED_DATA / name).glob(pattern))
        for f in files[:: max(1, len(files) // count)][:count]:  # evenly spread, fixed
            (photos / f"{name}-{f.parent.name}-{f.name}").symlink_to(f)
    profile = root / "profile"
    profile.mkdir()
    (profile / "settings.json").write_text('{"follow_external_symlinks": true}')
    lib = Library(resolve_profile(profile))
    run = lib.index([photos])
    try:
        while True:
            next(run)
    except StopIteration:
        pass
    yield lib
    lib.close()
