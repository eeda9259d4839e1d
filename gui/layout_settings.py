"""The window's layout kept across starts: size, splitter positions, thumbnail size, sort.

Stored with QSettings in an INI file in the profile (`window.ini` next to the catalog), so a
profile given with --data-dir or PHOTOSEARCH_DATA_DIR (tests, scripts, a second library) has its
own layout and never reads or writes the user's.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt

if TYPE_CHECKING:
    from gui.main_window import MainWindow

FILE_NAME = "window.ini"


def open_settings(window: MainWindow) -> QSettings:
    return QSettings(os.fspath(window.profile.data_dir / FILE_NAME), QSettings.Format.IniFormat)


def save_layout(window: MainWindow) -> None:
    """Remember how the window looks now (called as it closes)."""
    s = open_settings(window)
    size = window.normalGeometry().size() if window.isFullScreen() else window.size()
    s.setValue("window/size", size)
    s.setValue("window/maximized", window.isMaximized())
    s.setValue("window/splitter", window.splitter.saveState())
    s.setValue("gallery/thumbnail_size", window.gallery.thumbnail_size)
    s.setValue("gallery/sort", window.sort)
    s.sync()


def restore_layout(window: MainWindow) -> None:
    """Bring back what save_layout stored, where it is valid; the defaults otherwise."""
    s = open_settings(window)
    size = s.value("window/size")
    if isinstance(size, QSize) and size.width() > 200 and size.height() > 150:
        window.resize(size)
    state = s.value("window/splitter")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.splitter.restoreState(state)
    try:
        thumbnail = int(str(s.value("gallery/thumbnail_size", 0)))
    except ValueError:
        thumbnail = 0
    if thumbnail:
        window.set_thumbnail_size(thumbnail)
    sort = str(s.value("gallery/sort", "date"))
    if sort in ("date", "name", "folder"):
        window.sort = sort
    if str(s.value("window/maximized", "false")).lower() == "true":
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
