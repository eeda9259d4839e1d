"""A tiny library of synthetic photos, indexed once per session, copied into each test's profile.

The photos are drawn with Pillow (colours, gradients, shapes), so nothing is downloaded or
committed. Tests never touch the real profile: every Library gets a temporary data folder.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from core.library import Library
from core.models.glove import WordHit
from core.storage.profile import Profile, resolve_profile

pytest.importorskip("pytestqt")

SIZE = (320, 240)


def _draw(kind: int) -> Image.Image:
    w, h = SIZE
    im = Image.new("RGB", SIZE)
    px = im.load()
    assert px is not None
    hue = [(220, 60, 40), (40, 120, 220), (50, 170, 70), (240, 200, 40), (150, 60, 190)][kind % 5]
    for y in range(h):
        for x in range(w):
            t = (x / w + y / h) / 2
            wave = 0.5 + 0.5 * math.sin((x * (kind + 1)) / 17.0)
            px[x, y] = tuple(int(c * (0.4 + 0.6 * t) * (0.7 + 0.3 * wave)) for c in hue)
    d = ImageDraw.Draw(im)
    if kind % 3 == 0:
        d.ellipse((90, 50, 230, 190), fill=(250, 250, 250), outline=(0, 0, 0), width=4)
    elif kind % 3 == 1:
        d.rectangle((60, 40, 260, 200), outline=(20, 20, 20), width=8)
    else:
        for i in range(0, w, 30):
            d.line((i, 0, w - i, h), fill=(255, 255, 255), width=3)
    return im


def make_photos(folder: Path, count: int = 8, broken: bool = True) -> list[Path]:
    """count distinct JPEG photos in folder, plus one corrupt "photo" when broken."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"photo_{i:02d}.jpg"
        _draw(i).save(path, quality=88)
        paths.append(path)
    if broken:
        (folder / "broken.jpg").write_bytes(b"\xff\xd8 this is not really a JPEG")
    return paths


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos") / "Holidays"
    make_photos(folder)
    return folder


@pytest.fixture(scope="session")
def indexed_template(tmp_path_factory: pytest.TempPathFactory, photo_folder: Path) -> Path:
    """A profile with photo_folder added and indexed (built once, then copied)."""
    data_dir = tmp_path_factory.mktemp("template") / "profile"
    library = Library(resolve_profile(data_dir))
    library.add_folder(photo_folder)
    index_now(library)
    library.close()
    return data_dir


def index_now(library: Library) -> None:
    """Run an index to the end, here and now."""
    run = library.index()
    try:
        while True:
            next(run)
    except StopIteration:
        pass


def set_taken(path: Path, year: int, month: int, day: int = 10) -> None:
    """Date a photo without EXIF through its mtime (the capture date falls back to it)."""
    import datetime

    stamp = datetime.datetime(year, month, day, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="session")
def dated_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(profile, folder): Trips/2023/Rome (3 photos, March 2023) and Trips/2024/Paris (3, July
    and August 2024), indexed once."""
    root = tmp_path_factory.mktemp("dated") / "Trips"
    rome = make_photos(root / "2023" / "Rome", 3, broken=False)
    paris = make_photos(root / "2024" / "Paris", 3, broken=False)
    for p in rome:
        set_taken(p, 2023, 3)
    for i, p in enumerate(paris):
        set_taken(p, 2024, 7 if i < 2 else 8, 10 + i)
    data_dir = tmp_path_factory.mktemp("dated-template") / "profile"
    library = Library(resolve_profile(data_dir))
    library.add_folder(root)
    index_now(library)
    library.close()
    return data_dir, root


@pytest.fixture
def dated_profile(tmp_path: Path, dated_template: tuple[Path, Path]) -> Profile:
    target = tmp_path / "profile"
    shutil.copytree(dated_template[0], target)
    return resolve_profile(target)


@pytest.fixture
def own_folder_profile(tmp_path: Path) -> tuple[Profile, Path]:
    """A profile with its own folder of 4 photos, for tests that change files on disk."""
    folder = tmp_path / "Own"
    make_photos(folder, 4, broken=False)
    profile = resolve_profile(tmp_path / "own-profile")
    library = Library(profile)
    library.add_folder(folder)
    index_now(library)
    library.close()
    return profile, folder


@pytest.fixture
def indexed_profile(tmp_path: Path, indexed_template: Path) -> Profile:
    target = tmp_path / "profile"
    shutil.copytree(indexed_template, target)
    return resolve_profile(target)


@pytest.fixture
def empty_profile(tmp_path: Path) -> Profile:
    return resolve_profile(tmp_path / "empty-profile")


def fake_similar_words(word: str, k: int = 10) -> list[WordHit]:
    """Stands in for GloVe neighbours: the real first call builds a 400k-word index (seconds).
    Its own plural and a made-up word are never suggested; "green" is a word the model knows."""
    return [WordHit(w, 0.9 - i / 10) for i, w in enumerate((word + "s", word + "ish", "green"))][:k]


@pytest.fixture(autouse=True)
def _no_real_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # A code path that forgot the data dir must not reach the user's real profile.
    monkeypatch.setenv("PHOTOSEARCH_DATA_DIR", os.fspath(tmp_path / "env-profile"))
    yield


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path) -> Path:
    """QSettings in a temporary folder: never the user's real settings (the window keeps its
    layout in the profile, so nothing should land here at all)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.fspath(folder))
    return folder


class WindowFactory:
    """Opens MainWindows on profiles and closes them (workers stopped) after the test."""

    def __init__(self, qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
        self.qtbot = qtbot
        self.monkeypatch = monkeypatch
        self.opened: list[tuple[object, Library]] = []

    def __call__(self, profile: Profile, rescan: bool = False, real_words: bool = False) -> object:
        from gui.main_window import MainWindow

        library = Library(profile, repair=True)
        if not real_words:
            self.monkeypatch.setattr(library, "similar_words", fake_similar_words)
        window = MainWindow(library)
        self.qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        window.start(rescan=rescan)
        self.opened.append((window, library))
        self.qtbot.waitUntil(lambda: window.loaded, timeout=5000)
        return window

    def close_all(self) -> None:
        for window, library in self.opened:
            window.shutdown()
            library.close()


@pytest.fixture
def open_window(qtbot: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[WindowFactory]:
    from PySide6.QtWidgets import QApplication

    from gui.style import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app, "light")
    factory = WindowFactory(qtbot, monkeypatch)
    yield factory
    factory.close_all()


# What the image model "sees" in every photo, for tests of the class entries: two classes it is
# sure enough of, then two it is not (0.15 is the bar, gui/side_panels.py).
FAKE_CLASSES = [("Egyptian cat", 0.55), ("tabby", 0.2), ("broom", 0.04), ("lynx", 0.03)]


def fake_top_classes(image: object, k: int = 5) -> list[tuple[object, float]]:
    from core.models.imagenet import resolve_class

    return [(resolve_class(name), p) for name, p in FAKE_CLASSES[:k]]
