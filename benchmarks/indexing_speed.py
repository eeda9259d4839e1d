"""Indexing throughput and peak memory on 12-megapixel JPEGs, end to end through the CLI.

    .venv/bin/python -m benchmarks.indexing_speed [--count 200]

Phone-sized photos are made by upscaling the shared Pascal photos to 4000x3000 (cached in
benchmarks/out/12mp, git-ignored). The run is the real `main.py index --json` in a fresh
process and profile; photos/s counts everything: scan, read, hash, decode, CNN, catalog
writes and the index build. For comparison it also times a plain sequential loop (draft
decode, one photo per inference call) and, on a few photos, full-size decoding.
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
from PIL import Image

from core.paths import REPO_ROOT
from evaluation import pascal

OUT = REPO_ROOT / "benchmarks" / "out" / "12mp"
SEED_PHOTOS_PER_S = 4.0  # the seed design (full-size decode + VGG16) on this machine, per issue 2


def make_photos(count: int) -> list[Path]:
    """count 4000x3000 JPEGs upscaled from the shared photos (made once, then reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    sources = [p.path for p in pascal.load_photos()]
    paths = []
    for i in range(count):
        dst = OUT / f"IMG_{i:05d}.jpg"
        if not dst.exists():
            with Image.open(sources[i % len(sources)]) as im:
                big = im.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
                big.save(dst, quality=92)
        paths.append(dst)
    return paths


def cli_index(folder: Path) -> tuple[float, dict[str, object], float]:
    """(seconds, summary, peak RSS in MiB) of `main.py index` in a fresh process and profile."""
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "main.py", "--data-dir", profile, "index", str(folder), "--json"],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, json.loads(out.stdout), peak_kib / 1024


def sequential(paths: list[Path], draft: bool) -> float:
    """photos/s of a plain loop: decode, then one inference call per photo."""
    from core.decode import centre_crop_resize, open_image, read_file
    from core.models import ImageEncoder

    encoder = ImageEncoder()
    encoder.encode(np.zeros((1, 224, 224, 3), np.uint8))  # load the session outside the timing
    start = time.perf_counter()
    for p in paths:
        im = open_image(read_file(p), draft_size=224 if draft else None)
        encoder.encode(centre_crop_resize(im, 224)[None])
    return len(paths) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    paths = make_photos(args.count)
    folder = Path(tempfile.mkdtemp(prefix="ps-12mp-"))
    for p in paths:  # a folder of exactly these photos, without copying gigabytes
        os.link(p, folder / p.name)
    seconds, summary, peak = cli_index(folder)
    rate = args.count / seconds
    seq = sequential(paths[:60], draft=True)
    full = sequential(paths[:10], draft=False)
    print(f"| {args.count} photos, 4000x3000 JPEG | value |")
    print("|---|---|")
    print(f"| `index` end to end | {seconds:.1f} s = **{rate:.1f} photos/s** |")
    print(f"| peak memory (RSS) of the index process | {peak:.0f} MiB |")
    print(f"| sequential loop, draft decode, 1 photo per call | {seq:.1f} photos/s |")
    print(f"| sequential loop, full-size decode | {full:.1f} photos/s |")
    seed = f"vs the seed design's ~{SEED_PHOTOS_PER_S:g} photos/s"
    print(f"| {seed} | {rate / SEED_PHOTOS_PER_S:.1f}x |")
    print(f"\nadded={summary['added']} skipped={len(summary['skipped'])}")  # type: ignore[arg-type]
    print(f"command: .venv/bin/python -m benchmarks.indexing_speed --count {args.count}")
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
