"""How long a RAW file's picture and a video's poster frame take to read.

    python -m benchmarks.media_speed [--repeat 15] [--work DIR]

RAW: the shared samples (../shared/data/raw-samples) and a generated RAW with a 5472 x 3648
JPEG preview (a 20 MP camera's), each timed as LibRaw's preview extraction alone and as the
indexer's whole read (hash, preview decode at reduced size, resize to the model's 224 px).
The Blackmagic DNG has no preview: its time is the half-size demosaic. Video: generated MP4
(MPEG-4 part 2, 1920 x 1080, 4 s) and WebM (VP8, 1280 x 720, 4 s) from a real photo, timed
as the poster frame read at 10% of the duration (open, seek, decode). Median of --repeat runs.
The generators are tests/media_files.py's.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_SAMPLES = REPO_ROOT.parent / "shared/data/raw-samples"
PASCAL = REPO_ROOT.parent / "shared/data/pascal-sentences/images"


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm: the first read also pulls the file into the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--work", type=Path, default=None, help="folder for generated files")
    args = parser.parse_args(argv)

    photo_path = next(iter(sorted((PASCAL / "dog").glob("*.jpg"))), None)
    if photo_path is None:
        print(f"needs the Pascal photos in {PASCAL}", file=sys.stderr)
        return 1
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        return measure(args.work, photo_path, args.repeat)
    with tempfile.TemporaryDirectory(prefix="media-speed-") as work:
        return measure(Path(work), photo_path, args.repeat)


def measure(work: Path, photo_path: Path, repeat: int) -> int:
    """Write the generated files into work, then time every file."""
    import rawpy
    from PIL import Image

    from core.media.decode import load_photo
    from core.media.video import read_poster
    from tests.media_files import CAMERA_MAKES, write_raw, write_video

    def thumb(path: Path) -> None:
        with rawpy.imread(str(path)) as raw:
            raw.extract_thumb()

    rows: list[tuple[str, str, float | None, float]] = []
    with Image.open(photo_path) as photo:
        big = photo.convert("RGB").resize((5472, 3648), Image.Resampling.BICUBIC)
        raws = [write_raw(work / "20mp-preview.cr2", big, CAMERA_MAKES[0], preview_side=5472)]
        videos = [
            write_video(work / "1080p.mp4", [photo], seconds=4, fps=25, size=(1920, 1080)),
            write_video(work / "720p.webm", [photo], seconds=4, fps=25, size=(1280, 720)),
        ]
    if RAW_SAMPLES.is_dir():
        raws += sorted(p for p in RAW_SAMPLES.iterdir() if p.is_file())
    else:
        print(f"(no RAW samples in {RAW_SAMPLES}: generated file only)")
    for path in raws:
        try:
            extract = median_ms(functools.partial(thumb, path), repeat)
            how = "preview"
        except rawpy.LibRawError:
            extract, how = None, "demosaic"
        whole = median_ms(functools.partial(load_photo, path, 224), repeat)
        rows.append((path.name, how, extract, whole))
    for path in videos:
        rows.append((path.name, "poster", None, median_ms(functools.partial(read_poster, path), 5)))

    print(f"{'file':42} {'picture':9} {'LibRaw extract ms':>18} {'whole read ms':>14}")
    for name, how, extract, whole in rows:
        ex = f"{extract:.1f}" if extract is not None else "-"
        print(f"{name:42} {how:9} {ex:>18} {whole:>14.1f}")
    print(f"command: python -m benchmarks.media_speed --repeat {repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
