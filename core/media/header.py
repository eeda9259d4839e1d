"""A media file's facts without decoding its pixels: size, capture time, and a video's
duration. The details panel shows them; indexing reads the same facts while decoding."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from core.media import video
from core.media.dates import exif_taken
from core.media.decode import media_kind
from core.media.raw import raw_size, raw_taken


@dataclass(frozen=True)
class MediaHeader:
    """What a file's header says; None where it says nothing or cannot be read."""

    kind: str  # "photo", "raw" or "video"
    width: int | None = None
    height: int | None = None
    taken: float | None = None
    duration: float | None = None


def read_header(path: str | os.PathLike[str]) -> MediaHeader:
    """The upright pixel size, capture time and (videos) duration of a file; never raises."""
    p = Path(path)
    kind = media_kind(p)
    try:
        if kind == "raw":
            size = raw_size(p)
            w, h = size if size is not None else (None, None)
            return MediaHeader(kind, w, h, raw_taken(p))
        if kind == "video":
            probe = video.probe(p)
            return MediaHeader(kind, probe.width, probe.height, probe.taken, probe.duration)
        with Image.open(p) as im:
            w, h = im.size
            exif = im.getexif()
            if exif.get(0x0112) in (5, 6, 7, 8):
                w, h = h, w
            return MediaHeader(kind, w, h, exif_taken(exif))
    except Exception:  # an unreadable header only hides the facts
        return MediaHeader(kind)
