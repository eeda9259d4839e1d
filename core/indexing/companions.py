"""RAW+JPEG pairs: a camera RAW file beside a picture of the same name in the same folder is
that picture's companion, so the pair shows as one photo with the picture's pixels (as
digiKam and Lightroom show them)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from core.media.decode import PHOTO_EXTENSIONS
from core.media.raw import RAW_EXTENSIONS

# Which picture of a name stands for the pair when there are several (IMG_1.JPG and
# IMG_1.HEIC): the camera's own JPEG first.
_PREFERENCE = (".jpg", ".jpeg", ".jpe", ".heic", ".heif", ".tif", ".tiff", ".png", ".webp")


def pair_companions(paths: Iterable[str]) -> dict[str, str]:
    """{RAW path: the picture path it belongs to} for each RAW file with a same-named picture
    (case-insensitive) in its folder."""
    raws: dict[tuple[str, str], list[str]] = {}
    pictures: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        folder, name = os.path.split(path)
        stem, ext = os.path.splitext(name)
        key = (folder, stem.casefold())
        ext = ext.lower()
        if ext in RAW_EXTENSIONS:
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
