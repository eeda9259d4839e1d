"""View > Near-duplicates: groups of visually almost identical photos (bursts, edits, copies),
shown in the gallery one group after another, each under a header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gui.gallery import PhotoEntry
from gui.wording import count

if TYPE_CHECKING:
    from gui.main_window import MainWindow


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

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def show(self) -> None:
        w = self.window
        library = w.library
        w.statusBar().showMessage("Looking for near-duplicates…")

        def done(groups: list[list[str]]) -> None:
            w.statusBar().clearMessage()
            photos = sum(len(g) for g in groups)
            if groups:
                subtitle = (
                    f"{count(len(groups), 'group')} of visually almost identical photos "
                    f"({count(photos, 'photo')}): bursts, edits and copies"
                )
            else:
                subtitle = "No near-duplicates: no two photos in the library look almost the same"
            w.queries.show_entries("Near-duplicates", subtitle, group_entries(groups))

        def failed(e: Exception) -> None:
            w.statusBar().clearMessage()
            w.show_error(e)

        w.dispatcher.call("results", library.near_duplicates, done, failed)
