"""Regenerate docs/screenshot.png: the library browser (folder tree, month headers, menu bar,
a photo's tags and details) on freely licensed photos.

The photos are scikit-image's bundled samples (public domain or CC0; see PHOTOS below),
taken from its wheel, which is downloaded with `pip download --no-deps scikit-image` and
never installed. They are sorted into three folders and dated over a few months (file times),
then a temporary profile is built, indexed and photographed offscreen. --extras also saves the
empty state, a search, and the dark palette (PHOTOSEARCH_THEME=dark) next to --out.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/screenshot.py [--out docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# file in skimage/data -> (name in the library, crop box as fractions or None, licence)
PHOTOS: dict[str, list[tuple[str, tuple[float, float, float, float] | None]]] = {
    "chelsea.png": [("chelsea-the-cat.jpg", None), ("chelsea-close-up.jpg", (0.2, 0.0, 0.75, 0.8))],
    "coffee.png": [("coffee.jpg", None), ("coffee-cup.jpg", (0.1, 0.1, 0.7, 0.9))],
    "astronaut.png": [("astronaut.jpg", None), ("astronaut-portrait.jpg", (0.25, 0.0, 0.85, 0.6))],
    "rocket.jpg": [("rocket-launch.jpg", None), ("rocket-detail.jpg", (0.3, 0.1, 0.8, 0.7))],
    "camera.png": [("cameraman.jpg", None)],
    "hubble_deep_field.jpg": [("deep-field.jpg", None), ("galaxies.jpg", (0.0, 0.0, 0.5, 0.5))],
    "grass.png": [("grass.jpg", None)],
    "gravel.png": [("gravel.jpg", None)],
    "brick.png": [("brick-wall.jpg", None)],
    "coins.png": [("old-coins.jpg", None)],
    "retina.jpg": [("retina.jpg", None)],
    "horse.png": [("horse-silhouette.jpg", None)],
}
LICENCES = (
    "scikit-image sample data: astronaut, rocket, hubble_deep_field (NASA/SpaceX, public "
    "domain); chelsea, coffee, camera, grass, gravel, brick, retina, horse (CC0); coins "
    "(no known copyright restrictions)."
)


def fetch_skimage_data(workdir: Path) -> Path:
    """skimage/data from the scikit-image wheel (downloaded, not installed)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "scikit-image", "-d", workdir],
        check=True,
    )
    wheel = next(workdir.glob("scikit_image-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.startswith("skimage/data/") and Path(name).name in PHOTOS:
                z.extract(name, workdir)
    return workdir / "skimage" / "data"


FOLDERS = {
    "chelsea.png": "Home",
    "coffee.png": "Home",
    "camera.png": "Home",
    "astronaut.png": "Trips/Florida",
    "rocket.jpg": "Trips/Florida",
    "hubble_deep_field.jpg": "Trips/Observatory",
}  # the rest: "Textures"


def build_photos(source: Path, root: Path) -> int:
    """The sample photos in folders below root, dated one every ten days back from June 2024."""
    from datetime import datetime, timedelta

    from PIL import Image

    count = 0
    newest = datetime(2024, 6, 20, 12, 0)
    for file, variants in PHOTOS.items():
        target = root / FOLDERS.get(file, "Textures")
        target.mkdir(parents=True, exist_ok=True)
        with Image.open(source / file) as original:
            im = original.convert("RGB")
        for name, box in variants:
            out = im
            if box is not None:
                w, h = im.size
                out = im.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
            out.save(target / name, quality=90)
            stamp = (newest - timedelta(days=10 * count)).timestamp()
            os.utime(target / name, (stamp, stamp))
            count += 1
    return count


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QThread

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the expected state")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--skimage-data", type=Path, help="a skimage/data folder (else download)")
    parser.add_argument("--query", default="cat")
    parser.add_argument("--extras", action="store_true", help="also save empty-state.png etc.")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from core.library import Library
    from core.storage.profile import resolve_profile
    from gui.main_window import MainWindow
    from gui.style import apply_style

    with tempfile.TemporaryDirectory(prefix="photosearch-shot-") as tmp:
        work = Path(tmp)
        source = args.skimage_data or fetch_skimage_data(work / "wheel")
        photos = work / "Pictures"
        n = build_photos(source, photos)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        apply_style(app)

        library = Library(resolve_profile(work / "profile"))
        window = MainWindow(library)
        window.resize(1280, 800)
        window.show()
        window.start(rescan=False)
        wait_until(lambda: window.loaded)
        out: Path = args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        if args.extras:
            window.grab().save(str(out.with_name("empty-state.png")))

        window.add_folder(str(photos))
        wait_until(lambda: window.library_model.rowCount() == n and not window.indexing)
        window.loader.wait()
        wait_until(lambda: not window.loader._pending)
        if args.extras:
            window.grab().save(str(out.with_name("library.png")))

        # The shot: the library newest first under month headers, the folder tree open, one
        # photo selected with its tags and details.
        tree = window.sidebar.tree
        tree.expandAll()
        window.gallery.setCurrentIndex(window.library_model.index(1))
        wait_until(lambda: len(window.tag_panel.tag_words) > 0 and bool(window.details.class_names))
        window.loader.wait()
        wait_until(lambda: not window.loader._pending)
        window.statusBar().clearMessage()
        window.gallery.setFocus()  # no text cursor blinking in the search field
        app.processEvents()
        if not window.grab().save(str(out)):
            raise OSError(f"cannot write {out}")
        if args.extras:
            window.search_bar.set_text(args.query)
            window.search(args.query)
            wait_until(lambda: window.showing_results and bool(window.search_bar.suggestion_words))
            window.loader.wait()
            wait_until(lambda: not window.loader._pending)
            app.processEvents()
            window.grab().save(str(out.with_name("search.png")))
            window.navigator.back()
            apply_style(app, "dark")
            app.processEvents()
            window.grab().save(str(out.with_name("dark.png")))
        window.shutdown()
        library.close()
    print(f"wrote {out} ({n} photos; {LICENCES})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
