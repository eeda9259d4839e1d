"""Camera RAW files: the shared real samples, and generated files for the makes they lack
(tests/media_files.py says how those are made and what they do not cover)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.media.decode import DecodeError, load_photo, load_thumbnail, media_kind
from core.media.raw import decode_raw, raw_exif, raw_taken
from core.media.thumbnails import ThumbnailCache
from tests.conftest import REPO_ROOT
from tests.media_files import CAMERA_MAKES, write_raw

RAW_SAMPLES = REPO_ROOT.parent / "shared/data/raw-samples"


@pytest.fixture(scope="module")
def samples() -> Path:
    if not RAW_SAMPLES.is_dir():
        pytest.skip(f"needs the shared RAW samples in {RAW_SAMPLES}, which are absent")
    return RAW_SAMPLES


@pytest.fixture(scope="module")
def scene() -> Image.Image:
    """A photo-like 400 x 300 picture: a bright sky over dark ground with a red square."""
    rng = np.random.default_rng(3)
    a = np.zeros((300, 400, 3), np.uint8)
    a[:150] = (120, 170, 230)
    a[150:] = (60, 90, 40)
    a[100:200, 250:350] = (220, 30, 30)
    noise = rng.integers(-12, 13, a.shape)
    return Image.fromarray(np.clip(a.astype(np.int16) + noise, 0, 255).astype(np.uint8))


def local(*when: int) -> float:
    return datetime(*when).timestamp()  # type: ignore[arg-type]


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "size", "taken"),
    [
        # No preview: LibRaw's half-size demosaic.
        ("blackmagic_pocket_cinema_4k.dng", (4128, 2176), None),
        # Truncated after the 425 x 640 JPEG preview: the raw data cannot be read.
        ("nikon_d70s_issue247-1_truncated.nef", (1999, 3008), local(2010, 3, 1, 21, 50, 21)),
        ("nikon_d70s_issue247-2_truncated.nef", (1999, 3008), local(2010, 3, 1, 21, 50, 40)),
        # Raw data stripped; a 160 x 120 preview whose own EXIF carries the date.
        ("fujifilm_s5pro_exiftool_stripped.raf", (3552, 3551), local(2007, 5, 22, 13, 58, 30)),
        # A film scanner's NEF: a bitmap thumbnail (its demosaic is almost all white).
        ("nikon_coolscan_iv_ed_scanner.nef", (869, 593), None),
    ],
)
def test_every_usable_sample_gives_a_picture_size_and_date(samples, name, size, taken):
    photo = load_photo(samples / name, 224)
    assert (photo.width, photo.height) == size
    assert photo.taken == taken
    assert photo.pixels is not None and photo.pixels.shape == (224, 224, 3)
    assert photo.pixels.std() > 10  # a picture, not a flat colour


@pytest.mark.shared_data
def test_the_scanner_nef_shows_its_bitmap_thumbnail_not_its_white_demosaic(samples):
    image, _, _ = decode_raw(samples / "nikon_coolscan_iv_ed_scanner.nef", None)
    assert image.size == (320, 218)
    assert np.asarray(image).mean() < 150  # the demosaic's mean is 223


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        # Their demosaic is all black, or noise: LibRaw reads memory the file never filled.
        ("canon_350d_exiftool_stripped.dng", r"no preview and no raw data \(13 KB for a 8.2 MP"),
        ("apple_iphone12pro_exiv2_stripped.dng", r"no preview and no raw data \(63 KB"),
        ("panasonic_dmc-lx3_exiftool_stripped.rw2", r"placeholder preview \(8x8 pixels\)"),
        ("sigma_dp2_exiftool_stripped.x3f", r"placeholder preview \(8x8 pixels\)"),
    ],
)
def test_unusable_samples_are_refused_with_a_reason(samples, name, reason):
    with pytest.raises(DecodeError, match=reason):
        load_photo(samples / "unusable" / name, 224)


@pytest.mark.parametrize("make", CAMERA_MAKES, ids=lambda m: m.ext)
@pytest.mark.parametrize("dng", [True, False], ids=["dng-tags", "plain-tiff"])
def test_each_make_is_read_from_its_preview_with_date_and_orientation(tmp_path, scene, make, dng):
    path = write_raw(tmp_path / f"IMG_0001{make.ext.upper()}", scene, make, orientation=6, dng=dng)
    assert media_kind(path) == "raw"
    image, size, taken = decode_raw(path, None)
    # Orientation 6 (turned 90 degrees clockwise): a landscape scene shows in portrait.
    assert size == (300, 400) and image.size == (300, 400)
    assert taken == local(2019, 7, 14, 10, 30)
    # The sky is on the right once turned upright, the ground on the left.
    a = np.asarray(image, np.float32)
    assert a[:, -60:, 2].mean() > 180 and a[:, :60, 2].mean() < 100


def test_a_raw_without_preview_is_demosaiced_into_the_same_picture(tmp_path, scene):
    path = write_raw(tmp_path / "no-preview.dng", scene, CAMERA_MAKES[-1], preview_side=None)
    image, size, _ = decode_raw(path, None)
    assert size == (400, 300) and image.size == (200, 150)  # LibRaw's half size
    shown = np.asarray(image, np.float32)
    expected = np.asarray(scene.resize((200, 150)), np.float32)
    assert np.corrcoef(shown.ravel(), expected.ravel())[0, 1] > 0.9


def test_a_black_or_flat_raw_is_refused(tmp_path, scene):
    black = write_raw(
        tmp_path / "black.dng", Image.new("RGB", (64, 48)), CAMERA_MAKES[-1], preview_side=None
    )
    with pytest.raises(DecodeError, match="all-black picture"):
        decode_raw(black, 224)
    grey = Image.new("RGB", (400, 300), (90, 90, 90))
    flat = write_raw(tmp_path / "flat.arw", grey, CAMERA_MAKES[3])
    with pytest.raises(DecodeError, match="one flat colour"):
        decode_raw(flat, 224)


def test_a_file_that_is_no_raw_is_refused_with_libraws_reason(tmp_path):
    fake = tmp_path / "fake.cr3"
    fake.write_bytes(b"\0" * 4096)
    with pytest.raises(DecodeError, match="not a RAW file LibRaw can read"):
        load_photo(fake, 224)


def test_a_raw_without_date_falls_back_and_gps_is_reachable(tmp_path, scene):
    path = write_raw(tmp_path / "undated.pef", scene, CAMERA_MAKES[6], taken=None)
    assert raw_taken(path) is None
    exif = raw_exif(path)
    assert exif is not None and exif.get(0x010F) == "PENTAX"  # Make, from IFD0


def test_raw_thumbnails_are_upright_and_cached(tmp_path, scene):
    path = write_raw(tmp_path / "DSC_0001.NEF", scene, CAMERA_MAKES[1], orientation=8)
    assert load_thumbnail(path, 128).size == (96, 128)
    thumb = ThumbnailCache(tmp_path / "thumbs", max_side=64).thumbnail(path)
    with Image.open(thumb) as im:
        assert im.format == "JPEG" and im.size == (48, 64)
