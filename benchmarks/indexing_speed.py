"""Indexing throughput and memory on 12-megapixel JPEGs, against a full decode in the same run.

    .venv/bin/python -m benchmarks.indexing_speed [--count 300] [--repeat 3] [--photos DIR]

Phone-sized photos are made by upscaling the shared Pascal photos to 4000x3000 (cached in
benchmarks/out/4000x3000, git-ignored, or DIR; --size WxH makes other sizes). Each repeat
runs the real `main.py index --json` in a fresh process and profile; photos/s counts
everything: start-up, scan, read, hash, decode, CNN, catalog writes and the index build.

Around each run, on a sample of the same files, it times a plain full-size Pillow decode
(open + load, one photo after another) and the same followed by one CNN call per photo (the
baseline of issue 13's "0.21x"), so each ratio compares measurements made under the same load:
on a shared machine photos/s move with the load, the ratios much less. CPU ms per photo (all
threads) does not depend on the load at all. Memory is the index process's resident set,
sampled every 50 ms: its peak (VmHWM) and its value at each quarter of the run, to show
that it stays flat. The baseline's CNN is the float model (the issue's baseline); the index
runs whichever encoder the app runs (float; PHOTOSEARCH_INT8_ENCODER=1 in the environment
runs the int8 copy, for before/after pairs). Indexing an empty folder once shows
the fixed cost (start-up, imports, opening the profile) that every run pays.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from core.media.decode import centre_crop_resize
from core.models.encoder import ImageEncoder
from core.storage.profile import REPO_ROOT
from evaluation import pascal

OUT = REPO_ROOT / "benchmarks" / "out"
SIZE = (4000, 3000)


def photo_size(text: str) -> tuple[int, int]:
    """An argparse type for --size: WIDTHxHEIGHT."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not WIDTHxHEIGHT: {text!r}") from None
    return w, h


