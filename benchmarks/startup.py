"""Start-up time of the desktop app on an already indexed 10,000-photo library.

Builds a synthetic profile once: 10,000 catalog rows with random float16 features, pointing
at hard links (different names) to a few real JPEGs, then the search indexes. Then it starts
the app in fresh processes, as a user would, and reports for each start:

  shown    process start -> main window shown and its event loop running
  gallery  process start -> gallery model holds all 10,000 photos
  thumbs   process start -> the thumbnails of the first screen are painted ("usable")
  frame    time to repaint the grid while scrolling through the whole library (median, p95)

The first start has a cold thumbnail cache; the second finds the thumbnails on disk. Each
start also checks that onnxruntime is not loaded: no query has needed the model yet, and the
background rescan finds every photo unchanged.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py [--photos 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = 1.5  # issue 12: usable (first screen of thumbnails) within 1.5 s


def build_library(root: Path, count: int) -> Path:
    """A profile whose catalog holds count indexed photos; returns the data dir."""
    sys.path.insert(0, str(REPO))
    import numpy as np
    from PIL import Image, ImageDraw

    from core.library import Library
    from core.storage.catalog import feature_blob, path_key
    from core.storage.profile import resolve_profile

    sources = root / "sources"
    sources.mkdir(parents=True)
    originals = []
    for i in range(5):
        im = Image.new("RGB", (640, 480), ((50 * i) % 256, 120, 255 - 40 * i))
        ImageDraw.Draw(im).ellipse((100 + 20 * i, 80, 400, 380), fill=(240, 240, 240))
        path = sources / f"source_{i}.jpg"
        im.save(path, quality=85)
        originals.append(path)

    photos = root / "Photos"
    library = Library(resolve_profile(root / "profile"))
    dim = library.encoder.feature_dim
    model = library.backbone
    rng = np.random.default_rng(0)
    photos.mkdir()
    library.add_folder(photos)
    now = time.time()
    with library.catalog.transaction() as c:
        for i in range(count):
            folder = photos / f"{2000 + i // 1000}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"IMG_{i:05d}.jpg"
            os.link(originals[i % len(originals)], target)
            st = target.stat()
            cur = c.execute(
                "INSERT INTO photos(path, size, mtime_ns, hash, status, width, height, indexed_at,"
                " taken) VALUES (?, ?, ?, ?, 'ok', 640, 480, ?, ?)",
                # Capture dates over ten years: the date-sorted gallery has ~120 month headers.
                (
                    path_key(target),
                    st.st_size,
                    st.st_mtime_ns,
                    rng.bytes(16),
                    now,
                    now - i * 31_000,
                ),
            )
            vector = rng.uniform(0, 6, dim).astype(np.float16) * (rng.random(dim) < 0.3)
            c.execute(
                "INSERT INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                (cur.lastrowid, model, feature_blob(vector)),
            )
    library.refresh_indexes()
    library.close()
    return root / "profile"


def start_once(data_dir: Path, photos: int) -> dict[str, float | bool]:
    """Start the app in a fresh process; returns its timings."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(data_dir), "--photos", str(photos)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    spawn = time.perf_counter() - started
    line = next(x for x in out.stdout.splitlines() if x.startswith("{"))
    result: dict[str, float | bool] = json.loads(line)
    result["process_s"] = spawn
    return result


