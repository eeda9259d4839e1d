"""Thumbnails for the gallery: made on pool threads through the disk cache, kept in memory LRU.

The gallery asks for a photo's pixmap while painting; a miss queues a job and returns None,
and `loaded` fires when the pixmap is ready. The newest requests run first, so scrolling fast
through 10,000 photos fills the cells on screen before those scrolled past.
"""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from core.media.decode import DecodeError
from core.media.thumbnails import ThumbnailCache

# Enough for several screens of 160 px cells at ~100 KB each.
MEMORY_CACHE_SIZE = 800


class _Signals(QObject):
    done = Signal(str, QImage, str)  # photo path, image (null on failure), failure reason


class _ThumbnailJob(QRunnable):
    def __init__(self, cache: ThumbnailCache, photo: str, size: QSize, signals: _Signals) -> None:
        super().__init__()
        self._cache = cache
        self._photo = photo
        self._size = size
        self._signals = signals

    def run(self) -> None:
        try:
            file = self._cache.thumbnail(self._photo)
            image = QImage(os.fspath(file))
            if image.isNull():
                raise DecodeError("cannot read the cached thumbnail")
            if image.width() > self._size.width() or image.height() > self._size.height():
                image = image.scaled(
                    self._size,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self._signals.done.emit(self._photo, image, "")
        except DecodeError as e:
            self._signals.done.emit(self._photo, QImage(), str(e))
        except Exception as e:  # a thumbnail must never take the app down
            self._signals.done.emit(self._photo, QImage(), f"unexpected error: {type(e).__name__}")


class ThumbnailLoader(QObject):
    """Pixmaps of photos at cell size, from memory, else from the disk cache on a pool thread."""

    loaded = Signal(str)  # photo path: pixmap() or failure() now has an answer

    def __init__(
        self, cache: ThumbnailCache, size: QSize, threads: int = 0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.size = size
        self.pixel_ratio = 1.0  # the screen's devicePixelRatio; the window sets it
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads or max(2, min(4, os.cpu_count() or 2)))
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._failures: dict[str, str] = {}
        self._pending: set[str] = set()
        self._order = itertools.count()

    def pixmap(self, photo: str) -> QPixmap | None:
        """The photo's pixmap if ready; otherwise None, and it gets made in the background."""
        pixmap = self._pixmaps.get(photo)
        if pixmap is not None:
            self._pixmaps.move_to_end(photo)
            return pixmap
        if photo not in self._failures and photo not in self._pending:
            self._pending.add(photo)
            job = _ThumbnailJob(self.cache, photo, self.size, self._signals)
            # QThreadPool runs higher priorities first: the latest request wins.
            self._pool.start(job, next(self._order) % 2_000_000_000)
        return None

    def set_size(self, size: QSize) -> None:
        """Make thumbnails at size from now on; those in memory are made again as asked for."""
        if size != self.size:
            self.size = size
            self._pixmaps.clear()

    def failure(self, photo: str) -> str | None:
        """Why the photo has no thumbnail, once that is known."""
        return self._failures.get(photo)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until queued thumbnails are done (for tests and shutdown)."""
        return bool(self._pool.waitForDone(timeout_ms))

    def shutdown(self) -> None:
        self._pool.clear()
        self._pool.waitForDone(5000)

    def _on_done(self, photo: str, image: QImage, failure: str) -> None:
        self._pending.discard(photo)
        if image.isNull():
            self._failures[photo] = failure or "no thumbnail"
        else:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.pixel_ratio)  # sharp on HiDPI: device pixels 1:1
            self._pixmaps[photo] = pixmap
            while len(self._pixmaps) > MEMORY_CACHE_SIZE:
                self._pixmaps.popitem(last=False)
        self.loaded.emit(photo)
