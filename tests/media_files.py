"""Test RAW files and videos made from real photos, so that tests never need camera files
that cannot be shipped.

RAW: `write_raw` writes a TIFF-container RAW as a DNG writer would: IFD0 holds the Make,
Model, Orientation, DateTime, an Exif IFD (DateTimeOriginal) and, optionally, a JPEG preview
(compression 7, YCbCr) made from the photo; a SubIFD holds a 16-bit RGGB Bayer mosaic sampled
from the same photo (linearised with gamma 2.2, white level 4095), so LibRaw's demosaic gives
the photo back too. With dng=True the DNGVersion tag makes LibRaw read it as DNG; with
dng=False it is a plain TIFF that LibRaw identifies by its Make tag. These files are NOT the
makers' own formats: no maker's compressed raw data, maker notes or CR3/RAF container can be
written without the maker's tools. They test what Photo Search itself does per extension
(routing by extension, LibRaw's TIFF parsing, the preview, date and orientation), not
LibRaw's support of each camera. CR3 (ISO base media) and RAF (Fujifilm's own header) are not
TIFF files, so none is generated: the shared RAF sample covers Fujifilm, and CR3 has no test
file at all.

Video: `write_video` encodes frames from real photos with FFmpeg's own LGPL encoders (MPEG-4
part 2, H.263 for 3GP, VP8 for WebM: never the GPL x264/x265 ones in PyAV's wheel) and a
creation_time tag.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL, _SRATIONAL = 1, 2, 3, 4, 5, 10
# XYZ -> linear sRGB: LibRaw's colour matrix for a camera whose sensor "sees" sRGB.
_SRGB_FROM_XYZ = (
    (3.2406, -1.5372, -0.4986),
    (-0.9689, 1.8758, 0.0415),
    (0.0557, -0.2040, 1.0570),
)


@dataclass(frozen=True)
class CameraMake:
    """A RAW extension with a real camera of that make's Make and Model tags."""

    ext: str
    make: str
    model: str
    magic: bytes = b"II*\x00"


# Every TIFF-based RAW extension Photo Search reads (CR3 and RAF are not TIFF files).
CAMERA_MAKES = (
    CameraMake(".cr2", "Canon", "Canon EOS 5D Mark III"),
    CameraMake(".nef", "NIKON CORPORATION", "NIKON D750"),
    CameraMake(".nrw", "NIKON CORPORATION", "COOLPIX P7800"),
    CameraMake(".arw", "SONY", "ILCE-7M3"),
    CameraMake(".orf", "OLYMPUS IMAGING CORP.", "E-M5"),
    CameraMake(".rw2", "Panasonic", "DMC-GH4", b"IIU\x00"),  # Panasonic's own TIFF magic
    CameraMake(".pef", "PENTAX", "PENTAX K-5"),
    CameraMake(".srw", "SAMSUNG", "NX300"),
    CameraMake(".dng", "Google", "Pixel 7"),
)


def _pack(typ: int, values: object) -> tuple[bytes, int]:
    if typ == _ASCII:
        data = str(values).encode() + b"\0"
        return data, len(data)
    items = list(values)  # type: ignore[call-overload]
    if typ == _BYTE:
        return bytes(items), len(items)
    if typ == _SHORT:
        return struct.pack(f"<{len(items)}H", *items), len(items)
    if typ == _LONG:
        return struct.pack(f"<{len(items)}I", *items), len(items)
    fmt = "<ii" if typ == _SRATIONAL else "<II"
    return b"".join(struct.pack(fmt, *pair) for pair in items), len(items)


class _TiffWriter:
    """A little-endian TIFF file built front to back; IFDs point at what came before them."""

    def __init__(self, magic: bytes) -> None:
        self.buf = bytearray(magic + b"\0\0\0\0")

    def _align(self) -> None:
        if len(self.buf) % 2:
            self.buf += b"\0"

    def blob(self, data: bytes) -> int:
        self._align()
        at = len(self.buf)
        self.buf += data
        return at

    def ifd(self, entries: Sequence[tuple[int, int, object]]) -> int:
        self._align()
        start = len(self.buf)
        ordered = sorted(entries, key=lambda e: e[0])
        after = start + 2 + 12 * len(ordered) + 4
        table, extra = bytearray(struct.pack("<H", len(ordered))), bytearray()
        for tag, typ, values in ordered:
            data, count = _pack(typ, values)
            if len(data) <= 4:
                table += struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\0")
            else:
                table += struct.pack("<HHII", tag, typ, count, after + len(extra))
                extra += data + b"\0" * (len(data) % 2)
        self.buf += table + b"\0\0\0\0" + extra
        return start

    def finish(self, first_ifd: int) -> bytes:
        self.buf[4:8] = struct.pack("<I", first_ifd)
        return bytes(self.buf)


def bayer_mosaic(rgb: np.ndarray, white: int = 4095) -> np.ndarray:
    """The RGGB mosaic (uint16) a sensor would record of an sRGB photo."""
    h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    linear = (rgb[:h, :w].astype(np.float32) / 255.0) ** 2.2 * white
    out = np.empty((h, w), np.uint16)
    out[0::2, 0::2] = linear[0::2, 0::2, 0]
    out[0::2, 1::2] = linear[0::2, 1::2, 1]
    out[1::2, 0::2] = linear[1::2, 0::2, 1]
    out[1::2, 1::2] = linear[1::2, 1::2, 2]
    return out


