"""What the feature cache's bit-rot check costs: one SHA-256 pass over its sketch per process.

    python -m benchmarks.feature_cache_check [--photos 10000 100000] [--width 544]

Writes a matrix of the sketch's size (272 float16 a photo, core/vectors/feature_cache.py; the 8-bit
features themselves are read from the catalog, not from a copy) for each photo count and
times the first load's verification (the full checksum) and a later load's (a stat, the
result being remembered).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from core.vectors.ann import file_sha256


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--width", type=int, default=544, help="bytes a photo (the sketch)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    print(f"{'photos':>8} {'matrix':>9} {'first load':>11} {'later loads':>12}")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for n in args.photos:
            path = Path(tmp) / f"features-{n}.npy"
            width = args.width
            matrix = np.lib.format.open_memmap(path, "w+", np.uint8, (n, width))
            for start in range(0, n, 8192):
                matrix[start : start + 8192] = np.random.default_rng(start).integers(
                    0, 256, (min(8192, n - start), width), np.uint8
                )
            matrix.flush()
            del matrix
            fd = os.open(path, os.O_RDONLY)  # from disk, as after a reboot
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
            t = time.perf_counter()
            file_sha256(path)
            first = time.perf_counter() - t
            t = time.perf_counter()
            for _ in range(100):
                path.stat()
            later = (time.perf_counter() - t) / 100
            size = path.stat().st_size / 2**20
            print(f"{n:>8} {size:>6.0f} MiB {first:>9.2f} s {later * 1e6:>9.1f} us")
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
