"""Query latency at 10k and 100k photos, cold-start CLI time, and disk use per photo.

    .venv/bin/python -m benchmarks.query_latency [--sizes 10000 100000]

Libraries are synthetic (random non-negative features stored in a real catalog, indexes built
by the app's own code) except for one real photo, so `similar` on it is a genuine CLI call.
Latency is timed inside the process after one warm-up query; p50/p95 over 200 queries.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from core.library import Library
from core.storage.catalog import feature_blob, path_key
from core.storage.profile import REPO_ROOT, resolve_profile

WORDS = ["cat", "dog", "beach", "car", "tree", "snow", "kitchen", "horse", "boat", "street"]


FeatureMaker = Callable[[np.random.Generator, int], np.ndarray]


def random_features(rng: np.random.Generator, count: int) -> np.ndarray:
    return np.abs(rng.normal(0, 1, (count, 1280))) * rng.uniform(0.2, 2.0, (count, 1))


def synthetic_library(
    root: Path, n: int, make: FeatureMaker = random_features
) -> tuple[Library, Path]:
    """A profile with n photos: one real JPEG, the rest catalog rows with made-up features."""
    rng = np.random.default_rng(0)
    photo_dir = root / "photos"
    photo_dir.mkdir(parents=True)
    real = photo_dir / "real.jpg"
    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(real)
    library = Library(resolve_profile(root / "profile"))
    library.add_folder(photo_dir)
    run = library.index([photo_dir])
    for _ in run:
        pass
    now = time.time()
    with library.catalog.transaction() as c:
        for start in range(0, n - 1, 5000):
            rows = []
            count = min(5000, n - 1 - start)
            feats = make(rng, count)
            for i in range(count):
                key = path_key(photo_dir / f"synthetic/{start + i:07d}.jpg")
                rows.append((key, 1000, 0, rng.bytes(16), now))
            c.executemany(
                "INSERT INTO photos(path, size, mtime_ns, hash, status, indexed_at) "
                "VALUES (?, ?, ?, ?, 'ok', ?)",
                rows,
            )
            ids = [
                r[0] for r in c.execute("SELECT id FROM photos ORDER BY id DESC LIMIT ?", (count,))
            ]
            c.executemany(
                "INSERT INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                [
                    (pid, library.backbone, feature_blob(f))
                    for pid, f in zip(sorted(ids), feats, strict=True)
                ],
            )
    library.refresh_indexes(force=True)
    return library, real


def percentiles(fn: Callable[[str], object], args: list[str], reps: int) -> tuple[float, float]:
    """(p50, p95) in ms of fn over reps calls, after one warm-up call."""
    fn(args[0])
    times = []
    for i in range(reps):
        start = time.perf_counter()
        fn(args[i % len(args)])
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def query_rows(library: Library, n: int) -> list[str]:
    """Markdown rows: p50/p95 of every query kind on this library."""
    ids = library.catalog.ok_photos()
    sample = [p for _, p in ids[:: max(1, len(ids) // 50)]][:50]
    cases: list[tuple[str, Callable[[str], object], list[str], int]] = [
        ("similar", lambda p: library.find_similar(p, 10), sample, 200),
        ("search (1 word)", lambda w: library.search([w], 10), WORDS, 200),
        ("search (2 words, one negated)", lambda w: library.search([w, "-people"], 10), WORDS, 200),
        ("tags", lambda p: library.tags(p, 10), sample, 200),
        ("similar --class", lambda p: library.find_similar(p, 10, "tabby"), sample, 20),
    ]
    rows = []
    for name, fn, qargs, reps in cases:
        p50, p95 = percentiles(fn, qargs, reps)
        rows.append(f"| {n:,} | {name} | {p50:.1f} | {p95:.1f} |")
    return rows


def cold_similar(profile: Path, photo: Path) -> list[float]:
    """Seconds of five whole `main.py similar` processes."""
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "main.py",
                "--data-dir",
                str(profile),
                "similar",
                str(photo),
                "--json",
            ],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def disk_per_photo(profile: Path, n: int) -> dict[str, float]:
    sizes: dict[str, float] = {}
    for p in profile.rglob("*"):
        if p.is_file() and "cache" not in p.parts and "glove" not in p.name:
            group = "catalog" if p.name.startswith("catalog") else p.name.split(".")[0]
            sizes[group] = sizes.get(group, 0.0) + p.stat().st_size / n
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    print("| photos | query | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    notes = []
    for n in args.sizes:
        root = Path(tempfile.mkdtemp(prefix="ps-latency-"))
        try:
            t0 = time.perf_counter()
            library, real = synthetic_library(root, n)
            notes.append(
                f"{n:,} photos: catalog + indexes built in {time.perf_counter() - t0:.0f} s"
            )
            library.similar_words("cat")  # builds the shared GloVe index once
            for row in query_rows(library, n):
                print(row)
            library.close()
            cold = cold_similar(root / "profile", real)
            notes.append(
                f"{n:,} photos: CLI `similar` on an indexed photo, whole process: "
                f"median {np.median(cold):.2f} s, max {max(cold):.2f} s"
            )
            sizes = disk_per_photo(root / "profile", n)
            parts = ", ".join(f"{k} {v / 1024:.2f} KiB" for k, v in sorted(sizes.items()))
            notes.append(
                f"{n:,} photos: disk per photo {sum(sizes.values()) / 1024:.2f} KiB ({parts})"
            )
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print()
    for line in notes:
        print(f"- {line}")
    size_args = " ".join(map(str, args.sizes))
    print(f"\ncommand: .venv/bin/python -m benchmarks.query_latency --sizes {size_args}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
