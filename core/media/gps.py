"""Where a photo was taken: the GPS position in its EXIF (JPEG, HEIC, TIFF, PNG, WebP), in
the TIFF-style metadata of a RAW file (DNG, NEF, CR2, ARW, ORF, RW2, PEF, SRW; CR3's GPS box;
the EXIF block embedded in a RAF or a JPEG-first file), or in a video's container metadata.

Only the metadata is read, never the pixels. Positions that cannot be real (outside
±90/±180, not a number) or that are a GPS without a fix (exactly 0, 0) are no position: a
photo without a usable position never gets a place.
"""

from __future__ import annotations

import math
import os
import re
import struct
import warnings
from dataclasses import dataclass
from typing import Any, BinaryIO

from PIL import Image, TiffImagePlugin

GPS_IFD = 0x8825
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE = 1, 2, 3, 4
# Bytes of a RAW file searched for an embedded EXIF block or CR3 GPS box when its header is
# not TIFF: metadata sits in the first few hundred kilobytes of every such format.
SCAN_BYTES = 4 * 2**20
_EXIF_MARK = b"Exif\x00\x00"
_CR3_GPS_BOX = b"CMT4"  # Canon CR3: a little TIFF whose first IFD is the GPS IFD
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mkv", ".webm")
# Where FFmpeg shows a video's position: the ©xyz atom (Android, FFmpeg) and Apple's key.
_VIDEO_LOCATION_KEYS = ("location", "location-eng", "com.apple.quicktime.location.iso6709")
_ISO6709 = re.compile(r"([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")
# A damaged EXIF block is no position, said once by returning None: Pillow's warning would only
# print to stderr mid-index (a module filter: catch_warnings is not thread-safe).
warnings.filterwarnings("ignore", message=r"(Possibly )?[Cc]orrupt EXIF", category=UserWarning)


@dataclass(frozen=True)
class GpsPoint:
    """A position in decimal degrees (WGS 84): north and east are positive."""

    lat: float
    lon: float


def gps_from_exif(exif: Image.Exif) -> GpsPoint | None:
    """The position in an opened image's EXIF; None without a usable one."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:  # a malformed EXIF block: no position, never a failed photo
        return None
    return gps_from_tags(gps)


def gps_from_tags(gps: Any) -> GpsPoint | None:
    """A position from GPS IFD tags {1: "N", 2: (deg, min, sec), 3: "E", 4: (...)}."""
    if not gps:
        return None
    lat = _degrees(gps.get(LATITUDE), gps.get(LATITUDE_REF), "S")
    lon = _degrees(gps.get(LONGITUDE), gps.get(LONGITUDE_REF), "W")
    if lat is None or lon is None:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    if lat == 0.0 and lon == 0.0:  # what a GPS writes before it has a fix
        return None
    return GpsPoint(lat, lon)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """(degrees, minutes, seconds) rationals, or one number, to signed decimal degrees."""
    try:
        parts = [float(v) for v in value] if isinstance(value, tuple | list) else [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    if any(p >= 60 for p in parts[1:]):
        return None
    deg = float(sum(p / 60**i for i, p in enumerate(parts)))
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative:
        deg = -deg
    return deg


def read_gps(path: str | os.PathLike[str]) -> GpsPoint | None:
    """A photo file's GPS position, reading only its metadata; None without one.

    Formats Pillow opens (with pillow-heif: HEIC; TIFF-based RAW files such as DNG and NEF
    open as TIFF) are read through their EXIF; others through read_raw_gps.
    """
    try:
        with Image.open(path) as im:
            return gps_from_exif(im.getexif())
    except Exception:  # not a format Pillow knows (RW2, CR3, RAF, videos), or damaged
        pass
    if os.fspath(path).lower().endswith(VIDEO_SUFFIXES):
        return read_video_gps(path)
    return read_raw_gps(path)


def read_video_gps(path: str | os.PathLike[str]) -> GpsPoint | None:
    """The position in a video's container metadata (QuickTime/MP4 "location", the ISO 6709
    text phones write, e.g. "+48.8584+002.2945/"); None without one, or without PyAV."""
    try:
        import av  # the video extra: without it there are no videos to place
    except ImportError:
        return None
    try:
        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except Exception:  # unreadable or not a video: no position
        return None
    for key in _VIDEO_LOCATION_KEYS:
        if key in tags:
            return parse_iso6709(tags[key])
    return None


def parse_iso6709(text: str) -> GpsPoint | None:
    """ "+48.8584+002.2945/" (altitude and CRS may follow) to a position; None otherwise."""
    found = _ISO6709.match(text.strip())
    if found is None:
        return None
    return gps_from_tags(
        {
            LATITUDE: abs(float(found[1])),
            LATITUDE_REF: "S" if found[1].startswith("-") else "N",
            LONGITUDE: abs(float(found[2])),
            LONGITUDE_REF: "W" if found[2].startswith("-") else "E",
        }
    )


def read_raw_gps(path: str | os.PathLike[str]) -> GpsPoint | None:
    """The GPS position in a RAW file's metadata; None without one or when unreadable.

    TIFF-structured files (DNG, NEF, CR2, ARW, PEF, SRW, and ORF and RW2 with their own magic
    numbers) are walked IFD by IFD from the file; others (CR3, RAF, JPEG-first files) are
    searched in their first SCAN_BYTES for an EXIF block or CR3's GPS box.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if head[:2] in (b"II", b"MM"):
                found = _tiff_gps(f, head)
                if found is not None:
                    return found
            f.seek(0)
            return _embedded_gps(f.read(SCAN_BYTES))
    except Exception:  # unreadable or malformed metadata: no position
        return None


def _tiff_gps(f: BinaryIO, head: bytes) -> GpsPoint | None:
    """Follow IFD0's GPS pointer in a TIFF-structured file."""
    order = head[:2]
    # ORF ("IIRO"), RW2 ("IIU\0") and friends differ from TIFF only in the magic number.
    magic = b"\x2a\x00" if order == b"II" else b"\x00\x2a"
    ifh = order + magic + head[4:8]
    ifd0 = TiffImagePlugin.ImageFileDirectory_v2(ifh)
    f.seek(ifd0.next)
    ifd0.load(f)
    offset = ifd0.get(GPS_IFD)
    if not isinstance(offset, int) or offset <= 0:
        return None
    gps = TiffImagePlugin.ImageFileDirectory_v2(ifh)
    f.seek(offset)
    gps.load(f)
    return gps_from_tags(dict(gps))


def _embedded_gps(data: bytes) -> GpsPoint | None:
    """GPS from an EXIF block inside data (a RAF's or JPEG-first file's preview), or from a
    CR3 GPS box."""
    at = data.find(_EXIF_MARK)
    if at >= 0:
        exif = Image.Exif()
        exif.load(data[at : at + 2 + 65535])
        found = gps_from_exif(exif)
        if found is not None:
            return found
    at = data.find(_CR3_GPS_BOX)
    if at >= 4:
        (size,) = struct.unpack(">I", data[at - 4 : at])
        tiff = data[at + 4 : at - 4 + size]
        exif = Image.Exif()
        exif.load(tiff)
        return gps_from_tags(dict(exif))
    return None
