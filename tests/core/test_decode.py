"""Decoding: every photo format and mode becomes upright 8-bit RGB; bad files give a reason."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.media.decode import DecodeError, load_photo, load_pixels, open_image, read_file


def encoded(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def rgb(im: Image.Image, x: int, y: int) -> np.ndarray:
    assert im.mode == "RGB"
    pixel: np.ndarray = np.asarray(im, np.int16)[y, x]
    return pixel


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but carries almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour() -> None:
    red_in_cmyk = Image.new("CMYK", (40, 30), (0, 255, 255, 0))
    out = open_image(encoded(red_in_cmyk, "JPEG"), None)
    assert np.allclose(rgb(out, 20, 15), (255, 0, 0), atol=12)


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    mid_grey = Image.fromarray(np.full((30, 40), 32768, np.uint16))
    data = encoded(mid_grey, "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    out = open_image(data, None)
    assert np.allclose(rgb(out, 5, 5), (128, 128, 128), atol=2)


def test_16_bit_grey_png_keeps_dark_and_bright_apart() -> None:
    a = np.zeros((10, 20), np.uint16)
    a[:, 10:] = 65535
    out = open_image(encoded(Image.fromarray(a), "PNG"), None)
    assert np.allclose(rgb(out, 2, 2), (0, 0, 0), atol=1)
    assert np.allclose(rgb(out, 15, 2), (255, 255, 255), atol=1)


def test_palette_with_transparency_is_shown_on_white() -> None:
    im = Image.new("P", (20, 20), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 6))
    im.paste(1, (0, 0, 10, 20))  # left half: palette entry 1 (blue), which is transparent
    out = open_image(encoded(im, "PNG", transparency=1), None)
    assert np.allclose(rgb(out, 5, 5), (255, 255, 255), atol=1)
    assert np.allclose(rgb(out, 15, 5), (255, 0, 0), atol=1)


def test_rgba_transparent_and_opaque_pixels() -> None:
    im = Image.new("RGBA", (20, 10), (0, 0, 255, 0))
    im.paste((0, 128, 0, 255), (10, 0, 20, 10))
    out = open_image(encoded(im, "PNG"), None)
    assert np.allclose(rgb(out, 2, 2), (255, 255, 255), atol=1)
    assert np.allclose(rgb(out, 15, 2), (0, 128, 0), atol=1)


def test_grey_with_alpha() -> None:
    im = Image.new("LA", (10, 10), (50, 255))
    out = open_image(encoded(im, "PNG"), None)
    assert np.allclose(rgb(out, 3, 3), (50, 50, 50), atol=1)


def test_animated_gif_gives_its_first_frame_in_rgb() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    out = open_image(buf.getvalue(), None)
    assert out.size == (16, 16)
    assert np.allclose(rgb(out, 8, 8), (255, 0, 0), atol=8)


def test_exif_orientation_is_applied() -> None:
    # A landscape 60x20 photo with a blue strip on the left, stored with "rotate 90° CW".
    im = Image.new("RGB", (60, 20), (255, 0, 0))
    im.paste((0, 0, 255), (0, 0, 10, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = open_image(encoded(im, "JPEG", exif=exif.tobytes(), quality=95), None)
    assert out.size == (20, 60)  # upright: portrait
    assert np.allclose(rgb(out, 10, 2), (0, 0, 255), atol=30)  # the strip is now at the top
    assert np.allclose(rgb(out, 10, 57), (255, 0, 0), atol=30)


def test_model_input_is_a_square_uint8_crop(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (300, 100), (10, 200, 30)).save(path)
    pixels = load_pixels(path, 224)
    assert pixels.shape == (224, 224, 3)
    assert pixels.dtype == np.uint8
    assert np.allclose(pixels[112, 112], (10, 200, 30), atol=1)


def test_decompression_bomb_is_refused_without_decoding() -> None:
    with pytest.raises(DecodeError, match="too large"):
        open_image(png_header_only(30000, 30000), 224)


def test_a_100_megapixel_photo_is_not_taken_for_a_bomb() -> None:
    # Medium-format cameras make 100 MP photos (11648 x 8736); only their data is missing here,
    # so the reason must be the missing data, not the size.
    with pytest.raises(DecodeError) as e:
        open_image(png_header_only(11648, 8736), 224)
    assert "too large" not in str(e.value)
    assert "corrupt or truncated" in str(e.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"this is a text file, not a photo\n", "not an image"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "not an image|corrupt"),  # JPEG magic, then zeros
    ],
)
def test_bad_files_give_a_readable_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(DecodeError, match=reason):
        load_photo(path, 224)


def test_truncated_jpeg_is_reported_as_truncated(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    im = Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    data = encoded(im, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match="corrupt or truncated"):
        load_photo(path, 224)


def test_permission_denied_is_a_reason_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.jpg"
    Image.new("RGB", (8, 8)).save(path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(DecodeError, match="permission denied"):
        read_file(path)


def test_known_content_is_hashed_but_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (50, 40), (1, 2, 3)).save(path)
    first = load_photo(path, 224)
    assert first.pixels is not None and (first.width, first.height) == (50, 40)
    again = load_photo(path, 224, frozenset({first.content_hash}))
    assert again.pixels is None
    assert again.content_hash == first.content_hash
