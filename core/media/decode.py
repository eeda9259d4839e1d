"""Turn photo files into model-ready pixels: fast, upright, and never fatal on bad input."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.errors import DecodeError as DecodeError
from core.media import video
from core.media.dates import exif_taken
from core.media.orientation import ORIENTATION_TAG, TRANSPOSE
from core.media.raw import RAW_EXTENSIONS, decode_raw
from core.media.video import VIDEO_EXTENSIONS

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
# Everything indexing reads: pictures, camera RAW files (core/media/raw.py) and videos
# (core/media/video.py, their poster frame).
MEDIA_EXTENSIONS = PHOTO_EXTENSIONS | RAW_EXTENSIONS | VIDEO_EXTENSIONS

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
# Files are hashed this much at a time.
READ_CHUNK = 1 << 20
# Pixels converted to 8 bits at a time: bounds the copies a huge or 16-bit image needs.
STRIP_PIXELS = 4_000_000
PERMISSION_DENIED = "permission denied"
# Transparent areas are shown on white by every viewer, so that is what the model sees too.
BACKGROUND = (255, 255, 255)


@dataclass(frozen=True)
class LoadedPhoto:
    """A photo's content hash, its original size and its model input pixels (uint8 HWC RGB)."""

    content_hash: bytes
    width: int
    height: int
    pixels: np.ndarray | None
    taken: float | None = None  # EXIF capture time (Unix seconds), read while decoding
    duration: float | None = None  # a video's length in seconds


def media_kind(path: str | os.PathLike[str]) -> str:
    """ "photo", "raw" or "video", from the file's extension."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    return "raw" if ext in RAW_EXTENSIONS else "video" if ext in VIDEO_EXTENSIONS else "photo"


def content_hash(data: bytes) -> bytes:
    """A 16-byte content digest used to recognise a moved or renamed photo."""
    return hashlib.sha256(data).digest()[:16]  # SHA-NI makes it 2x faster than BLAKE2b here


def check_file(path: Path, max_bytes: int | None = MAX_FILE_BYTES) -> int:
    """The size of a photo file that is worth reading; raises DecodeError with a reason.

    max_bytes None: no limit (a video is read a frame at a time, never whole).
    """
    try:
        st = os.stat(path)
    except OSError as e:
        raise _read_error(e) from e
    if stat.S_ISDIR(st.st_mode):
        raise DecodeError("is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise DecodeError("not a regular file")
    if st.st_size == 0:
        raise DecodeError("empty file (0 bytes)")
    if max_bytes is not None and st.st_size > max_bytes:
        raise DecodeError(f"file too large ({st.st_size / 2**20:.0f} MiB)")
    return st.st_size


def read_file(path: Path) -> bytes:
    """Read a photo file, with size checks; raises DecodeError with a reason."""
    check_file(path)
    try:
        with open(path, "rb") as f:
            return f.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
    except OSError as e:
        raise _read_error(e) from e


def hash_file(path: Path) -> bytes:
    """content_hash of a file, read in chunks: memory stays flat whatever the file's size."""
    check_file(path)
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(READ_CHUNK):
                digest.update(chunk)
    except OSError as e:
        raise _read_error(e) from e
    return digest.digest()[:16]


def retry(reason: str | None) -> bool:
    """Whether a file skipped for reason is worth another try even when it looks unchanged:
    fixing permissions or remounting a drive does not change a file's size or mtime."""
    if reason == video.NOT_INSTALLED:
        return video.available()  # PyAV was installed since
    return reason is not None and (
        reason == PERMISSION_DENIED or reason.startswith(("cannot read file", "file disappeared"))
    )


def _read_error(e: OSError) -> DecodeError:
    if isinstance(e, PermissionError):
        return DecodeError(PERMISSION_DENIED)
    if isinstance(e, FileNotFoundError):
        return DecodeError("file disappeared while indexing")
    if isinstance(e, IsADirectoryError):
        return DecodeError("is a directory")
    return DecodeError(f"cannot read file: {e.strerror or e}")


def open_image(source: bytes | Path, draft_size: int | None) -> Image.Image:
    """Decode to an upright 8-bit RGB image; see decode_image."""
    return decode_image(source, draft_size)[0]


