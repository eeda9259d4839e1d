"""Photos dropped on the window: one finds photos like it, several photos like all of them."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from core.media.decode import MEDIA_EXTENSIONS


def dropped_photos(event: QDragEnterEvent | QDropEvent) -> list[str]:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    paths = [url.toLocalFile() for url in urls if url.isLocalFile()]
    return [
        p for p in paths if os.path.splitext(p)[1].lower() in MEDIA_EXTENSIONS and os.path.isfile(p)
    ]


def accept_drag(event: QDragEnterEvent) -> None:
    if dropped_photos(event):
        event.acceptProposedAction()
    else:
        event.ignore()


def drop_photos(
    event: QDropEvent,
    find_similar: Callable[[str], None],
    find_similar_to_all: Callable[[list[str]], None],
) -> None:
    """One photo: photos like it; several: photos like all of them together."""
    paths = dropped_photos(event)
    if not paths:
        event.ignore()
        return
    event.acceptProposedAction()
    if len(paths) == 1:
        find_similar(paths[0])
    else:
        find_similar_to_all(paths)
