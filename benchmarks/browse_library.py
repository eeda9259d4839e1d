"""Browsing speed at 10,000 photos: browse, folder tree, date filter, re-index of an unchanged
folder (what a file-system watcher triggers), remove and undo, near-duplicates.

    .venv/bin/python -m benchmarks.browse_library [--photos 10000]

The photos are real files (small JPEGs in 100 nested folders, mtimes spread over ten years);
their catalog rows and random features are written straight into the catalog, as the indexer
would leave them, so that no CNN runs. Each figure is the median of 5 runs after a warm-up.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from core.library import Library
from core.media.dates import ids_outside_dates
from core.storage.catalog import feature_blob, path_key
from core.storage.profile import resolve_profile


def make_library(root: Path, n: int) -> tuple[Library, Path]:
    rng = np.random.default_rng(0)
    photos = root / "photos"
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(buf, format="JPEG")
    data = buf.getvalue()
    start = time.mktime((2015, 1, 1, 0, 0, 0, 0, 0, -1))
    files = []
    for i in range(n):
        folder = photos / f"{2015 + i % 10}" / f"event-{i % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"IMG_{i:05d}.jpg"
        path.write_bytes(data + i.to_bytes(4, "big"))  # distinct content, as real photos
        t = start + (i % 10) * 365 * 86400 + rng.uniform(0, 300 * 86400)
        os.utime(path, (t, t))
        files.append(path)
    library = Library(resolve_profile(root / "profile"))
    library.add_folder(photos)
    dim = library.encoder.feature_dim
    feats = np.abs(rng.normal(0, 1, (n, dim))).astype(np.float32)
    with library.catalog.transaction() as c:
        for i, path in enumerate(files):
            st = path.stat()
            cur = c.execute(
                "INSERT INTO photos(path, size, mtime_ns, status, taken, indexed_at) "
                "VALUES (?, ?, ?, 'ok', ?, 0)",
                (path_key(path), st.st_size, st.st_mtime_ns, st.st_mtime),
            )
            c.execute(
                "INSERT INTO features VALUES (?, ?, ?)",
                (cur.lastrowid, library.backbone, feature_blob(feats[i])),
            )
    return library, photos


def run_index(library: Library, folders: list[Path] | None = None) -> None:
    for _ in library.index(folders):
        pass


def timed(label: str, work: Callable[[], object], runs: int = 5) -> None:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    print(f"{label}: {statistics.median(times) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library, photos = make_library(Path(tmp), args.photos)
        run_index(library)  # builds the search indexes once
        n = len(library.browse())
        print(f"{n:,} photos in {len(library.folder_tree()[0].children)} folders")
        timed("browse(), newest first", library.browse)
        timed("browse(sort='name')", lambda: library.browse(sort="name"))
        timed("browse(one folder)", lambda: library.browse(photos / "2019"))
        timed("folder_tree()", library.folder_tree)
        timed(
            "date filter ids (one year)",
            lambda: ids_outside_dates(library.catalog, date(2019, 1, 1), date(2019, 12, 31)),
        )
        timed("index() of the unchanged library", lambda: run_index(library, [photos]))
        start = time.perf_counter()
        removed = library.remove_folder(photos)
        took = time.perf_counter() - start
        start = time.perf_counter()
        restored = library.restore_folder(photos)
        print(f"remove_folder ({removed:,} photos): {took * 1000:.0f} ms")
        print(
            f"restore_folder ({restored:,} photos): {(time.perf_counter() - start) * 1000:.0f} ms"
        )
        start = time.perf_counter()
        hits = library.find_similar(photos / "2024" / "event-009" / "IMG_00009.jpg", 10)
        print(f"first query after the undo: {(time.perf_counter() - start) * 1000:.0f} ms")
        assert len(hits) == 10
        timed("near_duplicates()", library.near_duplicates, runs=3)
        library.close()


if __name__ == "__main__":
    main()
