"""Back and forward through the views the gallery showed: folders, searches, "find similar".

Each view is kept as what was on screen (the photos, the header, the search text), plus where
the user was in it (scroll position, selection), so going back shows it again at once, at the
same place, without asking the Library again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QTimer

from gui.gallery import PhotoEntry

if TYPE_CHECKING:
    from gui.main_window import MainWindow

MAX_VIEWS = 50


@dataclass
class View:
    mode: str  # "library" or "results"
    folder: Path | None
    entries: list[PhotoEntry]
    title: str
    subtitle: str
    search_text: str
    header_photo: str | None
    scroll: int
    selected: list[str]
    current: str | None


class History:
    """Two stacks of views; the window calls `leaving()` before it shows another view."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.back_views: list[View] = []
        self.forward_views: list[View] = []
        self._restoring = False

    def capture(self) -> View:
        w = self.window
        model = w.results_model if w.showing_results else w.library_model
        current = w.gallery.path_of(w.gallery.currentIndex())
        return View(
            mode="results" if w.showing_results else "library",
            folder=w.current_folder,
            entries=model.entries,
            title=w.header.title.text(),
            subtitle=w.header.subtitle.text(),
            search_text=w.search_bar.text() if w.showing_results else "",
            header_photo=w.queries.header_photo,
            scroll=w.gallery.verticalScrollBar().value(),
            selected=w.gallery.selected_paths(),
            current=current,
        )

    def leaving(self) -> None:
        """The window is about to show another view: remember this one, forget "forward"."""
        if self._restoring or not self.window.loaded:
            return
        self.back_views.append(self.capture())
        del self.back_views[:-MAX_VIEWS]
        self.forward_views.clear()

    @property
    def can_go_back(self) -> bool:
        return bool(self.back_views)

    @property
    def can_go_forward(self) -> bool:
        return bool(self.forward_views)

    def back(self) -> None:
        if self.back_views:
            self.forward_views.append(self.capture())
            self.restore(self.back_views.pop())

    def forward(self) -> None:
        if self.forward_views:
            self.back_views.append(self.capture())
            self.restore(self.forward_views.pop())

    def restore(self, view: View) -> None:
        w = self.window
        self._restoring = True
        try:
            w.dispatcher.supersede("results")
            w.search_bar.blockSignals(True)
            w.search_bar.set_text(view.search_text)
            w.search_bar.blockSignals(False)
            w.search_bar.clear_hints()
            if view.mode == "results":
                w.results_model.set_entries(view.entries)
                w.set_mode("results")
                w.queries.header_photo = view.header_photo
                picture = w.loader.pixmap(view.header_photo) if view.header_photo else None
                w.header.show_results(view.title, view.subtitle, picture)
            else:
                w.restore_library_view(view.folder, view.entries)
        finally:
            self._restoring = False
        self._place(view)
        # The grid lays out lazily: place again once it has, so the scroll position holds.
        QTimer.singleShot(0, lambda: self._place(view))

    def _place(self, view: View) -> None:
        gallery = self.window.gallery
        model = gallery.model()
        selection = QItemSelection()
        for path in view.selected:
            row = self.window.row_of(path)
            if row is not None:
                index = model.index(row, 0)
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        gallery.selectionModel().select(selection, flags)
        if view.current is not None:
            row = self.window.row_of(view.current)
            if row is not None:
                gallery.selectionModel().setCurrentIndex(
                    model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        gallery.verticalScrollBar().setValue(view.scroll)
