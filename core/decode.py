"""Turn photo files into model-ready pixels: fast, upright, and never fatal on bad input."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF support is optional: the wheel is not available everywhere.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the platform
    HEIF_SUPPORTED = False

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
    | ({".heic", ".heif"} if HEIF_SUPPORTED else set())
)

# 200 MP covers medium-format cameras and stitched panoramas; larger is almost surely a bomb.
MAX_PIXELS = 200_000_000
# Pillow's own bomb check warns above 89 MP, which open_image turns into an error: raise it to
# ours, or a 100 MP medium-format photo would be refused as a bomb.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# open_image refuses anything over MAX_PIXELS itself, with a reason; Pillow's own warning would
# only print to stderr (and warnings.catch_warnings is not thread-safe in the decode pool).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# Large enough for any real photo file; a bigger "photo" is not read into memory.
MAX_FILE_BYTES = 512 * 1024 * 1024
# Transparent areas are shown on white by every viewer, so that is what the model sees too.
BACKGROUND = (255, 255, 255)


class DecodeError(Exception):
    """A file could not be turned into pixels; the message is the user-facing reason."""


@dataclass(frozen=True)
class LoadedPhoto:
    """A photo's content hash, its original size and its model input pixels (uint8 HWC RGB)."""

    content_hash: bytes
    width: int
    height: int
    pixels: np.ndarray | None


def content_hash(data: bytes) -> bytes:
    """A 16-byte content digest used to recognise a moved or renamed photo."""
    return hashlib.sha256(data).digest()[:16]  # SHA-NI makes it 2x faster than BLAKE2b here


def read_file(path: Path) -> bytes:
    """Read a photo file, with size checks; raises DecodeError with a reason."""
    try:
        size = os.stat(path).st_size
        if size == 0:
            raise DecodeError("empty file (0 bytes)")
        if size > MAX_FILE_BYTES:
            raise DecodeError(f"file too large ({size / 2**20:.0f} MiB)")
        with open(path, "rb") as f:
            return f.read()
    except PermissionError as e:
        raise DecodeError("permission denied") from e
    except FileNotFoundError as e:
        raise DecodeError("file disappeared while indexing") from e
    except IsADirectoryError as e:
        raise DecodeError("is a directory") from e
    except OSError as e:
        raise DecodeError(f"cannot read file: {e.strerror or e}") from e


def open_image(data: bytes, draft_size: int | None) -> Image.Image:
    """Decode bytes to an upright RGB image, at reduced size when the format allows it."""
    try:
        im = Image.open(io.BytesIO(data))
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise DecodeError(f"image too large ({w}x{h} pixels): possible decompression bomb")
        if draft_size is not None and im.format == "JPEG":
            # JPEG can decode at 1/2, 1/4 or 1/8 scale; draft picks the smallest scale that
            # still covers draft_size on both sides. About 8x faster on 12 MP photos.
            im.draft("RGB", (draft_size, draft_size))
        im.load()
        upright: Image.Image = ImageOps.exif_transpose(im) or im
        return to_rgb(upright)
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecodeError("image too large: possible decompression bomb") from e
    except UnidentifiedImageError as e:
        raise DecodeError("not an image, or an unsupported format") from e
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:
        # Pillow reports truncated and malformed data through all of these.
        raise DecodeError(f"corrupt or truncated image ({_short(e)})") from e
    except MemoryError as e:
        raise DecodeError("image needs too much memory to decode") from e


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode (CMYK, 16-bit, palette, alpha, float) to 8-bit RGB."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or a.max(initial=0) > 255 else 255.0
        if mode == "F":
            lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
            a = (a - lo) / (hi - lo or 1.0) * 255.0
        else:
            a = a / top * 255.0
        grey = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), mode="L")
        return grey.convert("RGB")
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def centre_crop_resize(im: Image.Image, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to size x size (bilinear); uint8 HWC."""
    w, h = im.size
    side = min(w, h)
    left, top = (w - side) / 2, (h - side) / 2
    box = (left, top, left + side, top + side)
    out = im.resize((size, size), Image.Resampling.BILINEAR, box=box)
    return np.asarray(out, dtype=np.uint8)


def load_photo(
    path: Path, size: int, known_hashes: frozenset[bytes] | set[bytes] = frozenset()
) -> LoadedPhoto:
    """Read, hash and decode one photo; pixels stay None when its hash is already known."""
    data = read_file(path)
    digest = content_hash(data)
    if digest in known_hashes:
        return LoadedPhoto(digest, 0, 0, None)
    im = open_image(data, draft_size=size)
    return LoadedPhoto(digest, im.width, im.height, centre_crop_resize(im, size))


def load_pixels(path: Path, size: int) -> np.ndarray:
    """Model input pixels for one photo; raises DecodeError."""
    return centre_crop_resize(open_image(read_file(path), draft_size=size), size)


def load_thumbnail(path: Path, max_side: int) -> Image.Image:
    """An upright RGB thumbnail that fits in max_side x max_side; raises DecodeError."""
    im = open_image(read_file(path), draft_size=max_side)
    im.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return im


def _short(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 80 else text[:77] + "..."
