"""GPS positions read from photo metadata: JPEG and HEIC EXIF, RAW files' TIFF IFDs, embedded
EXIF blocks; impossible positions are no position."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from core.media.gps import GpsPoint, gps_from_tags, parse_iso6709, read_gps, read_raw_gps
from tests.conftest import REPO_ROOT, make_photo
from tests.places_helpers import SYDNEY_OPERA_HOUSE, TIMES_SQUARE, gps_tags, with_gps

RAW_DIR = REPO_ROOT.parent / "shared/data/raw-samples"
IPHONE_DNG = RAW_DIR / "unusable/apple_iphone12pro_exiv2_stripped.dng"


def near(point: GpsPoint | None, lat: float, lon: float) -> bool:
    return point is not None and abs(point.lat - lat) < 1e-5 and abs(point.lon - lon) < 1e-5


@pytest.fixture
def real_photo(pascal_dir: Path) -> Path:
    return sorted((pascal_dir / "images/boat").glob("*.jpg"))[0]


def test_a_jpeg_copy_with_gps_reads_back_south_and_west_as_negative(
    real_photo: Path, tmp_path: Path
) -> None:
    sydney = with_gps(real_photo, tmp_path / "sydney.jpg", SYDNEY_OPERA_HOUSE)
    new_york = with_gps(real_photo, tmp_path / "nyc.jpg", TIMES_SQUARE)
    assert near(read_gps(sydney), *SYDNEY_OPERA_HOUSE)
    assert near(read_gps(new_york), *TIMES_SQUARE)
    assert read_gps(real_photo) is None  # the original has no GPS


def test_a_heic_photo_with_gps(real_photo: Path, tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    heic = with_gps(real_photo, tmp_path / "sydney.heic", SYDNEY_OPERA_HOUSE, fmt="HEIF")
    with Image.open(heic) as im:
        assert im.format == "HEIF"
    assert near(read_gps(heic), *SYDNEY_OPERA_HOUSE)


def test_positions_that_cannot_be_real_are_no_position(tmp_path: Path) -> None:
    assert gps_from_tags(gps_tags(0.0, 0.0)) is None  # a GPS without a fix writes 0, 0
    assert gps_from_tags({1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)}) is None
    assert gps_from_tags({1: "N", 2: (45.0, 75.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)}) is None
    assert gps_from_tags({1: "N", 2: (float("nan"), 0, 0), 3: "E", 4: (1.0, 0, 0)}) is None
    assert gps_from_tags({1: "N", 2: (45.0, 0.0, 0.0)}) is None  # no longitude
    assert gps_from_tags({}) is None
    # A single decimal number instead of three rationals, and a bytes reference.
    assert gps_from_tags({1: b"S\x00", 2: 33.5, 3: "W", 4: 70.25}) == GpsPoint(-33.5, -70.25)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe1 not really exif" * 10)
    assert read_gps(garbage) is None
    assert read_gps(make_photo(tmp_path / "synthetic.png", 1, fmt="PNG")) is None
    assert read_gps(tmp_path / "missing.jpg") is None


@pytest.fixture
def iphone_dng() -> Path:
    if not IPHONE_DNG.is_file():
        pytest.skip(f"needs the shared RAW samples in {RAW_DIR}, which are absent")
    return IPHONE_DNG


def test_a_raw_files_gps_ifd(iphone_dng: Path, tmp_path: Path) -> None:
    # An iPhone 12 Pro DNG (its pixels stripped, its metadata whole): 34°3'34.59"N 84°40'54.21"W.
    assert near(read_raw_gps(iphone_dng), 34.0596083, -84.681725)
    assert near(read_gps(iphone_dng), 34.0596083, -84.681725)
    # Olympus ORF and Panasonic RW2 are TIFF with their own magic number.
    orf = tmp_path / "camera.orf"
    data = bytearray(iphone_dng.read_bytes())
    data[2:4] = b"RO"
    orf.write_bytes(bytes(data))
    assert near(read_raw_gps(orf), 34.0596083, -84.681725)


def test_a_raw_file_without_gps_and_one_with_an_embedded_exif_block(
    real_photo: Path, tmp_path: Path
) -> None:
    dng = RAW_DIR / "blackmagic_pocket_cinema_4k.dng"
    if dng.is_file():
        assert read_raw_gps(dng) is None
    # A RAF keeps its EXIF in the JPEG preview after its own header.
    jpeg = with_gps(real_photo, tmp_path / "preview.jpg", SYDNEY_OPERA_HOUSE)
    raf = tmp_path / "camera.raf"
    raf.write_bytes(b"FUJIFILMCCD-RAW 0201FF383501" + bytes(72) + jpeg.read_bytes())
    assert near(read_raw_gps(raf), *SYDNEY_OPERA_HOUSE)
    assert near(read_gps(raf), *SYDNEY_OPERA_HOUSE)
    truncated = tmp_path / "cut.nef"
    shutil.copyfile(jpeg, truncated)
    with open(truncated, "r+b") as f:
        f.truncate(40)
    assert read_raw_gps(truncated) is None


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_a_phone_videos_location(tmp_path: Path, suffix: str) -> None:
    av = pytest.importorskip("av", reason="reading a video's position needs PyAV")
    import numpy as np

    video = tmp_path / f"clip{suffix}"
    with av.open(str(video), "w") as out:
        out.metadata["location"] = "-33.8568+151.2153+010.000/"  # ISO 6709, as phones write it
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 60, np.uint8), "rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    assert near(read_gps(video), *SYDNEY_OPERA_HOUSE)
    assert parse_iso6709("+4851.50+00217.67/") is None  # degrees-minutes form: not guessed
    assert parse_iso6709("+00.0000+000.0000/") is None
