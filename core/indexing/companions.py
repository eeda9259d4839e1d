"""RAW+JPEG pairs and Live Photos: a camera RAW file, or a QuickTime clip, beside a picture of
the same name in the same folder is that picture's companion, so the pair shows as one photo
with the picture's pixels (as digiKam and Lightroom show RAW+JPEG, and Apple Photos a Live
Photo: IMG_0001.HEIC and its 3-second IMG_0001.MOV)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from core.media.decode import PHOTO_EXTENSIONS
from core.media.raw import RAW_EXTENSIONS

# An iPhone's Live Photo clip. Other videos never pair: a camera's MP4 beside a picture of the
# same name is a film of its own, and its thumbnail must not hide it.
LIVE_PHOTO_EXTENSIONS = frozenset({".mov"})
# Which picture of a name stands for the pair when there are several (IMG_1.JPG and
# IMG_1.HEIC): the camera's own JPEG first.
_PREFERENCE = (".jpg", ".jpeg", ".jpe", ".heic", ".heif", ".tif", ".tiff", ".png", ".webp")


def pair_companions(paths: Iterable[str]) -> dict[str, str]:
    """{RAW or Live Photo clip path: the picture path it belongs to} for each such file with a
    same-named picture (case-insensitive) in its folder."""
    raws: dict[tuple[str, str], list[str]] = {}
    pictures: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        folder, name = os.path.split(path)
        stem, ext = os.path.splitext(name)
        key = (folder, stem.casefold())
        ext = ext.lower()
        if ext in RAW_EXTENSIONS or ext in LIVE_PHOTO_EXTENSIONS:
            raws.setdefault(key, []).append(path)
        elif ext in PHOTO_EXTENSIONS:
            pictures.setdefault(key, []).append(path)
    pairs: dict[str, str] = {}
    for key, raw_paths in raws.items():
        candidates = pictures.get(key)
        if not candidates:
            continue
        main = min(candidates, key=_rank)
        for raw in raw_paths:
            pairs[raw] = main
    return pairs


def _rank(path: str) -> tuple[int, str]:
    ext = os.path.splitext(path)[1].lower()
    return (_PREFERENCE.index(ext) if ext in _PREFERENCE else len(_PREFERENCE), path)