def write_raw(
    path: Path,
    photo: Image.Image,
    make: CameraMake,
    taken: str | None = "2019:07:14 10:30:00",
    orientation: int = 1,
    preview_side: int | None = 640,
    dng: bool = True,
) -> Path:
    """A TIFF-container RAW of photo (see the module docstring); preview_side None: none."""
    rgb = np.asarray(photo.convert("RGB"))
    mosaic = bayer_mosaic(rgb)
    h, w = mosaic.shape
    out = _TiffWriter(make.magic)
    raw_at = out.blob(mosaic.astype("<u2").tobytes())
    exif: list[tuple[int, int, object]] = [(33434, _RATIONAL, [(1, 125)])]
    if taken:
        exif.append((36867, _ASCII, taken))
    exif_at = out.ifd(exif)
    raw_ifd = out.ifd(
        [
            (254, _LONG, [0]),
            (256, _LONG, [w]),
            (257, _LONG, [h]),
            (258, _SHORT, [16]),
            (259, _SHORT, [1]),
            (262, _SHORT, [32803]),  # colour filter array
            (273, _LONG, [raw_at]),
            (277, _SHORT, [1]),
            (278, _LONG, [h]),
            (279, _LONG, [w * h * 2]),
            (33421, _SHORT, [2, 2]),
            (33422, _BYTE, [0, 1, 1, 2]),  # R G / G B
            (50714, _LONG, [0]),
            (50717, _LONG, [4095]),
        ]
    )
    ifd0: list[tuple[int, int, object]] = [
        (271, _ASCII, make.make),
        (272, _ASCII, make.model),
        (274, _SHORT, [orientation]),
        (306, _ASCII, taken or "    :  :     :  :  "),
        (330, _LONG, [raw_ifd]),
        (34665, _LONG, [exif_at]),
    ]
    if dng:
        matrix = [(round(v * 10000), 10000) for row in _SRGB_FROM_XYZ for v in row]
        ifd0 += [
            (50706, _BYTE, [1, 4, 0, 0]),
            (50708, _ASCII, f"{make.make} {make.model}"),
            (50721, _SRATIONAL, matrix),
            (50728, _RATIONAL, [(1, 1)] * 3),
        ]
    if preview_side is not None:
        preview = photo.convert("RGB")
        preview.thumbnail((preview_side, preview_side))
        buffer = io.BytesIO()
        preview.save(buffer, "JPEG", quality=90)
        jpeg = buffer.getvalue()
        ifd0 += [
            (254, _LONG, [1]),  # a reduced-resolution copy
            (256, _LONG, [preview.width]),
            (257, _LONG, [preview.height]),
            (258, _SHORT, [8, 8, 8]),
            (259, _SHORT, [7]),
            (262, _SHORT, [6]),
            (273, _LONG, [out.blob(jpeg)]),
            (277, _SHORT, [3]),
            (278, _LONG, [preview.height]),
            (279, _LONG, [len(jpeg)]),
        ]
    path.write_bytes(out.finish(out.ifd(ifd0)))
    return path


# FFmpeg's native LGPL encoders for each container PyAV can write.
VIDEO_CODECS = {
    ".mp4": "mpeg4",
    ".mov": "mpeg4",
    ".m4v": "mpeg4",
    ".avi": "mpeg4",
    ".mkv": "mpeg4",
    ".webm": "libvpx",
    ".3gp": "h263",
}


def write_video(
    path: Path,
    photos: Sequence[Image.Image],
    seconds: float = 2.0,
    fps: int = 10,
    creation_time: str | None = "2018-05-04T12:30:00.000000Z",
    size: tuple[int, int] = (352, 288),
) -> Path:
    """A video showing photos in turn, each for an equal share of seconds."""
    import av

    codec = VIDEO_CODECS[os.path.splitext(path)[1].lower()]
    frames = [np.asarray(p.convert("RGB").resize(size)) for p in photos]
    count = int(seconds * fps)
    with av.open(os.fspath(path), "w") as container:
        if creation_time:
            container.metadata["creation_time"] = creation_time
        stream = container.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for n in range(count):
            frame = av.VideoFrame.from_ndarray(frames[n * len(frames) // count], format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def turn_for_display(path: Path, clockwise: int) -> Path:
    """Write a phone's display matrix into an MP4/MOV's track header: players turn the stored
    frames clockwise by 90 or 270 degrees to show them. An iPhone held upright writes 90
    (a = 0, b = 1, c = -1, d = 0), which FFmpeg reports as a rotation of -90."""
    data = bytearray(path.read_bytes())
    box = data.find(b"tkhd")
    times = 8 + 8 + 4 + 4 + 8 if data[box + 4] == 1 else 4 + 4 + 4 + 4 + 4
    at = box + 8 + times + 8 + 2 + 2 + 2 + 2  # after version/flags, times, reserved, layer...
    a, b = {90: (0, 1), 270: (0, -1)}[clockwise]
    c, d = -b, 0
    matrix = struct.pack(">9i", a << 16, b << 16, 0, c << 16, d << 16, 0, 0, 0, 1 << 30)
    data[at : at + 36] = matrix
    path.write_bytes(bytes(data))
    return path
