"""Camera RAW files through rawpy (LibRaw): the embedded preview, else a half-size demosaic.

A RAW's own metadata gives its date (EXIF in the TIFF container, Canon CR3's CMT boxes, or
the preview JPEG's EXIF) and its orientation (LibRaw's flip). Files that open but hold no
picture (an all-black demosaic, an 8 x 8 placeholder preview) raise DecodeError with a reason,
so indexing skips them visibly instead of indexing a black square.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

from core.errors import DecodeError
from core.media.dates import (
    DATETIME_ORIGINAL,
    EXIF_IFD,
    OFFSET_TIME_ORIGINAL,
    exif_taken,
    parse_exif_time,
)
from core.media.orientation import ORIENTATION_TAG, TRANSPOSE

RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".nef", ".nrw", ".arw", ".orf", ".rw2", ".raf", ".pef", ".srw", ".dng", ".x3f"}
)
# A preview smaller than this on either side is a placeholder, not a picture (Panasonic and
# Sigma files stripped of their preview keep an 8 x 8 one). Fujifilm's smallest real preview
# is 160 x 120.
MIN_PREVIEW_SIDE = 64
# A picture whose grey levels spread less than this is black or one flat colour.
MIN_SPREAD = 2.0
BLACK_MEAN = 4.0
# The least raw data a sensor's pixels take in any real RAW (lossy compressed ones included).
MIN_BITS_PER_PIXEL = 1
# Enough of a RAW's head to hold its TIFF directories and Canon CR3's metadata boxes.
HEAD_BYTES = 1 << 20
# LibRaw's flip -> the EXIF orientation it stands for.
FLIP_TO_ORIENTATION = {3: 3, 5: 8, 6: 6}
GPS_IFD = 0x8825
# TIFF-based RAW headers: byte order, then 42 or the maker's own magic (ORF "RO"/"RS", RW2 "U").
_TIFF_HEADS = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"IIU\x00")


def is_raw(path: str | Path) -> bool:
    """Whether path has a camera RAW extension."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


def _rawpy() -> Any:
    try:
        import rawpy
    except ImportError as e:  # pragma: no cover - rawpy is a dependency
        raise DecodeError("RAW support is not installed (pip install rawpy)") from e
    return rawpy


def decode_raw(
    path: Path, draft_size: int | None
) -> tuple[Image.Image, tuple[int, int], float | None]:
    """(upright 8-bit RGB picture, the RAW's upright pixel size, capture time) of a RAW file.

    The embedded preview when there is a real one (milliseconds), else LibRaw's half-size
    demosaic; raises DecodeError when neither gives a picture.
    """
    rawpy = _rawpy()
    try:
        raw = rawpy.imread(str(path))
    except rawpy.LibRawError as e:
        raise DecodeError(f"not a RAW file LibRaw can read ({_libraw_text(e)})") from e
    except OSError as e:
        raise DecodeError(f"cannot read file: {e.strerror or e}") from e
    with raw:
        flip = int(raw.sizes.flip)
        w, h = int(raw.sizes.width), int(raw.sizes.height)
        size = (h, w) if flip in (5, 6) else (w, h)
        preview, preview_exif = _preview(raw, rawpy, draft_size)
        if preview is not None and min(preview.size) < MIN_PREVIEW_SIDE:
            pw, ph = preview.size
            raise DecodeError(f"RAW file holds only a placeholder preview ({pw}x{ph} pixels)")
        if preview is not None:
            picture = _upright_preview(preview, preview_exif, flip)
        else:
            _check_holds_raw_data(path, int(raw.sizes.raw_width) * int(raw.sizes.raw_height))
            picture = _demosaic(raw, rawpy)
    _check_not_blank(picture)
    if draft_size is not None:
        picture.thumbnail((4 * draft_size, 4 * draft_size), Image.Resampling.BILINEAR)
    return picture, size, raw_taken(path, preview_exif)


def raw_size(path: Path) -> tuple[int, int] | None:
    """A RAW's upright pixel size from its header (no decoding); None when unreadable."""
    rawpy = _rawpy()
    try:
        with rawpy.imread(str(path)) as raw:
            w, h, flip = int(raw.sizes.width), int(raw.sizes.height), int(raw.sizes.flip)
    except (rawpy.LibRawError, OSError):
        return None
    return (h, w) if flip in (5, 6) else (w, h)


