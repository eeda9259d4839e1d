"""The window's layout kept across starts: size, splitter positions, thumbnail size, sort.

Stored with QSettings in an INI file in the profile (`window.ini` next to the catalog), so a
profile given with --data-dir or PHOTOSEARCH_DATA_DIR (tests, scripts, a second library) has its
own layout and never reads or writes the user's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtWidgets import QMainWindow, QSplitter

from gui.view_state import SORTS

FILE_NAME = "window.ini"


@dataclass
class GalleryLayout:
    """What the gallery keeps: 0 and None mean "the default"."""

    thumbnail_size: int = 0
    sort: str | None = None


def open_settings(data_dir: Path) -> QSettings:
    return QSettings(os.fspath(data_dir / FILE_NAME), QSettings.Format.IniFormat)


def save_layout(
    data_dir: Path, window: QMainWindow, splitter: QSplitter, gallery: GalleryLayout
) -> None:
    """Remember how the window looks now (called as it closes)."""
    s = open_settings(data_dir)
    size = window.normalGeometry().size() if window.isFullScreen() else window.size()
    s.setValue("window/size", size)
    s.setValue("window/maximized", window.isMaximized())
    s.setValue("window/splitter", splitter.saveState())
    s.setValue("gallery/thumbnail_size", gallery.thumbnail_size)
    s.setValue("gallery/sort", gallery.sort)
    s.sync()


def restore_layout(data_dir: Path, window: QMainWindow, splitter: QSplitter) -> GalleryLayout:
    """Bring back the window's size and splitter where valid; returns the gallery's part."""
    s = open_settings(data_dir)
    size = s.value("window/size")
    if isinstance(size, QSize) and size.width() > 200 and size.height() > 150:
        window.resize(size)
    state = s.value("window/splitter")
    if isinstance(state, QByteArray) and not state.isEmpty():
        splitter.restoreState(state)
    try:
        thumbnail = int(str(s.value("gallery/thumbnail_size", 0)))
    except ValueError:
        thumbnail = 0
    sort = str(s.value("gallery/sort", "date"))
    if str(s.value("window/maximized", "false")).lower() == "true":
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    return GalleryLayout(thumbnail, sort if sort in SORTS else None)
