"""What the first `similar --class` costs in a fresh process, now that the class search reads the
catalog's 8-bit features into memory instead of memory-mapping a copy of them.

    .venv/bin/python -m benchmarks.class_search_cold [--photos 10000 100000]

For each size: a catalog of that many photos (features mixed from the real shared photos, as in
benchmarks/recall.py) and its class-search cache, built here; then a fresh Python process, with
the profile's files dropped from the page cache as after a reboot, opens the catalog and runs
one class-conditioned query, then a second. Printed: wall and CPU seconds of the first query
(loading included) and milliseconds of the second, and the process's peak resident set. The
image encoder's own start (the query photo's features) is the same either way and left out.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.recall import feature_maker, real_features
from core.catalog import Catalog, feature_blob, path_key
from core.feature_cache import FeatureCache
from core.models import ImageEncoder

MODEL = "efficientnet-lite0"
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
    for f in profile.rglob("*"):
        if f.is_file():  # from disk, as after a reboot
            fd = os.open(f, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
    wall, cpu = time.perf_counter(), time.process_time()
    cache, weights = cache_for(profile)
    query = cache.catalog.features([7], MODEL, DIM)[0]
    cache.class_similar(query, weights[281], 10)
    first = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    cache.class_similar(query, weights[285], 10)
    second = (time.perf_counter() - wall, time.process_time() - cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first": first, "second": second, "peak_mib": peak}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
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
    print(f"\ncommand: .venv/bin/python -m benchmarks.class_search_cold --photos {args.photos}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
