"""Real photos with GPS: copies of the shared Pascal photos with a GPS IFD written by Pillow."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

# Landmarks the tests photograph (latitude, longitude).
EIFFEL_TOWER = (48.8584, 2.2945)
LOUVRE = (48.8606, 2.3376)
TOKYO_TOWER = (35.6586, 139.7454)
REYKJAVIK_HARBOUR = (64.1500, -21.9400)
TIMES_SQUARE = (40.7580, -73.9855)
PAULISTA = (-23.5614, -46.6559)
SYDNEY_OPERA_HOUSE = (-33.8568, 151.2153)
MID_ATLANTIC = (30.0, -40.0)


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Unsigned degrees, minutes and seconds as EXIF rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (
        IFDRational(degrees, 1),
        IFDRational(minutes, 1),
        IFDRational(round(seconds * 1e4), 10**4),
    )


def gps_tags(lat: float, lon: float) -> dict[int, object]:
    return {
        1: "N" if lat >= 0 else "S",
        2: dms(lat),
        3: "E" if lon >= 0 else "W",
        4: dms(lon),
    }


def with_gps(
    source: Path, target: Path, position: tuple[float, float], fmt: str | None = None
) -> Path:
    """Save a copy of a photo with a GPS position in its EXIF (JPEG by default, or HEIF)."""
    with Image.open(source) as im:
        exif = im.getexif()
        exif.get_ifd(0x8825).update(gps_tags(*position))
        im.convert("RGB").save(target, format=fmt, exif=exif.tobytes(), quality=92)
    return target
