"""Issue 10.2: a full disk gives one clear line and exit code 1; the next run, with space again,
carries on, with a valid catalog and indexes."""

from __future__ import annotations

import errno
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import core.storage.atomic
from tests.conftest import CliResult, make_photos
from tests.faults.conftest import one_line_error

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("full") / "photos"
    make_photos(folder, 150)
    return folder


def _mount(target: Path, size: str) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs: room for the catalog, not for every index. Needs root."""
    target = tmp_path / "small-disk"
    target.mkdir()
    if shutil.which("mount") is None or not _mount(target, "3m"):
        pytest.skip("cannot mount a tmpfs here (needs root); the simulated test covers it")
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


def _grow(target: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(target)], check=True)


# Full while writing the catalog / the indexes (150 photos: the catalog and its WAL need about
# 2.2 MiB, the whole profile about 2.6 MiB; measured with the 8-bit feature format).
@pytest.mark.parametrize("size", ["1m", "2400k"])
def test_a_full_disk_then_room_again(cli: Cli, small_disk: Path, photos: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(small_disk)], check=True)
    line = one_line_error(cli(small_disk, "index", str(photos)))
    assert "disk is full" in line

    _grow(small_disk)
    again = cli(small_disk, "index", str(photos), "--json")
    assert again.returncode == 0, again.stderr
    status = cli(small_disk, "status", "--json").json()
    assert status["photos"] == 150
    assert all(s["fresh"] for s in status["indexes"].values())
    hits = cli(small_disk, "similar", str(photos / "photo0007.jpg"), "-k", "3", "--json").json()
    assert len(hits) == 3


def test_a_full_disk_simulated(
    cli: Cli, photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without root: SQLite's page limit makes the catalog full, ENOSPC the index writes."""
    import main

    profile = tmp_path / "profile"
    real_connect = __import__("sqlite3").connect

    def small_catalog(*args: object, **kw: object) -> object:
        conn = real_connect(*args, **kw)  # type: ignore[arg-type]
        conn.execute("PRAGMA max_page_count = 15")  # 15 x 16 KiB pages
        return conn

    monkeypatch.setattr("core.storage.catalog.sqlite3.connect", small_catalog)
    assert main.main(["--data-dir", str(profile), "index", str(photos)]) == 1
    monkeypatch.undo()

    def no_space(*args: object, **kw: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(core.storage.atomic.tempfile, "mkstemp", no_space)
    assert main.main(["--data-dir", str(profile), "index", str(photos)]) == 1
    monkeypatch.undo()

    assert cli(profile, "index", str(photos)).returncode == 0
    status = cli(profile, "status", "--json").json()
    assert status["photos"] == 150
    assert all(s["fresh"] for s in status["indexes"].values())


def test_the_simulated_failures_print_one_line(
    photos: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import main

    def no_space(*args: object, **kw: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(core.storage.atomic.tempfile, "mkstemp", no_space)
    assert main.main(["--data-dir", str(tmp_path / "p"), "index", str(photos)]) == 1
    errors = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert errors == [
        f"photosearch: error: cannot write the search indexes in {tmp_path / 'p' / 'indexes'}: "
        "the disk is full: free some space and run it again (nothing done so far is lost)"
    ]
