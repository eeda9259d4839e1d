"""A disk cache of small JPEG thumbnails, so the gallery of a second start needs no decoding.

Qt-free: the GUI calls `ThumbnailCache.thumbnail` on worker threads and reads the file it
returns. A thumbnail is keyed by the photo's path, size and modification time, so an edited
photo gets a new thumbnail and stale ones are simply never read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from pathlib import Path

from core.media.decode import DecodeError, load_thumbnail
from core.storage.atomic import atomic_write_bytes

# Big enough for a 160 px grid cell on a 1.5x HiDPI screen, ~10 KB a photo as JPEG.
DEFAULT_MAX_SIDE = 256
JPEG_QUALITY = 85


class ThumbnailCache:
    """Thumbnails of at most max_side pixels, as JPEG files below folder."""

    def __init__(self, folder: Path, max_side: int = DEFAULT_MAX_SIDE) -> None:
        self.folder = folder
        self.max_side = max_side

    def cached_path(self, photo: str | os.PathLike[str]) -> Path:
        """Where photo's thumbnail goes (it may not exist yet); raises DecodeError if unreadable."""
        path = os.path.abspath(os.fspath(photo))
        try:
            st = os.stat(path)
        except FileNotFoundError as e:
            raise DecodeError("file not found") from e
        except OSError as e:
            raise DecodeError(f"cannot read file: {e.strerror or e}") from e
        key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{self.max_side}".encode(
            "utf-8", "surrogateescape"
        )
        digest = hashlib.sha256(key).hexdigest()[:32]
        # Two hex digits of fan-out keep any one folder small for 100,000-photo libraries.
        return self.folder / digest[:2] / f"{digest}.jpg"

    def thumbnail(self, photo: str | os.PathLike[str]) -> Path:
        """The cached JPEG thumbnail of photo, made now if missing; raises DecodeError."""
        target = self.cached_path(photo)
        if target.is_file():
            return target
        image = load_thumbnail(Path(photo), self.max_side)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False)
        try:
            atomic_write_bytes(target, buffer.getvalue(), durable=False)
        except OSError as e:
            raise DecodeError(f"cannot write thumbnail cache: {e.strerror or e}") from e
        return target

    def clear(self) -> int:
        """Delete every cached thumbnail; returns how many files were removed."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for file in self.folder.glob("*/*.jpg"):
            with contextlib.suppress(OSError):
                file.unlink()
                removed += 1
        return removed
