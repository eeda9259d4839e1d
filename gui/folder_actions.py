"""Adding and removing library folders, and the list of files that could not be read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from core.storage.profile import is_too_broad
from gui.confirm import confirmed
from gui.gallery import PhotoEntry
from gui.skipped_dialog import SkippedFilesDialog
from gui.wording import count

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class FolderActions:
    """What the sidebar's and the empty state's buttons do."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.skipped_dialog: SkippedFilesDialog | None = None
        self.removed: list[Path] = []  # folders removed this session (they can be restored)

    def choose_folder(self) -> None:
        """Ask for a folder, add it to the library and index it."""
        folder = QFileDialog.getExistingDirectory(
            self.window, "Add a folder of photos", os.path.expanduser("~")
        )
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        """Add folder and index it; a whole disk or home folder only after a confirmation."""
        w = self.window
        too_broad = is_too_broad(folder)
        if too_broad is not None and not confirmed(
            w,
            "Add a very large folder",
            f"{too_broad[:1].upper()}{too_broad[1:]}, not only your photos.\n\nAdd it anyway? "
            "A folder of photos (such as Pictures) is quicker and keeps other files out of the "
            "library.",
        ):
            return
        library = w.library

        def done(path: Path) -> None:
            w.statusBar().showMessage(f"Added {path}; indexing it…", 5000)
            w.sidebar.select_all_photos()
            w.reload_library()
            w.start_indexing([path])

        w.dispatcher.call("folders", lambda: library.add_folder(folder), done, w.show_error)

    def remove_folder(self, folder: Path, confirm: bool = True) -> None:
        """After a confirmation, take folder out of the library; the banner offers Undo."""
        w = self.window
        if confirm:
            question = (
                f"Remove “{folder.name}” from the library?\n\nThe photos stay on disk; they "
                "only leave the library and its searches. You can undo this until you quit."
            )
            if not confirmed(w, "Remove folder", question):
                return
        library = w.library

        def done(n: int) -> None:
            self.removed.append(folder)
            w.banner.show_message(
                f"Removed {folder.name} from the library ({count(n, 'photo')}; "
                "the files are untouched).",
                "info",
                action=("Undo", lambda: self.restore_folder(folder)),
            )
            if w.showing_results and _only_below(w.results_model.entries, folder):
                w.back_to_library()  # that search showed nothing but the folder's photos
            else:
                w.results_model.remove_paths(
                    {e.path for e in w.results_model.entries if Path(e.path).is_relative_to(folder)}
                )
            if w.current_folder is not None and w.current_folder.is_relative_to(folder):
                w.sidebar.select_all_photos()
            w.reload_library()

        w.dispatcher.call("folders", lambda: library.remove_folder(folder), done, w.show_error)

    def undo_remove(self) -> None:
        """Edit > Undo remove folder: the folder removed last comes back."""
        if self.removed:
            self.restore_folder(self.removed[-1])
        else:
            self.window.statusBar().showMessage("No removed folder to bring back", 4000)

    def restore_folder(self, folder: Path) -> None:
        """Undo a removal made in this session: the folder comes back with its photos."""
        w = self.window
        library = w.library

        def done(n: int) -> None:
            if folder in self.removed:
                self.removed.remove(folder)
            w.banner.show_message(
                f"{folder.name} is back in the library ({count(n, 'photo')}).",
                "info",
                timeout_ms=8000,
            )
            w.reload_library()

        w.dispatcher.call("folders", lambda: library.restore_folder(folder), done, w.show_error)

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


def _only_below(entries: list[PhotoEntry], folder: Path) -> bool:
    return bool(entries) and all(Path(e.path).is_relative_to(folder) for e in entries)
