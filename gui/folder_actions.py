"""Adding and removing library folders, and the list of files that could not be read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from gui.skipped_dialog import SkippedFilesDialog
from gui.wording import count

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class FolderActions:
    """What the sidebar's and the empty state's buttons do."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.skipped_dialog: SkippedFilesDialog | None = None

    def choose_folder(self) -> None:
        """Ask for a folder, add it to the library and index it."""
        folder = QFileDialog.getExistingDirectory(
            self.window, "Add a folder of photos", os.path.expanduser("~")
        )
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        w = self.window
        library = w.library

        def done(path: Path) -> None:
            w.statusBar().showMessage(f"Added {path}; indexing it…", 5000)
            w.sidebar.select_all_photos()
            w.reload_library()
            w.start_indexing([path])

        w.dispatcher.call("folders", lambda: library.add_folder(folder), done, w.show_error)

    def remove_folder(self, folder: Path) -> None:
        w = self.window
        library = w.library

        def remove() -> int:
            n = library.remove_folder(folder)
            library.refresh_indexes()
            return n

        def done(n: int) -> None:
            w.statusBar().showMessage(
                f"Removed {folder.name} from the library ({count(n, 'photo')}; "
                "the files are untouched)",
                8000,
            )
            w.sidebar.select_all_photos()
            w.reload_library()

        w.dispatcher.call("folders", remove, done, w.show_error)

    def show_skipped(self) -> None:
        w = self.window
        if self.skipped_dialog is None:
            self.skipped_dialog = SkippedFilesDialog(w)
        dialog = self.skipped_dialog

        def done(status: dict[str, Any]) -> None:
            dialog.set_files([(s["path"], s["reason"]) for s in status["skipped"]])
            dialog.show()
            dialog.raise_()

        w.dispatcher.call("status", w.library.status, done, w.show_error)
