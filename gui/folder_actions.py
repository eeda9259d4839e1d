"""Adding and removing library folders, and the list of files that could not be read."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from core.library import Library
from core.storage.profile import is_too_broad
from gui.banner import MessageBanner
from gui.confirm import confirmed
from gui.dispatch import Dispatcher
from gui.skipped_dialog import SkippedFilesDialog
from gui.wording import count


class FolderActions(QObject):
    """What the sidebar's and the empty state's buttons do.

    Emits `added(Path)`, `removed(Path)` and `restored(Path)` once the library has changed; the
    window decides what the views do about it.
    """

    added = Signal(object)  # Path
    removed = Signal(object)  # Path
    restored = Signal(object)  # Path

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        parent: QWidget,
        banner: MessageBanner,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.dispatcher = dispatcher
        self.parent_widget = parent  # dialogs open over it
        self.banner = banner
        self.status = status
        self.show_error = show_error
        self.skipped_dialog: SkippedFilesDialog | None = None
        self.removed_folders: list[Path] = []  # removed this session (they can be restored)

    def choose_folder(self) -> None:
        """Ask for a folder, add it to the library and index it."""
        folder = QFileDialog.getExistingDirectory(
            self.parent_widget, "Add a folder of photos", os.path.expanduser("~")
        )
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        """Add folder and index it; a whole disk or home folder only after a confirmation."""
        too_broad = is_too_broad(folder)
        if too_broad is not None and not confirmed(
            self.parent_widget,
            "Add a very large folder",
            f"{too_broad[:1].upper()}{too_broad[1:]}, not only your photos.\n\nAdd it anyway? "
            "A folder of photos (such as Pictures) is quicker and keeps other files out of the "
            "library.",
        ):
            return
        library = self.library

        def done(path: Path) -> None:
            self.status.showMessage(f"Added {path}; indexing it…", 5000)
            self.added.emit(path)

        self.dispatcher.call("folders", lambda: library.add_folder(folder), done, self.show_error)

    def remove_folder(self, folder: Path, confirm: bool = True) -> None:
        """After a confirmation, take folder out of the library; the banner offers Undo."""
        if confirm:
            question = (
                f"Remove “{folder.name}” from the library?\n\nThe photos stay on disk; they "
                "only leave the library and its searches. You can undo this until you quit."
            )
            if not confirmed(self.parent_widget, "Remove folder", question):
                return
        library = self.library

        def done(n: int) -> None:
            self.removed_folders.append(folder)
            self.banner.show_message(
                f"Removed {folder.name} from the library ({count(n, 'photo')}; "
                "the files are untouched).",
                "info",
                action=("Undo", lambda: self.restore_folder(folder)),
            )
            self.removed.emit(folder)

        self.dispatcher.call(
            "folders", lambda: library.remove_folder(folder), done, self.show_error
        )

    def undo_remove(self) -> None:
        """Edit > Undo remove folder: the folder removed last comes back."""
        if self.removed_folders:
            self.restore_folder(self.removed_folders[-1])
        else:
            self.status.showMessage("No removed folder to bring back", 4000)

    def restore_folder(self, folder: Path) -> None:
        """Undo a removal made in this session: the folder comes back with its photos."""
        library = self.library

        def done(n: int) -> None:
            if folder in self.removed_folders:
                self.removed_folders.remove(folder)
            self.banner.show_message(
                f"{folder.name} is back in the library ({count(n, 'photo')}).",
                "info",
                timeout_ms=8000,
            )
            self.restored.emit(folder)

        self.dispatcher.call(
            "folders", lambda: library.restore_folder(folder), done, self.show_error
        )

    def show_skipped(self) -> None:
        if self.skipped_dialog is None:
            self.skipped_dialog = SkippedFilesDialog(self.parent_widget)
        dialog = self.skipped_dialog

        def done(status: dict[str, Any]) -> None:
            dialog.set_files([(s["path"], s["reason"]) for s in status["skipped"]])
            dialog.show()
            dialog.raise_()

        self.dispatcher.call("status", self.library.status, done, self.show_error)