def decode_image(
    source: bytes | Path, draft_size: int | None
) -> tuple[Image.Image, tuple[int, int], float | None]:
    """(image, the file's upright pixel size, its EXIF capture time): 8-bit RGB, reduced
    where the format allows. A RAW file gives its preview, a video its poster frame.

    With draft_size, the result may be smaller than the file's pixels but still covers
    draft_size twice on its short side. A path is read by Pillow as it decodes, so the file's
    bytes are never all in memory beside its pixels.
    """
    if isinstance(source, Path):
        kind = media_kind(source)
        if kind == "raw":
            return decode_raw(source, draft_size)
        if kind == "video":
            poster = video.read_poster(source)
            return poster.image, (poster.width, poster.height), poster.taken
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise DecodeError(f"image too large ({w}x{h} pixels): possible decompression bomb")
            if draft_size is not None and im.format == "JPEG":
                # JPEG can decode at 1/2, 1/4 or 1/8 scale; draft picks the smallest scale that
                # still covers draft_size on both sides. About 8x faster on 12 MP photos.
                im.draft("RGB", (draft_size, draft_size))
            im.load()
            exif = im.getexif()
            orientation = exif.get(ORIENTATION_TAG)
            taken = exif_taken(exif)
            factor = 1 if draft_size is None else max(1, min(im.size) // (2 * draft_size))
            out = shrink_to_rgb(im, factor)
        method = TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
        if method is None:
            return out, (w, h), taken
        return out.transpose(method), ((h, w) if orientation in (5, 6, 7, 8) else (w, h)), taken
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecodeError("image too large: possible decompression bomb") from e
    except UnidentifiedImageError as e:
        raise DecodeError("not an image, or an unsupported format") from e
    except PermissionError as e:
        raise DecodeError(PERMISSION_DENIED) from e
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:
        # Pillow reports truncated and malformed data through all of these.
        raise DecodeError(f"corrupt or truncated image ({_short(e)})") from e
    except MemoryError as e:
        raise DecodeError("image needs too much memory to decode") from e


def shrink_to_rgb(im: Image.Image, factor: int = 1) -> Image.Image:
    """8-bit RGB, reduced factor times on each side, converted a strip at a time.

    A 196 MP 16-bit scan never gets a full-size converted copy: each strip of rows is
    converted to 8 bits and reduced before the next, so memory beyond the decoded image
    stays at one strip.
    """
    if factor == 1 and im.mode == "RGB":
        return im
    w, h = im.size
    extrema = _extrema(im)
    rows = max(1, STRIP_PIXELS // max(w, 1)) // factor * factor or factor
    if rows >= h and factor == 1:
        return to_rgb(im, extrema)
    out = Image.new("RGB", (-(-w // factor), -(-h // factor)))
    for y in range(0, h, rows):
        strip = to_rgb(im.crop((0, y, w, min(h, y + rows))), extrema)
        out.paste(strip.reduce(factor) if factor > 1 else strip, (0, y // factor))
    return out


def _extrema(im: Image.Image) -> tuple[float, float] | None:
    """The whole image's value range, for the modes whose 8-bit scale depends on it."""
    if im.mode not in ("I", "F"):
        return None
    lo, hi = im.getextrema()
    return float(lo), float(hi)  # type: ignore[arg-type]


def to_rgb(im: Image.Image, extrema: tuple[float, float] | None = None) -> Image.Image:
    """Convert any Pillow mode (CMYK, 16-bit, palette, alpha, float) to 8-bit RGB.

    extrema is the value range of the whole image when im is one strip of it.
    """
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return Image.fromarray(_grey8(im, extrema), mode="L").convert("RGB")
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def _grey8(im: Image.Image, extrema: tuple[float, float] | None) -> np.ndarray:
    """16-bit, 32-bit and float grey to uint8, without a float64 copy of the image."""
    a = np.asarray(im)
    if im.mode.startswith("I;16"):
        return (a.astype(np.uint16) >> 8).astype(np.uint8)
    lo, hi = extrema if extrema is not None else _extrema(im) or (0.0, 255.0)
    if im.mode == "I":
        top = 65535.0 if hi > 255 else 255.0
        out: np.ndarray = np.clip(a.astype(np.float32) * np.float32(255.0 / top), 0, 255)
        return out.astype(np.uint8)
    scale = np.float32(255.0 / ((hi - lo) or 1.0))
    b = np.nan_to_num(a.astype(np.float32), nan=lo)
    scaled: np.ndarray = np.clip((b - np.float32(lo)) * scale, 0, 255)
    return scaled.astype(np.uint8)


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
    """Hash and decode one photo; pixels stay None when its hash is already known.

    width and height are the file's own pixel size, upright. A video is recognised by a digest
    of some of its bytes (video.hash_video) and gives its poster frame.
    """
    if media_kind(path) == "video":
        if not video.available():
            raise DecodeError(video.NOT_INSTALLED)
        digest = video.hash_video(path, check_file(path, max_bytes=None))
        if digest in known_hashes:
            return LoadedPhoto(digest, 0, 0, None)
        poster = video.read_poster(path)
        pixels = centre_crop_resize(poster.image, size)
        return LoadedPhoto(
            digest, poster.width, poster.height, pixels, poster.taken, poster.duration
        )
    digest = hash_file(path)
    if digest in known_hashes:
        return LoadedPhoto(digest, 0, 0, None)
    im, (width, height), taken = decode_image(path, draft_size=size)
    return LoadedPhoto(digest, width, height, centre_crop_resize(im, size), taken)


def load_pixels(path: Path, size: int) -> np.ndarray:
    """Model input pixels for one photo; raises DecodeError."""
    check_file(path, None if media_kind(path) == "video" else MAX_FILE_BYTES)
    return centre_crop_resize(open_image(path, draft_size=size), size)


def load_thumbnail(path: Path, max_side: int) -> Image.Image:
    """An upright RGB thumbnail that fits in max_side x max_side; raises DecodeError."""
    check_file(path, None if media_kind(path) == "video" else MAX_FILE_BYTES)
    im = open_image(path, draft_size=max_side)
    im.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return im


def _short(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 80 else text[:77] + "..."
