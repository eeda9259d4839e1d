"""Damaged index files (Annoy, ids, metadata, feature cache) are noticed and rebuilt; results
stay what they were before the damage."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.library import Library
from core.storage.profile import resolve_profile
from tests.conftest import garble, make_photos, run_index, truncate

K = 30


@pytest.fixture(scope="module")
def indexed_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(profile, folder) with twelve synthetic photos indexed once; tests damage copies."""
    root = tmp_path_factory.mktemp("damaged-indexes")
    folder = root / "photos"
    make_photos(folder, 12)
    library = Library(resolve_profile(root / "profile"))
    library.add_folder(folder)
    assert run_index(library).added == 12
    library.close()
    return root / "profile", folder


@pytest.fixture
def profile(indexed_profile: tuple[Path, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "profile"
    shutil.copytree(indexed_profile[0], copy)
    return copy


@pytest.fixture
def open_library() -> Iterator[Callable[[Path], Library]]:
    opened: list[Library] = []

    def open_(profile: Path) -> Library:
        opened.append(Library(resolve_profile(profile)))
        return opened[-1]

    yield open_
    for library in opened:
        library.close()


def results(library: Library, folder: Path) -> dict[str, list[tuple[str, float]]]:
    q = folder / "photo0003.jpg"
    return {
        "similar": [(h.path, h.score) for h in library.find_similar(q, K)],
        "class": [(h.path, h.score) for h in library.find_similar(q, K, "tabby")],
        "search": [(h.path, h.score) for h in library.search(["red", "sky"], K).hits],
        "tags": [(h.word, h.score) for h in library.tags(q, 5)],
    }


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    for name in a:
        assert [x for x, _ in a[name]] == [x for x, _ in b[name]], name
        assert [s for _, s in a[name]] == pytest.approx([s for _, s in b[name]], abs=1e-3), name


def flip_a_block(path: Path) -> None:
    """Damage in the middle only: the header stays readable."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(bytes(b ^ 0xFF for b in f.read(64)))
        f.seek(size // 2)


KINDS: dict[str, Callable[[str], bool]] = {
    "image-vectors": lambda n: n.startswith("image-") and n.endswith(".vectors.npy"),
    "joint-vectors": lambda n: n.endswith(".vectors.npy") and not n.startswith("image-"),
    "ids": lambda n: n.endswith(".ids.npy"),
    "meta": lambda n: n.endswith(".json"),
    "feature-cache": lambda n: n.startswith("features-") and n.endswith(".npy"),
}


@pytest.mark.parametrize("damage", [garble, truncate, flip_a_block])
@pytest.mark.parametrize("kind", list(KINDS))
def test_damaged_index_file_is_detected_and_rebuilt(
    profile: Path,
    indexed_profile: tuple[Path, Path],
    open_library: Callable[[Path], Library],
    kind: str,
    damage: Callable[[Path], None],
) -> None:
    folder = indexed_profile[1]
    before = results(open_library(profile), folder)
    damaged = [f for f in sorted((profile / "indexes").iterdir()) if KINDS[kind](f.name)]
    assert damaged
    for f in damaged:
        damage(f)

    library = open_library(profile)
    assert_same(before, results(library, folder))
    if kind != "feature-cache":
        assert not all(s["fresh"] for s in library.status()["indexes"].values())
    else:
        assert library.feature_cache.load() is None

    summary = run_index(library)
    assert (summary.added, summary.unchanged, summary.removed) == (0, 12, 0)
    rebuilt = open_library(profile)
    status = rebuilt.status()["indexes"]
    assert all(s["fresh"] and s["in_index"] == 12 for s in status.values()), status
    assert rebuilt.feature_cache.load() is not None
    assert_same(before, results(rebuilt, folder))


def test_missing_index_files_are_rebuilt(
    profile: Path, indexed_profile: tuple[Path, Path], open_library: Callable[[Path], Library]
) -> None:
    folder = indexed_profile[1]
    before = results(open_library(profile), folder)
    shutil.rmtree(profile / "indexes")
    library = open_library(profile)
    assert_same(before, results(library, folder))
    run_index(library)
    assert {f.suffix for f in (profile / "indexes").iterdir()} >= {".npy", ".json"}
    assert_same(before, results(open_library(profile), folder))
