"""A damaged or lost catalog through the real CLI: queries refuse it with a clear message and
`index` rebuilds it. Synthetic photos, so these always run. (Damaged index files: in-process,
tests/core/test_damaged_indexes.py.)"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, garble, make_photos, run_cli, truncate

Cli = Callable[..., CliResult]
K = "30"


@pytest.fixture(scope="module")
def indexed_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(profile, folder): twelve synthetic photos indexed once; tests work on copies."""
    root = tmp_path_factory.mktemp("damage")
    folder = root / "photos"
    make_photos(folder, 12)
    profile = root / "profile"
    result = run_cli(profile, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return profile, folder


@pytest.fixture
def profile(indexed_profile: tuple[Path, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "profile"
    shutil.copytree(indexed_profile[0], copy)
    return copy


@pytest.fixture
def folder(indexed_profile: tuple[Path, Path]) -> Path:
    return indexed_profile[1]


def queries(cli: Cli, profile: Path, folder: Path) -> dict[str, Any]:
    """Every kind of photo query, as JSON, for comparing before and after damage."""
    q = str(sorted(folder.iterdir())[3])
    out = {}
    for name, args in {
        "similar": ["similar", q, "-k", K],
        "class": ["similar", q, "--class", "tabby", "-k", K],
        "search": ["search", "red", "sky", "-k", K],
        "tags": ["tags", q, "-k", "5"],
    }.items():
        result = cli(profile, *args, "--json")
        assert result.returncode == 0, result.stderr
        out[name] = result.json()
    return out


def assert_same_results(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Same photos in the same order, scores equal up to exact-vs-Annoy rounding."""
    for name in a:
        key = "word" if name == "tags" else "path"
        assert [h[key] for h in a[name]] == [h[key] for h in b[name]], name
        for x, y in zip(a[name], b[name], strict=True):
            assert x["score"] == pytest.approx(y["score"], abs=2e-3), name


@pytest.mark.parametrize("damage", [garble, truncate], ids=["garbage", "truncated"])
def test_damaged_catalog_is_refused_then_rebuilt_by_index(
    cli: Cli, profile: Path, folder: Path, damage: Callable[[Path], None]
) -> None:
    before = queries(cli, profile, folder)
    catalog = profile / "catalog.sqlite3"
    damage(catalog)
    for args in (["similar", str(folder / "photo0001.jpg")], ["search", "red"], ["status"]):
        result = cli(profile, *args, "--json")
        assert result.returncode == 1, result.stderr
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert "catalog" in line and "damaged" in line and "index" in line

    result = cli(profile, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    summary = result.json()
    assert summary["added"] + summary["unchanged"] == 12
    aside = [p for p in profile.iterdir() if p.name.startswith("catalog.sqlite3.corrupt-")]
    assert aside, "the damaged catalog must be kept aside, not deleted"
    with sqlite3.connect(catalog) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert_same_results(before, queries(cli, profile, folder))


def test_new_catalog_does_not_trust_indexes_of_the_old_one(
    cli: Cli, profile: Path, folder: Path, tmp_path: Path
) -> None:
    """A lost catalog restarts photo ids at 1: old index files must not answer for new photos."""
    other = tmp_path / "other photos"
    make_photos(other, 12, first_seed=500)
    for f in profile.glob("catalog.sqlite3*"):
        f.unlink()
    assert cli(profile, "index", str(other)).returncode == 0

    fresh = tmp_path / "fresh-profile"
    assert cli(fresh, "index", str(other)).returncode == 0
    assert_same_results(queries(cli, fresh, other), queries(cli, profile, other))
