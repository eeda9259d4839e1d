"""The window's layout kept across starts: size, splitter positions, thumbnail size, sort.

Stored with QSettings (an INI file in the user's config folder). Tests point QSettings at a
temporary folder (QSettings.setPath), so they never read or write the user's real settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt

if TYPE_CHECKING:
    from gui.main_window import MainWindow

ORGANISATION = "PhotoSearch"
APPLICATION = "photo-search"


def open_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


def save_layout(window: MainWindow) -> None:
    """Remember how the window looks now (called as it closes)."""
    s = open_settings()
    size = window.normalGeometry().size() if window.isFullScreen() else window.size()
    s.setValue("window/size", size)
    s.setValue("window/maximized", window.isMaximized())
    s.setValue("window/splitter", window.splitter.saveState())
    s.setValue("gallery/thumbnail_size", window.gallery.thumbnail_size)
    s.setValue("gallery/sort", window.sort)
    s.sync()


def restore_layout(window: MainWindow) -> None:
    """Bring back what save_layout stored, where it is valid; the defaults otherwise."""
    s = open_settings()
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
