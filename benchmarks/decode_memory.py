"""Peak memory while indexing one huge photo, each in a fresh process.

    python -m benchmarks.decode_memory [--side 14000] [--work DIR]

Writes 196 MP PNGs (16-bit grey, 16-bit RGB, 8-bit RGBA) and a sparse 500 MB file into a
temporary folder, then indexes each alone with the real indexer (decode, CNN, catalog) in a
child process and prints its peak RSS. The goal is at most 1 GiB for any single photo.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
GOAL_MIB = 1024

# PNG colour types and samples per pixel.
COLOUR_TYPES = {"grey": (0, 1), "rgb": (2, 3), "rgba": (6, 4)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_big_png(path: Path, width: int, height: int, colour: str, bits: int) -> Path:
    """A width x height PNG written a row at a time: smooth gradients, so it compresses well."""
    ctype, samples = COLOUR_TYPES[colour]
    dtype = np.dtype(">u2") if bits == 16 else np.dtype(np.uint8)
    top = 65535 if bits == 16 else 255
    ramp = (np.arange(width, dtype=np.float64) / max(width - 1, 1) * top).astype(dtype)
    row = np.repeat(ramp[:, None], samples, axis=1)
    if samples == 4:
        row[:, 3] = top  # opaque
    raw_row = b"\x00" + row.tobytes()  # filter type 0 (none)
    z = zlib.compressobj(1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, ctype, 0, 0, 0)))
        pending = bytearray()
        for _ in range(height):
            pending += z.compress(raw_row)
            if len(pending) > 1 << 20:
                f.write(_chunk(b"IDAT", bytes(pending)))
                pending.clear()
        pending += z.flush()
        f.write(_chunk(b"IDAT", bytes(pending)))
        f.write(_chunk(b"IEND", b""))
    return path


def write_sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (a hole)."""
    with open(path, "wb") as f:
        f.truncate(size)
        f.seek(0)
        f.write(b"\x89PNG\r\n\x1a\n")
    return path


CHILD = """
import json, resource, sys, time
from pathlib import Path
from core.library import Library
from core.storage.profile import resolve_profile
lib = Library(resolve_profile(sys.argv[1]))
start = time.perf_counter()
run = lib.index([Path(sys.argv[2])])
try:
    while True:
        next(run)
except StopIteration as stop:
    summary = stop.value
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_mib": round(peak), "seconds": round(time.perf_counter() - start, 1),
                  "added": summary.added, "skipped": [s.reason for s in summary.skipped]}))
"""


def measure(photo: Path, work: Path) -> dict[str, object]:
    """Index the folder holding only photo, in a fresh process; its peak RSS and outcome."""
    folder = photo.parent
    profile = work / f"profile-{photo.stem}"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(profile), str(folder)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=14000, help="pixels per side (default 14000)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        cases: dict[str, Path] = {}
        for colour, bits in (("grey", 16), ("rgb", 16), ("rgba", 8)):
            name = f"{colour}{bits}"
            (work / name).mkdir()
            t = time.perf_counter()
            cases[name] = write_big_png(
                work / name / f"{name}.png", args.side, args.side, colour, bits
            )
            print(f"wrote {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
        (work / "sparse").mkdir()
        cases["sparse-500MB"] = write_sparse(work / "sparse" / "sparse.png", 500 * 2**20)
        print(f"{'photo':<14} {'peak RSS':>9} {'seconds':>8}  outcome")
        worst = 0
        for name, photo in cases.items():
            r = measure(photo, work)
            peak = int(r["peak_mib"])  # type: ignore[call-overload]
            worst = max(worst, peak)
            outcome = "indexed" if r["added"] else f"skipped: {r['skipped']}"
            print(f"{name:<14} {peak:>6} MiB {r['seconds']:>8}  {outcome}")
        verdict = "met" if worst <= GOAL_MIB else "MISSED"
        print(f"worst peak {worst} MiB; goal <= {GOAL_MIB} MiB: {verdict}")
    return 0 if worst <= GOAL_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
