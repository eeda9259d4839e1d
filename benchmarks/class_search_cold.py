"""What the first `similar --class` costs in a fresh process, now that the class search reads the
catalog's 8-bit features into memory instead of memory-mapping a copy of them.

    .venv/bin/python -m benchmarks.class_search_cold [--photos 10000 100000]

For each size: a catalog of that many photos (features mixed from the real shared photos, as in
benchmarks/recall.py) and its class-search cache, built here; then a fresh Python process, with
the profile's files dropped from the page cache as after a reboot, opens the catalog and runs
one class-conditioned query, then a second. Printed: wall and CPU seconds of the first query
(loading included) and milliseconds of the second, and the process's peak resident set. The
image encoder's own start (the query photo's features) is the same either way and left out.

    .venv/bin/python -m benchmarks.class_search_cold --cli [--photos 10000 100000]

The whole thing instead: a full synthetic library (benchmarks/query_latency.py, every index
built) and `main.py similar PHOTO --class "tabby cat"` in three fresh processes, each after
dropping the profile from the page cache, beside plain `similar` as the baseline.
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

import numpy as np

from benchmarks.query_latency import synthetic_library
from benchmarks.recall import feature_maker, real_features
from core.models.encoder import ImageEncoder
from core.storage.catalog import Catalog, feature_blob, path_key
from core.vectors.feature_cache import FeatureCache

MODEL = "efficientnet-lite0"
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
assert os.waitstatus_to_exitcode(status) == 0
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""
DIM = 1280


def make_catalog(path: Path, n: int) -> None:
    """n photos with made-up paths and features mixed from real photos."""
    make = feature_maker(real_features())
    rng = np.random.default_rng(0)
    catalog = Catalog(path)
    with catalog.transaction() as c:
        for start in range(0, n, 5000):
            count = min(5000, n - start)
            feats = make(rng, count)
            for i, f in enumerate(feats):
                cur = c.execute(
                    "INSERT INTO photos(path, size, mtime_ns, status, indexed_at) "
                    "VALUES (?, 1000, 0, 'ok', 0)",
                    (path_key(f"/photos/{start + i:07d}.jpg"),),
                )
                c.execute(
                    "INSERT INTO features(photo_id, model, vector) VALUES (?, ?, ?)",
                    (cur.lastrowid, MODEL, feature_blob(f)),
                )
    catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    catalog.close()


def cache_for(profile: Path) -> tuple[FeatureCache, np.ndarray]:
    weights = ImageEncoder(MODEL).head[0]
    catalog = Catalog(profile / "catalog.sqlite3")
    return FeatureCache(catalog, profile / "indexes", MODEL, DIM, lambda: weights), weights


def child(profile: Path) -> None:
    """One fresh process: the first and second query, timed."""
    drop_page_cache(profile)
    wall, cpu = time.perf_counter(), time.process_time()
    cache, weights = cache_for(profile)
    query = cache.catalog.features([7], MODEL, DIM)[0]
    cache.class_similar(query, weights[281], 10)
    first = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    cache.class_similar(query, weights[285], 10)
    second = (time.perf_counter() - wall, time.process_time() - cpu)
    # VmHWM, not ru_maxrss: that keeps the peak of the (large) parent this was forked from.
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    peak = int(status.split()[0]) / 1024
    print(json.dumps({"first": first, "second": second, "peak_mib": peak}))


def drop_page_cache(profile: Path) -> None:
    """Evict the profile's files from the page cache, as after a reboot (clean pages only)."""
    for f in profile.rglob("*"):
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)


def cli_rows(root: Path, n: int) -> list[str]:
    """Markdown rows: three cold runs of the real CLI, with and without --class."""
    library, photo = synthetic_library(root, n, feature_maker(real_features()))
    library.close()
    rows = []
    for rep in range(3):
        for extra in (["--class", "tabby cat"], []):
            drop_page_cache(root / "profile")
            load = os.getloadavg()[0]
            argv = [sys.executable, "main.py", "--data-dir", str(root / "profile")]
            argv += ["similar", str(photo), *extra]
            # A small launcher: a child forked from this (large) process would report its
            # resident set as its own peak.
            out = subprocess.run(
                [sys.executable, "-c", LAUNCHER, *argv], capture_output=True, text=True, check=True
            )
            wall, cpu, peak = json.loads(out.stdout)
            rows.append(
                f"| {n:,} | {'similar --class' if extra else 'similar'} | {rep + 1} | {wall:.2f} | "
                f"{cpu:.2f} | {peak / 1024:.0f} MiB | {load:.1f} |"
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--cli", action="store_true", help="time the real CLI, cold")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.cli:
        print("| photos | command | run | wall s | CPU s | peak RSS | load |")
        print("|---|---|---|---|---|---|---|")
        for n in args.photos:
            with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                for row in cli_rows(Path(tmp), n):
                    print(row, flush=True)
        sizes = " ".join(map(str, args.photos))
        print(f"\ncommand: .venv/bin/python -m benchmarks.class_search_cold --cli --photos {sizes}")
        return 0
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| photos | build (wall / CPU s) | first query (wall / CPU s) | second (ms) | peak RSS |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for n in args.photos:
            profile = Path(tmp) / f"profile-{n}"
            (profile / "indexes").mkdir(parents=True)
            make_catalog(profile / "catalog.sqlite3", n)
            cache, _ = cache_for(profile)
            wall, cpu = time.perf_counter(), time.process_time()
            cache.build()
            build = (time.perf_counter() - wall, time.process_time() - cpu)
            cache.catalog.close()
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.class_search_cold", "--child", str(profile)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {n:,} | {build[0]:.1f} / {build[1]:.1f} | {r['first'][0]:.2f} / "
                f"{r['first'][1]:.2f} | {r['second'][0] * 1e3:.1f} | {r['peak_mib']:.0f} MiB |"
            )
    sizes = " ".join(map(str, args.photos))
    print(f"\ncommand: .venv/bin/python -m benchmarks.class_search_cold --photos {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
