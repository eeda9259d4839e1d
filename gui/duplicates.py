"""View > Near-duplicates: groups of visually almost identical photos (bursts, edits, copies),
shown in the gallery one group after another, each under a header.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QStatusBar

from core.library import Library
from gui.dispatch import Dispatcher
from gui.navigation import Navigator
from gui.view_state import PhotoEntry
from gui.wording import count


def group_entries(groups: list[list[str]]) -> list[PhotoEntry]:
    """Every group's photos in a row, the first of each carrying "Group n · k photos"."""
    out: list[PhotoEntry] = []
    for n, group in enumerate(groups, 1):
        for i, path in enumerate(group):
            header = f"Group {n} · {count(len(group), 'photo')}" if i == 0 else ""
            out.append(PhotoEntry(path, header=header))
    return out


class DuplicatesView:
    """Asks the Library for near-duplicate groups (on a worker) and shows them as results."""

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        navigator: Navigator,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
    ) -> None:
        self.library = library
        self.dispatcher = dispatcher
        self.navigator = navigator
        self.status = status
        self.show_error = show_error

    def show(self) -> None:
        self.status.showMessage("Looking for near-duplicates…")

        def done(groups: list[list[str]]) -> None:
            self.status.clearMessage()
            photos = sum(len(g) for g in groups)
            if groups:
                subtitle = (
                    f"{count(len(groups), 'group')} of visually almost identical photos "
                    f"({count(photos, 'photo')}): bursts, edits and copies"
                )
            else:
                subtitle = "No near-duplicates: no two photos in the library look almost the same"
            self.navigator.show_entries("Near-duplicates", subtitle, group_entries(groups))

        def failed(e: Exception) -> None:
            self.status.clearMessage()
            self.show_error(e)

        self.dispatcher.call("results", self.library.near_duplicates, done, failed)