def child(data_dir: Path, photos: int) -> int:
    """Runs in the measured process: time from interpreter start, via the process clock."""
    t0 = time.time() - _process_age()
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from core.library import Library
    from core.storage.profile import resolve_profile
    from gui.main_window import MainWindow
    from gui.style import apply_style

    app = QApplication(sys.argv[:1])
    apply_style(app)
    library = Library(resolve_profile(data_dir), repair=True)
    window = MainWindow(library)
    window.resize(1280, 800)
    window.show()
    window.start()  # loads the gallery and rescans the folders in the background
    marks: dict[str, float] = {}
    onnx_loaded = {"at_shown": True, "at_end": True}

    def shown() -> None:
        marks["shown"] = time.time() - t0
        onnx_loaded["at_shown"] = "onnxruntime" in sys.modules

    def visible_thumbnails_ready() -> bool:
        view = window.gallery
        model = window.library_model
        for row in range(min(model.rowCount(), 24)):
            index = model.index(row)
            on_screen = view.visualRect(index).intersects(view.viewport().rect())
            if on_screen and window.loader.pixmap(model.path_at(row)) is None:
                return False
        return model.rowCount() > 0

    def poll() -> None:
        now = time.time() - t0
        if "gallery" not in marks and window.library_model.rowCount() == photos:
            marks["gallery"] = now
        if "gallery" in marks and "thumbs" not in marks and visible_thumbnails_ready():
            marks["thumbs"] = now
        if ("thumbs" in marks and not window.indexing) or now > 60:
            onnx_loaded["at_end"] = "onnxruntime" in sys.modules
            marks["frame_ms"], marks["p95_frame_ms"] = scroll_frame_ms()
            app.quit()

    def scroll_frame_ms() -> tuple[float, float]:
        """Median and 95th-percentile time to repaint the grid, scrolled as a mouse wheel
        does (three rows of 40 px a notch, 300 notches), then jumping through the library."""
        bar = window.gallery.verticalScrollBar()
        frames = []
        window.gallery.viewport().repaint()  # the grid's first layout is start-up, not a frame
        positions = [min(bar.maximum(), 120 * notch) for notch in range(300)]
        positions += [bar.maximum() * step // 59 for step in range(60)]
        for value in positions:
            began = time.perf_counter()
            bar.setValue(value)
            window.gallery.viewport().repaint()
            app.processEvents()  # thumbnails that arrived meanwhile are painted in the frame
            frames.append(time.perf_counter() - began)
        frames.sort()
        return 1000 * frames[len(frames) // 2], 1000 * frames[int(len(frames) * 0.95)]

    QTimer.singleShot(0, shown)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(5)
    app.exec()
    window.shutdown()
    library.close()
    result = {k: round(v, 3) for k, v in marks.items()}
    print(
        json.dumps(
            {
                **result,
                "onnxruntime_loaded_when_shown": onnx_loaded["at_shown"],
                "onnxruntime_loaded_after_rescan": onnx_loaded["at_end"],
            }
        )
    )
    return 0


def _process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child, args.photos)

    command = "QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py"
    with tempfile.TemporaryDirectory(prefix="photosearch-startup-") as tmp:
        began = time.perf_counter()
        data_dir = build_library(Path(tmp), args.photos)
        print(f"built a {args.photos:,}-photo library in {time.perf_counter() - began:.1f} s")
        failed = False
        for label in ("cold thumbnail cache", "warm thumbnail cache"):
            r = start_once(data_dir, args.photos)
            print(
                f"{label}: window shown {r['shown']:.2f} s, gallery of {args.photos:,} photos "
                f"{r['gallery']:.2f} s, first screen of thumbnails {r['thumbs']:.2f} s "
                f"(process total incl. rescan and exit {r['process_s']:.2f} s); scrolling "
                f"repaints in {r['frame_ms']:.1f} ms a frame (median; 95th percentile "
                f"{r['p95_frame_ms']:.1f} ms); onnxruntime "
                f"loaded: {r['onnxruntime_loaded_when_shown']} when shown, "
                f"{r['onnxruntime_loaded_after_rescan']} after the rescan"
            )
            failed |= bool(
                r["onnxruntime_loaded_when_shown"] or r["onnxruntime_loaded_after_rescan"]
            )
            failed |= float(r["thumbs"]) > BUDGET_S
    print(f"budget: usable (first screen of thumbnails) within {BUDGET_S} s; command: {command}")
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