def make_photos(folder: Path, count: int, size: tuple[int, int] = SIZE) -> list[Path]:
    """count JPEGs of size upscaled from the shared photos (made once, then reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [p.path for p in pascal.load_photos()]
    paths = []
    for i in range(count):
        dst = folder / f"IMG_{i:05d}.jpg"
        if not dst.exists():
            with Image.open(sources[i % len(sources)]) as im:
                big = im.convert("RGB").resize(size, Image.Resampling.BICUBIC)
                big.save(dst, quality=92)
        paths.append(dst)
    return paths


def full_decode_seconds(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds per photo of a plain full-size decode, one photo after another."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        with Image.open(p) as im:
            im.load()
    n = len(paths)
    return (time.perf_counter() - start) / n, (time.process_time() - cpu) / n


def full_decode_and_cnn_seconds(paths: list[Path], encoder: ImageEncoder) -> float:
    """Wall seconds per photo of a full-size decode followed by one CNN call per photo."""
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            encoder.encode(centre_crop_resize(im.convert("RGB"), encoder.input_size)[None])
    return (time.perf_counter() - start) / len(paths)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class IndexRun:
    seconds: float
    cpu_seconds: float  # user + system time of the index process, all its threads
    summary: dict[str, object]
    peak_mib: float
    rss_mib: list[float] = field(default_factory=list)  # at 25, 50, 75 and 100 % of the run
    # Seconds from the start to the end of the scan, and to the start and end of the index build
    # (from the progress lines on stderr): what the photos themselves cost is between the two.
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def embed_seconds(self) -> float:
        """Wall time from the end of the scan to the start of the index build."""
        return self.phases.get("building", self.seconds) - self.phases.get("scanned", 0.0)


def _memory(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) of a live process in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    try:
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (KeyError, ValueError):
        return None


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a live process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_index(folder: Path) -> IndexRun:
    """`main.py index --json` in a fresh process and profile, its RSS sampled meanwhile."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [sys.executable, "main.py", "--data-dir", profile, "index", str(folder), "--json"]
        start, cpu = time.perf_counter(), _children_cpu()
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        samples: list[tuple[float, float, float]] = []

        def sample() -> None:
            while proc.poll() is None:
                mem = _memory(proc.pid)
                if mem is not None:
                    samples.append((time.perf_counter() - start, *mem))
                time.sleep(0.05)

        phases: dict[str, float] = {}

        def watch() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                now = time.perf_counter() - start
                if line.startswith("scanning") and "found" in line:
                    phases["scanned"] = now  # the last such line ends the scan
                    phases["scanned_cpu"] = _cpu_seconds(proc.pid)
                elif line.startswith("building") and "building" not in phases:
                    phases["building"] = now
                    phases["building_cpu"] = _cpu_seconds(proc.pid)
                elif line.startswith("building"):
                    phases["built"] = now

        sampler = threading.Thread(target=sample)
        sampler.start()
        watcher = threading.Thread(target=watch)
        watcher.start()
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
        watcher.join()
        seconds = time.perf_counter() - start
        cpu_seconds = _children_cpu() - cpu
        sampler.join()
        if proc.returncode != 0:
            raise SystemExit(f"index failed with exit code {proc.returncode}")
    peak = max((hwm for _, _, hwm in samples), default=0.0)
    quarters = []
    for q in (0.25, 0.5, 0.75, 1.0):
        before = [rss for t, rss, _ in samples if t <= q * seconds]
        quarters.append(before[-1] if before else 0.0)
    return IndexRun(seconds, cpu_seconds, json.loads(out), peak, quarters, phases)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="photos to index (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="index runs (default 3)")
    parser.add_argument("--sample", type=int, default=20, help="photos fully decoded per run")
    parser.add_argument(
        "--size", type=photo_size, default=SIZE, help="photo size (default 4000x3000: 12 MP)"
    )
    parser.add_argument("--photos", type=Path, help=f"photo cache (default {OUT}/WxH)")
    args = parser.parse_args()
    w, h = args.size
    args.photos = args.photos or OUT / f"{w}x{h}"
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    paths = make_photos(args.photos, args.count, args.size)
    sample = paths[:: max(1, len(paths) // args.sample)][: args.sample]
    folder = Path(tempfile.mkdtemp(prefix="ps-12mp-"))
    for p in paths:  # a folder of exactly these photos, without copying gigabytes
        os.link(p, folder / p.name)
    encoder = ImageEncoder(int8=False)
    encoder.encode(np.zeros((1, encoder.input_size, encoder.input_size, 3), np.uint8))
    # run; full decode wall and CPU s/photo; full decode + CNN wall s/photo
    runs: list[tuple[IndexRun, float, float, float]] = []
    empty = Path(tempfile.mkdtemp(prefix="ps-empty-"))
    try:
        fixed = cli_index(empty)
        for _ in range(args.repeat):
            wall0, cpu0 = full_decode_seconds(sample)
            cnn0 = full_decode_and_cnn_seconds(sample[: len(sample) // 2], encoder)
            run = cli_index(folder)
            wall1, cpu1 = full_decode_seconds(sample)
            cnn1 = full_decode_and_cnn_seconds(sample[len(sample) // 2 :], encoder)
            runs.append((run, (wall0 + wall1) / 2, (cpu0 + cpu1) / 2, (cnn0 + cnn1) / 2))
            added = run.summary["added"]
            if added != args.count:
                raise SystemExit(f"indexed {added} of {args.count} photos")
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
        empty.rmdir()

    n = args.count
    print(
        f"| {n} photos, {w}x{h} JPEG | photos/s | time vs full decode | vs full decode + CNN | "
        "CPU ms/photo (index / full decode) | peak RSS | RSS at each quarter of the run |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, (run, wall, cpu, cnn) in enumerate(runs, 1):
        rss = " / ".join(f"{m:.0f}" for m in run.rss_mib)
        per_photo = run.seconds / n
        print(
            f"| run {i} ({run.seconds:.1f} s) | {n / run.seconds:.1f} | "
            f"{per_photo / wall:.3f}x | {per_photo / cnn:.3f}x | "
            f"{1000 * run.cpu_seconds / n:.1f} / {1000 * cpu:.1f} | {run.peak_mib:.0f} MiB | "
            f"{rss} MiB |"
        )

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"| **median of {len(runs)}** | **{median([n / r.seconds for r, *_ in runs]):.1f}** | "
        f"**{median([r.seconds / n / wall for r, wall, *_ in runs]):.3f}x** | "
        f"{median([r.seconds / n / cnn for r, _, _, cnn in runs]):.3f}x | "
        f"{median([1000 * r.cpu_seconds / n for r, *_ in runs]):.1f} / "
        f"{median([1000 * cpu for _, _, cpu, _ in runs]):.1f} | "
        f"**{max(r.peak_mib for r, *_ in runs):.0f} MiB** | |"
    )
    print(
        "\n| the same runs by phase | start-up + scan | photos (read to catalog) | photos/s "
        "| photos vs full decode | CPU ms/photo | index build |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, (run, wall, _, _) in enumerate(runs, 1):
        ph, embed = run.phases, run.embed_seconds
        build = ph.get("built", run.seconds) - ph.get("building", run.seconds)
        cpu_ms = 1000 * (ph.get("building_cpu", 0.0) - ph.get("scanned_cpu", 0.0)) / n
        print(
            f"| run {i} | {ph.get('scanned', 0.0):.2f} s | {embed:.2f} s | {n / embed:.1f} | "
            f"{embed / n / wall:.3f}x | {cpu_ms:.1f} | {build:.2f} s |"
        )
    print(
        f"\nfixed cost (an empty folder): {fixed.seconds:.2f} s wall, "
        f"{fixed.cpu_seconds:.2f} s CPU; index encoder: {ImageEncoder().model_path.name}"
    )
    print(f"cores: {os.cpu_count()}; 1-minute load average at the end: {os.getloadavg()[0]:.1f}")
    command = f".venv/bin/python -m benchmarks.indexing_speed --count {args.count}"
    if args.size != SIZE:
        command += f" --size {w}x{h}"
    print(f"command: {command} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