def _preview(
    raw: Any, rawpy: Any, draft_size: int | None
) -> tuple[Image.Image | None, Image.Exif | None]:
    """The embedded preview (JPEG or bitmap) and the JPEG's own EXIF; (None, None) without."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, RuntimeError):
        return None, None  # no preview, or one LibRaw cannot unpack: demosaic instead
    if thumb.format == rawpy.ThumbFormat.BITMAP:
        return Image.fromarray(np.ascontiguousarray(thumb.data[..., :3]).astype(np.uint8)), None
    try:
        with Image.open(io.BytesIO(thumb.data)) as im:
            if draft_size is not None:
                im.draft("RGB", (draft_size, draft_size))
            exif = im.getexif()
            return im.convert("RGB"), exif
    except (OSError, SyntaxError, ValueError):
        return None, None  # a damaged preview: the demosaic may still work


def _upright_preview(preview: Image.Image, exif: Image.Exif | None, flip: int) -> Image.Image:
    # A preview JPEG with its own orientation tag is stored as the sensor saw it, like the
    # RAW itself; one without follows the RAW's flip.
    orientation = exif.get(ORIENTATION_TAG) if exif is not None else None
    if not isinstance(orientation, int) or orientation == 1:
        orientation = FLIP_TO_ORIENTATION.get(flip, 1)
    method = TRANSPOSE.get(orientation)
    return preview.transpose(method) if method is not None else preview


def _check_holds_raw_data(path: Path, pixels: int) -> None:
    # A file stripped of its raw data still names its sensor size, and LibRaw then
    # "demosaics" whatever memory it has: black one time, noise the next.
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DecodeError(f"cannot read file: {e.strerror or e}") from e
    if size * 8 < pixels * MIN_BITS_PER_PIXEL:
        raise DecodeError(
            f"RAW file has no preview and no raw data ({size / 1024:.0f} KB for a "
            f"{pixels / 1e6:.1f} MP sensor: stripped or truncated)"
        )


def _demosaic(raw: Any, rawpy: Any) -> Image.Image:
    try:
        rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
    except (rawpy.LibRawError, RuntimeError) as e:
        raise DecodeError(
            f"RAW file has no preview and its raw data cannot be decoded ({_libraw_text(e)})"
        ) from e
    except MemoryError as e:
        raise DecodeError("RAW file needs too much memory to decode") from e
    return Image.fromarray(rgb)


def _check_not_blank(picture: Image.Image) -> None:
    grey = np.asarray(picture.convert("L").reduce(max(1, min(picture.size) // 64)), np.float32)
    if grey.mean() < BLACK_MEAN and grey.std() < MIN_SPREAD * 2:
        raise DecodeError("RAW file decodes to an all-black picture (no usable image)")
    if grey.std() < MIN_SPREAD:
        raise DecodeError("RAW file decodes to one flat colour (no usable image)")


def _libraw_text(e: BaseException) -> str:
    text = e.args[0] if e.args else type(e).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(HEAD_BYTES)
    except OSError:
        return b""


def raw_exif(path: Path) -> Image.Exif | None:
    """IFD0 of a TIFF-based RAW (CR2, NEF, NRW, ARW, DNG, ORF, RW2, PEF, SRW) or of a CR3's
    CMT1 box, with its Exif and GPS IFDs already read (exif.get_ifd(0x8769), 0x8825); None
    when there is none. A TIFF's directories are read where they lie, however big the file.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if head[:4] in _TIFF_HEADS:
                return _tiff_exif(f, head)
            if _is_cr3(head + f.read(32)):
                f.seek(0)
                ifd0 = _box(f.read(HEAD_BYTES), b"CMT1")
                return _load_exif(ifd0) if ifd0 is not None else None
    except OSError:
        return None
    return None


def _tiff_exif(f: BinaryIO, head: bytes) -> Image.Exif | None:
    exif = Image.Exif()
    little = head[:2] == b"II"
    # Set here, so that Pillow accepts ORF's and RW2's own magic numbers in place of 42.
    exif.endian = "<" if little else ">"
    try:
        exif.load_from_fp(f, int.from_bytes(head[4:8], "little" if little else "big"))
        for pointer in (EXIF_IFD, GPS_IFD):
            exif.get_ifd(pointer)  # read now, while the file is open; kept by exif
    except Exception:  # a malformed directory: no metadata, never a failed photo
        return None
    exif.fp = None  # type: ignore[assignment]  # closed: every directory is read
    return exif


def _is_cr3(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and b"crx " in head[8:32]


def _box(data: bytes, name: bytes) -> bytes | None:
    """The payload of a CR3 metadata box: a little TIFF file of its own."""
    at = data.find(name)
    if at < 4:
        return None
    size = int.from_bytes(data[at - 4 : at], "big")
    payload = data[at + 4 : at - 4 + size]
    return payload if payload[:4] in _TIFF_HEADS[:2] else None


def _load_exif(tiff: bytes) -> Image.Exif | None:
    exif = Image.Exif()
    try:
        exif.load(tiff)
    except Exception:  # a malformed directory: no metadata, never a failed photo
        return None
    return exif


def raw_taken(path: Path, preview_exif: Image.Exif | None = None) -> float | None:
    """A RAW's capture time: its container's EXIF, else its preview JPEG's; None without."""
    exif = raw_exif(path)
    taken = exif_taken(exif) if exif is not None else None
    if taken is None and exif is None:
        head = _head(path)
        cmt2 = _box(head, b"CMT2") if _is_cr3(head) else None
        # CR3's CMT2 box is the Exif IFD itself.
        sub = _load_exif(cmt2) if cmt2 is not None else None
        if sub is not None:
            offset = sub.get(OFFSET_TIME_ORIGINAL)
            taken = parse_exif_time(
                sub.get(DATETIME_ORIGINAL), offset if isinstance(offset, str) else None
            )
    if taken is None and preview_exif is not None:
        taken = exif_taken(preview_exif)
    return taken
