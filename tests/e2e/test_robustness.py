"""The CLI on awkward input: bad files, odd names, killed runs, two indexers at once.

Synthetic photos made with Pillow, so these run without the shared data.
"""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import struct
import subprocess
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from core.storage.lock import IndexLock
from core.storage.profile import resolve_profile
from tests.conftest import REPO_ROOT, CliResult, cli_command, cli_env, make_photo, make_photos

Cli = Callable[..., CliResult]


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming a huge image, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width * 3 + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_bad_files_are_skipped_with_reasons(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    make_photos(folder, 5)
    good = folder / "photo0000.jpg"
    bad = {
        "empty.jpg": b"",
        "text.jpg": b"hello, I am not a photo\n",
        "truncated.jpg": good.read_bytes()[:400],
        "bomb.png": bomb_png(30000, 30000),
        "noise.webp": os.urandom(5000),
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    profile = tmp_path / "profile"

    result = cli(profile, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = result.json()
    assert summary["added"] == 5
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert set(skipped) == set(bad)
    assert all(reason.strip() for reason in skipped.values())
    assert "decompression bomb" in skipped["bomb.png"]
    assert "empty" in skipped["empty.jpg"]

    status = cli(profile, "status", "--json").json()
    assert (status["photos"], status["skipped_count"]) == (5, len(bad))
    text = cli(profile, "status")
    assert "bomb.png" in text.stdout and text.returncode == 0

    # A skipped file is not a photo of the library: querying with it says why.
    query = cli(profile, "similar", str(folder / "text.jpg"))
    assert query.returncode == 1
    assert "not an image" in query.stderr and "Traceback" not in query.stderr


def test_awkward_file_names_end_to_end(cli: Cli, tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), "photos – été".encode())
    os.mkdir(folder)
    names = [b"caf\xe9.jpg", "naïve.jpg".encode(), b"with  two spaces.png", b"-dash.jpg"]
    paths = [os.path.join(folder, n) for n in names]
    for i, p in enumerate(paths):
        make_photo(p, 300 + i)
    profile = tmp_path / "profile"

    result = cli(profile, "index", folder, "--json")
    assert result.returncode == 0, result.stderr
    assert result.json()["added"] == 4
    latin1 = paths[0]
    result = cli(profile, "similar", latin1, "-k", "10", "--json")
    assert result.returncode == 0, result.stderr
    hits = result.json()  # the non-UTF-8 name survives as JSON: "path_bytes" (README)
    exact = [base64.b64decode(h["path_bytes"]) if "path_bytes" in h else h["path"] for h in hits]
    assert sorted(os.fsencode(p) for p in exact) == sorted(paths[1:])
    several = cli(profile, "similar", latin1, paths[3], "-k", "1", "--json").json()
    assert list(several) == [os.fsdecode(latin1).replace("\udce9", "\ufffd"), os.fsdecode(paths[3])]
    # Text output prints the name back as the bytes it came from, also under a strict locale
    # (en_US.UTF-8 gives Python a strict stdout; the C locale a lenient one).
    for encoding in ("utf-8:strict", "utf-8:surrogateescape"):
        text = cli(profile, "similar", paths[1], "-k", "10", env={"PYTHONIOENCODING": encoding})
        assert text.returncode == 0, text.stderr
        assert os.fsdecode(latin1) in text.stdout
    tags = cli(profile, "tags", latin1, "-k", "3", "--json")
    assert tags.returncode == 0 and len(tags.json()) == 3


def ok_rows(catalog: Path) -> int:
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as conn:
            return int(
                conn.execute("SELECT count(*) FROM photos WHERE status = 'ok'").fetchone()[0]
            )
    except sqlite3.Error:
        return 0  # not created yet


def start_index(profile: Path, folder: Path) -> subprocess.Popen[bytes]:
    """The CLI's index run, with Ctrl-C's default meaning even when the tests run in the
    background of a script, where the shell starts them with SIGINT ignored (and Python then
    leaves it ignored, as a user's `nohup` or `&` asks)."""
    return subprocess.Popen(
        cli_command(profile, ["index", str(folder), "--json"]),
        cwd=REPO_ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def many_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many") / "photos"
    make_photos(folder, 200, size=(64, 48))
    return folder


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_index_run_continues_where_it_stopped(
    cli: Cli, tmp_path: Path, many_photos: Path, sig: signal.Signals
) -> None:
    profile = tmp_path / "profile"
    catalog = profile / "catalog.sqlite3"
    proc = start_index(profile, many_photos)
    try:
        deadline = time.monotonic() + 60
        while ok_rows(catalog) == 0:
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "no photo was committed within 60 s"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = err.decode("utf-8", "replace")
    if sig == signal.SIGINT:
        assert proc.returncode == 130, stderr
        assert "interrupted" in stderr and "Traceback" not in stderr
    else:
        assert proc.returncode == -signal.SIGKILL

    done = ok_rows(catalog)
    assert 0 < done < 200
    with sqlite3.connect(catalog) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = cli(profile, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert status.json()["photos"] == done
    # Photos indexed before the interruption can already be searched.
    assert len(cli(profile, "search", "colour", "-k", "500", "--json").json()) == done

    rerun = cli(profile, "index", "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = rerun.json()
    assert (summary["added"], summary["unchanged"], summary["removed"]) == (200 - done, done, 0)
    assert cli(profile, "status", "--json").json()["photos"] == 200


def test_second_indexer_is_refused_while_the_first_holds_the_lock(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    make_photos(folder, 4)
    profile = tmp_path / "profile"
    assert cli(profile, "index", str(folder)).returncode == 0
    make_photos(folder, 2, first_seed=50)
    before = cli(profile, "similar", str(folder / "photo0000.jpg"), "--json").json()

    other = tmp_path / "other"
    make_photos(other, 1, first_seed=90)
    with IndexLock(resolve_profile(profile).lock_path):
        refused = cli(profile, "index", str(other), "--json")
        assert refused.returncode == 1 and "being indexed" in refused.stderr
        result = cli(profile, "index", "--json")
        assert result.returncode == 1
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert "being indexed" in line and f"process {os.getpid()}" in line
        # Queries do not need the lock.
        during = cli(profile, "similar", str(folder / "photo0000.jpg"), "--json")
        assert during.returncode == 0 and during.json() == before

    with sqlite3.connect(profile / "catalog.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = cli(profile, "status", "--json").json()
    assert status["photos"] == 4
    # The refused run did not add its folder: the library is as it was.
    assert [f["path"] for f in status["folders"]] == [str(folder)]
    after = cli(profile, "index", "--json").json()
    assert (after["added"], after["unchanged"]) == (2, 4)
