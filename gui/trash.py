"""Moving photos to the system trash: after a confirmation, and out of the library too."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QFile, QObject, Signal
from PySide6.QtWidgets import QStatusBar, QWidget

from core.library import Library
from gui.banner import MessageBanner
from gui.confirm import confirmed
from gui.dispatch import Dispatcher
from gui.view_state import ViewState
from gui.wording import count


class Trash(QObject):
    """Emits `moved(set[str])` as soon as files are in the trash (views drop them at once), and
    `library_changed()` once the library has forgotten them."""

    moved = Signal(object)  # set[str]
    library_changed = Signal()

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        parent: QWidget,
        banner: MessageBanner,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.parent_widget = parent  # the question opens over it
        self.banner = banner
        self.status = status
        self.show_error = show_error

    def trash_selected(self) -> None:
        """Edit > Move to trash: the selected photos."""
        if self.state.selection:
            self.trash(self.state.selection)

    def trash(self, paths: list[str]) -> None:
        """After a confirmation, move paths to the system trash and drop them from the library."""
        what = os.path.basename(paths[0]) if len(paths) == 1 else count(len(paths), "photo")
        question = (
            f"Move {what} to the trash?\n\nThe file{'s leave' if len(paths) > 1 else ' leaves'} "
            "the library too; you can restore it from the system trash."
        )
        if not confirmed(self.parent_widget, "Move to trash", question):
            return
        moved = [p for p in paths if QFile.moveToTrash(p)]
        failed = [p for p in paths if p not in moved]
        if failed:
            self.banner.show_message(
                f"Could not move {os.path.basename(failed[0])}"
                + (f" and {len(failed) - 1:,} more" if len(failed) > 1 else "")
                + " to the trash (no trash here, or no permission); the files are untouched.",
                "warning",
            )
        if not moved:
            return
        self.moved.emit(set(moved))
        library = self.library

        def done(n: int) -> None:
            self.status.showMessage(f"Moved {count(len(moved), 'photo')} to the trash", 8000)
            self.library_changed.emit()

        self.dispatcher.call("folders", lambda: library.forget_photos(moved), done, self.show_error)
