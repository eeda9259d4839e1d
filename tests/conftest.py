"""Shared fixtures: synthetic photos, the real CLI in a subprocess, and the shared Pascal photos."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import pytest
from PIL import Image

# Harmless for the engine tests; the GUI tests need it before Qt starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The real user profile, found before anything below redirects it: no test may create or change
# it. Every test, and every CLI it starts, gets private XDG folders and PHOTOSEARCH_DATA_DIR.
_REAL_PROFILE = [
    Path(platformdirs.user_data_dir("photo-search", appauthor=False)),
    Path(platformdirs.user_cache_dir("photo-search", appauthor=False)),
]


def _fingerprint(folder: Path) -> object:
    try:
        return sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(folder))
    except FileNotFoundError:
        return None


_REAL_BEFORE = {p: _fingerprint(p) for p in _REAL_PROFILE}
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="photo-search-test-home-"))
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)
for _var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SESSION_HOME / _var.lower())
os.environ.pop("PHOTOSEARCH_DATA_DIR", None)


@pytest.fixture(autouse=True)
def private_profile(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A temporary default profile for each test; fails a test that touched the real one."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("PHOTOSEARCH_DATA_DIR", str(home / "profile"))
    yield home / "profile"
    touched = [p for p in _REAL_PROFILE if _fingerprint(p) != _REAL_BEFORE[p]]
    assert not touched, f"the test reached the real user profile: {touched}"


REPO_ROOT = Path(__file__).resolve().parents[1]
PASCAL_DIR = REPO_ROOT.parent / "shared/data/pascal-sentences"
PASCAL_MISSING = f"needs the shared Pascal photos in {PASCAL_DIR}, which is absent"

Arg = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def make_photo(
    path: Arg, seed: int, size: tuple[int, int] = (96, 72), fmt: str | None = None
) -> Path:
    """Write a small photo-like image: smooth colour blobs that differ from seed to seed."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    im = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    # Some fine texture too, so that the CNN sees more than flat colour.
    noise = rng.integers(-20, 21, (size[1], size[0], 3))
    pixels = np.clip(np.asarray(im, np.int16) + noise, 0, 255).astype(np.uint8)
    target = os.fsdecode(os.fspath(path))
    Image.fromarray(pixels).save(target, format=fmt, quality=90)
    return Path(target)


def make_photos(
    folder: Path,
    count: int,
    first_seed: int = 0,
    prefix: str = "photo",
    size: tuple[int, int] = (96, 72),
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_photo(folder / f"{prefix}{first_seed + i:04d}.jpg", first_seed + i, size)
        for i in range(count)
    ]


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The single JSON value on stdout (json.loads fails on anything more or less)."""
        return json.loads(self.stdout)


def cli_command(data_dir: Path | None, args: Sequence[Arg]) -> list[Arg]:
    cmd: list[Arg] = [sys.executable, "main.py"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return cmd + list(args)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PHOTOSEARCH_DATA_DIR"}
    env.update(extra or {})
    return env


def run_cli(
    data_dir: Path | None,
    *args: Arg,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CliResult:
    """Run `python main.py [--data-dir DIR] ARGS...` from the repository root."""
    done = subprocess.run(
        cli_command(data_dir, args),
        cwd=REPO_ROOT,
        env=cli_env(env),
        capture_output=True,
        timeout=timeout,
    )
    return CliResult(
        done.returncode,
        done.stdout.decode("utf-8", "surrogateescape"),
        done.stderr.decode("utf-8", "surrogateescape"),
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., CliResult]:
    """run_cli(data_dir, *args, env=None): the real command line in a subprocess."""
    return run_cli


@pytest.fixture(scope="session")
def pascal_dir() -> Path:
    if not (PASCAL_DIR / "images").is_dir():
        pytest.skip(PASCAL_MISSING)
    return PASCAL_DIR


PASCAL_CLASSES = ("cat", "dog", "aeroplane", "boat", "person")


@pytest.fixture(scope="session")
def pascal_photos(
    pascal_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[Path]]:
    """Four real photos of each of five classes, copied into a temporary folder."""
    folder = tmp_path_factory.mktemp("pascal") / "photos"
    folder.mkdir()
    out: dict[str, list[Path]] = {}
    for cls in PASCAL_CLASSES:
        sources = sorted((pascal_dir / "images" / cls).glob("*.jpg"))[:4]
        out[cls] = []
        for src in sources:
            dst = folder / f"{cls}-{src.name}"
            shutil.copyfile(src, dst)
            out[cls].append(dst)
    return out


@dataclass(frozen=True)
class IndexedLibrary:
    data_dir: Path
    folder: Path
    photos: dict[str, list[Path]]

    @property
    def all_photos(self) -> list[Path]:
        return sorted(p for ps in self.photos.values() for p in ps)


@pytest.fixture(scope="session")
def pascal_library(
    pascal_photos: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> IndexedLibrary:
    """A profile with the Pascal photos indexed through the CLI. Tests must not change it."""
    data_dir = tmp_path_factory.mktemp("pascal-profile")
    folder = next(iter(pascal_photos.values()))[0].parent
    result = run_cli(data_dir, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return IndexedLibrary(data_dir, folder, pascal_photos)


@pytest.fixture(scope="session")
def words_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One profile for every word test: its 400k-word Annoy index takes seconds to build."""
    return tmp_path_factory.mktemp("words-profile")


@pytest.fixture
def synthetic_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder of eight synthetic JPEG photos."""
    folder = tmp_path / "photos"
    make_photos(folder, 8)
    yield folder


def run_index(library: Any, folders: Sequence[Path] | None = None) -> Any:
    """Drive Library.index to the end, as the CLI does; returns the IndexSummary."""
    run = library.index(folders)
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value


class EncoderSpy:
    """Counts the photos the CNN is run on."""

    def __init__(self) -> None:
        self.photos = 0


@pytest.fixture
def encoder_spy(monkeypatch: pytest.MonkeyPatch) -> EncoderSpy:
    from core.models.encoder import ImageEncoder

    spy = EncoderSpy()
    real = ImageEncoder.encode

    def counting(self: ImageEncoder, pixels: np.ndarray) -> Any:
        spy.photos += len(pixels)
        return real(self, pixels)

    monkeypatch.setattr(ImageEncoder, "encode", counting)
    return spy


def garble(path: Path) -> None:
    """Overwrite a file with garbage of the same size (and a newer mtime, as any writer leaves)."""
    size = path.stat().st_size
    path.write_bytes(os.urandom(size))
    assert path.stat().st_size == size


def truncate(path: Path) -> None:
    """Cut a file to half its size."""
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
