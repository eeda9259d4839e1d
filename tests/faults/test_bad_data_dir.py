"""Issue 10.5: a bad --data-dir is a clear error, and a catalog that is merely read-only, locked
or full is never taken for a damaged one (and never moved aside)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.errors import CorruptDataError, StorageError
from core.storage.catalog import Catalog
from core.storage.repair import open_catalog
from tests.conftest import CliResult, make_photos
from tests.faults.conftest import needs_non_root, one_line_error

Cli = Callable[..., CliResult]


def test_a_file_as_data_dir(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("not a profile")
    line = one_line_error(cli(file, "status"))
    assert str(file) in line and "not a folder" in line
    assert file.read_text() == "not a profile"


def test_dev_null_as_data_dir(cli: Cli) -> None:
    assert "not a folder" in one_line_error(cli(Path(os.devnull), "index", "."))


def test_an_empty_data_dir(cli: Cli, tmp_path: Path) -> None:
    result = cli(None, "--data-dir", "", "status")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--data-dir is empty" in result.stderr


def test_a_data_dir_that_cannot_be_created(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "a-file"
    file.write_text("")
    line = one_line_error(cli(file / "profile", "status"))
    assert "profile folder" in line and "Not a directory" in line


@needs_non_root
def test_an_unwritable_data_dir(cli: Cli, tmp_path: Path) -> None:
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        assert "no permission" in one_line_error(cli(parent / "profile", "status"))
    finally:
        parent.chmod(0o700)


@pytest.fixture
def healthy(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.sqlite3"
    catalog = Catalog(path)
    catalog.add_folder(tmp_path / "photos")
    catalog.close()
    return path


def _connect_with(
    monkeypatch: pytest.MonkeyPatch, tweak: Callable[[Any, dict[str, Any]], Any]
) -> None:
    real = sqlite3.connect

    def connect(database: Any, **kw: Any) -> Any:
        return tweak(real, {"database": database, **kw})

    monkeypatch.setattr("core.storage.catalog.sqlite3.connect", connect)


def _left_alone(path: Path) -> None:
    assert path.exists()
    assert not list(path.parent.glob("*.corrupt-*")), "a healthy catalog was moved aside"
    assert Catalog(path).folders() == [path.parent / "photos"]


def test_a_read_only_catalog_is_not_corrupt(healthy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(real: Any, kw: dict[str, Any]) -> Any:
        return real(f"file:{kw.pop('database')}?mode=ro", uri=True, **kw)

    _connect_with(monkeypatch, read_only)
    with pytest.raises(StorageError, match="read-only"):
        catalog, _ = open_catalog(healthy, repair=True)
        catalog.add_folder(healthy.parent / "more")
    monkeypatch.undo()
    _left_alone(healthy)


def test_a_locked_catalog_is_not_corrupt(healthy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = sqlite3.connect(healthy, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # so that a reader is locked out too
    holder.execute("BEGIN EXCLUSIVE")
    _connect_with(monkeypatch, lambda real, kw: real(**{**kw, "timeout": 0.1}))
    try:
        with pytest.raises(StorageError, match="locked by another program"):
            open_catalog(healthy, repair=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    monkeypatch.undo()
    _left_alone(healthy)


def test_a_full_catalog_is_not_corrupt(healthy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def tiny(real: Any, kw: dict[str, Any]) -> Any:
        conn = real(**kw)
        conn.execute("PRAGMA max_page_count = 8")
        return conn

    _connect_with(monkeypatch, tiny)
    catalog, _ = open_catalog(healthy, repair=True)
    with pytest.raises(StorageError, match="disk is full"):
        for i in range(2000):
            catalog.add_folder(healthy.parent / f"folder-{i:04d}-{'x' * 200}")
    catalog.close()
    monkeypatch.undo()
    assert healthy.exists() and not list(healthy.parent.glob("*.corrupt-*"))
    assert healthy.parent / "photos" in Catalog(healthy).folders()  # committed rows are kept


def test_real_damage_is_still_repaired(healthy: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{healthy}{suffix}").unlink(missing_ok=True)
    healthy.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorruptDataError):
        Catalog(healthy)
    _, message = open_catalog(healthy, repair=True)
    assert message is not None and "moved it to" in message


@needs_non_root
def test_a_read_only_catalog_file_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    profile, folder = tmp_path / "profile", tmp_path / "photos"
    make_photos(folder, 2)
    assert cli(profile, "index", str(folder)).returncode == 0
    (profile / "catalog.sqlite3").chmod(0o400)
    one_line_error(cli(profile, "index"))
    assert not list(profile.glob("*.corrupt-*"))
