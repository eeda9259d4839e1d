"""Starts the desktop app: a QApplication, the Library of the chosen profile, the main window."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING

from core.errors import PROGRAM, ProfileWarning

if TYPE_CHECKING:
    from core.library import Library
    from core.storage.profile import Profile


def open_library(profile: Profile, backbone: str | None) -> tuple[Library, list[str]]:
    """The profile's library, and what core ignored while opening it (ProfileWarnings: a bad
    settings file...), as sentences for the window's banner; other warnings go on as usual."""
    from core.library import Library

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProfileWarning)
        # repair=True: a damaged catalog is moved aside and rebuilt, and the window says so.
        library = Library(profile, backbone=backbone, repair=True)
    ignored = []
    for w in caught:
        if issubclass(w.category, ProfileWarning):
            text = str(w.message)
            ignored.append(text[:1].upper() + text[1:] + ".")
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return library, ignored


def run_app(data_dir: str | None, backbone: str | None) -> int:
    """Open the main window; returns the process exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from core.errors import PhotoSearchError
    from core.storage.profile import resolve_profile
    from gui.main_window import MainWindow
    from gui.style import apply_style

    logging.basicConfig(level=logging.INFO, format=f"{PROGRAM}: %(levelname)s %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Photo Search")
    app.setApplicationDisplayName("Photo Search")
    apply_style(app)
    profile = resolve_profile(data_dir)
    try:
        library, ignored = open_library(profile, backbone)
    except PhotoSearchError as e:
        QMessageBox.critical(None, "Photo Search", f"The library cannot be opened:\n{e}")
        return 1
    window = MainWindow(library)
    screen = app.primaryScreen()
    if screen is not None:  # fit small screens: the default size is 1280 x 820
        area = screen.availableGeometry()
        window.resize(min(window.width(), area.width()), min(window.height(), area.height()))
    window.show()
    window.start()
    if ignored:  # a bad settings file or profile manifest: the defaults are in use
        window.banner.show_message(" ".join(ignored), "warning")
    if os.environ.get("PHOTOSEARCH_ANNOUNCE_WINDOW"):
        # For scripts that check a real display (benchmarks/xvfb_check.sh): say when shown.
        QTimer.singleShot(0, lambda: print(f"{PROGRAM}: window shown", flush=True))  # noqa: T201
    quit_after = os.environ.get("PHOTOSEARCH_QUIT_AFTER_MS")
    if quit_after:
        QTimer.singleShot(int(quit_after), window.close)
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        library.close()
