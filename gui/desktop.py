"""Handing a photo to the desktop: its default viewer, or the file manager at its folder."""

from __future__ import annotations

import os

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from gui.banner import MessageBanner


def open_externally(path: str, banner: MessageBanner) -> None:
    """Open path in the system's image viewer; the banner says so when none could."""
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
        banner.show_message(f"No application could open {path}", "warning")


def show_in_folder(path: str, banner: MessageBanner) -> None:
    """Open the folder that holds path in the file manager."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        banner.show_message(f"Folder not found: {folder}", "warning")
    elif not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
        banner.show_message(f"No file manager could open {folder}", "warning")
