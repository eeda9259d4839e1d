"""Which view the gallery shows, the library (a folder) or results, and Back/Forward between views.

Each view left is kept as what was on screen (the photos, the header, the search text) plus
where the user was in it (scroll position, selection), so going back shows it again at once,
at the same place, without asking the Library again. The state itself is Qt-free
(gui.view_state); this module writes it to the widgets and reads the widgets into it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QTimer
from PySide6.QtWidgets import QStackedWidget, QWidget

from gui.dispatch import Dispatcher
from gui.gallery import GalleryView, PhotoModel
from gui.library_loader import LibraryLoader
from gui.results_header import ResultsHeader
from gui.search_bar import SearchBar
from gui.sidebar import LibrarySidebar
from gui.thumbnail_loader import ThumbnailLoader
from gui.view_state import Mode, PhotoEntry, Results, View, ViewState, below


class Navigator:
    """Switches the gallery between the library and results, with its header and history."""

    def __init__(
        self,
        state: ViewState,
        *,
        gallery: GalleryView,
        library_model: PhotoModel,
        results_model: PhotoModel,
        header: ResultsHeader,
        search_bar: SearchBar,
        sidebar: LibrarySidebar,
        pages: QStackedWidget,
        gallery_page: QWidget,
        empty_state: QWidget,
        loader: ThumbnailLoader,
        dispatcher: Dispatcher,
        library_loader: LibraryLoader,
        indexing: Callable[[], bool],
    ) -> None:
        self.state = state
        self.gallery = gallery
        self.library_model = library_model
        self.results_model = results_model
        self.header = header
        self.search_bar = search_bar
        self.sidebar = sidebar
        self.pages = pages
        self.gallery_page = gallery_page
        self.empty_state = empty_state
        self.loader = loader
        self.dispatcher = dispatcher
        self.library_loader = library_loader
        self.indexing = indexing
        self._restoring = False
        self._watch_selection()
        # A reset model drops its selection without saying so: the panels must not keep
        # showing a photo that is gone from the gallery.
        for model in (library_model, results_model):
            model.modelReset.connect(self.sync_selection)
            model.rowsRemoved.connect(self.sync_selection)

    # -- the library view --------------------------------------------------------------------

    def show_folder(self, folder: Path | None) -> None:
        """Show every photo (None) or one library folder's photos."""
        if folder != self.state.folder or self.state.showing_results:
            self.leaving()
        self.state.folder = folder
        self.set_mode("library")
        self.library_model.set_entries([])
        self.update_library_header()
        self.library_loader.reload()

    def mark_loaded(self) -> None:
        """The library view has been read from the catalog (the first time, or again)."""
        self.state.loaded = True
        self.update_library_header()
        self.update_page()

    def back_to_library(self) -> None:
        self.leaving()
        self.dispatcher.supersede("results")  # drop results still on their way
        self.drop_suggestions()
        self.set_mode("library")
        self._set_search_text("")
        self.update_library_header()

    def clear_results(self) -> None:
        """Esc: close results and go back to the library."""
        if self.state.showing_results or self.search_bar.text():
            self.back_to_library()
            self.gallery.setFocus()

    def set_mode(self, mode: Mode) -> None:
        """Show the library ("library") or the latest results ("results") in the gallery."""
        self.state.mode = mode
        model = self.results_model if mode == "results" else self.library_model
        if self.gallery.model() is not model:
            self.gallery.setModel(model)
            self._watch_selection()
            self.sync_selection()
        if mode == "library":
            self.state.results.picture_of = None
        self.update_page()

    def update_page(self) -> None:
        empty = self.state.library_is_empty
        self.pages.setCurrentWidget(self.empty_state if empty else self.gallery_page)

    def update_library_header(self) -> None:
        if self.state.showing_results:
            return
        subtitle = self.state.library_subtitle(self.library_model.rowCount(), self.indexing())
        self.header.show_library(self.state.library_title(), subtitle)

    def folder_removed(self, folder: Path) -> None:
        """A folder left the library: its photos leave the results, or the results close."""
        entries = self.results_model.entries
        inside = below(entries, folder)
        if self.state.showing_results and entries and len(inside) == len(entries):
            self.back_to_library()  # that search showed nothing but the folder's photos
        else:
            self.results_model.remove_paths(set(inside))
        if self.state.folder is not None and self.state.folder.is_relative_to(folder):
            self.sidebar.select_all_photos()
        self.library_loader.reload()

    def photos_removed(self, paths: set[str]) -> None:
        """Photos moved to the trash leave every view at once."""
        self.library_model.remove_paths(paths)
        self.results_model.remove_paths(paths)
        self.state.results.forget(paths)

    # -- results -----------------------------------------------------------------------------

    def show_results(self, title: str, subtitle: str, results: Results) -> None:
        """A query's results in the order chosen, under a header (picturing the query photo)."""
        self.leaving()
        self.state.results = results
        self.results_model.set_entries(self.state.ordered_results())
        self.set_mode("results")
        self._show_results_header(title, subtitle)
        self.gallery.scrollToTop()

    def show_entries(self, title: str, subtitle: str, entries: list[PhotoEntry]) -> None:
        """Photos in a given order (near-duplicate groups), not sorted again."""
        self.leaving()
        self.clear_search_field()
        self.state.results = Results()
        self.results_model.set_entries(entries)
        self.set_mode("results")
        self._show_results_header(title, subtitle)
        self.gallery.scrollToTop()

    def reorder(self) -> None:
        """Results again, in the order now chosen (best match first, or newest first)."""
        if self.state.showing_results:
            self.results_model.set_entries(self.state.ordered_results())

    def on_thumbnail(self, path: str) -> None:
        if path == self.state.results.picture_of:
            self.header.set_picture(self.loader.pixmap(path))

    def _show_results_header(self, title: str, subtitle: str) -> None:
        photo = self.state.results.picture_of
        self.header.show_results(title, subtitle, self.loader.pixmap(photo) if photo else None)

    # -- the search field --------------------------------------------------------------------

    def drop_suggestions(self) -> None:
        """Remove the "Try:" chips, and drop any still being looked up."""
        self.dispatcher.supersede("words")
        self.search_bar.set_suggestions([])

    def clear_search_field(self) -> None:
        self.drop_suggestions()
        self._set_search_text("")

    def _set_search_text(self, text: str) -> None:
        """Show text in the search field without searching for it, hints cleared."""
        self.search_bar.blockSignals(True)
        self.search_bar.set_text(text)
        self.search_bar.blockSignals(False)
        self.search_bar.clear_hints()

    # -- selection ---------------------------------------------------------------------------

    def sync_selection(self, *_: object) -> None:
        """Tell the state what the gallery has selected now."""
        self.state.set_selection(self.gallery.selected_paths())

    def _watch_selection(self) -> None:
        self.gallery.selectionModel().selectionChanged.connect(self.sync_selection)

    def row_of(self, path: str) -> int | None:
        model = self.gallery.model()
        return model.row_of(path) if isinstance(model, PhotoModel) else None

    # -- back and forward --------------------------------------------------------------------

    def capture(self) -> View:
        """The view on screen now, with the scroll position and selection."""
        model = self.results_model if self.state.showing_results else self.library_model
        return View(
            mode=self.state.mode,
            folder=self.state.folder,
            entries=model.entries,
            title=self.header.title.text(),
            subtitle=self.header.subtitle.text(),
            search_text=self.search_bar.text() if self.state.showing_results else "",
            header_photo=self.state.results.picture_of,
            scroll=self.gallery.verticalScrollBar().value(),
            selected=self.gallery.selected_paths(),
            current=self.gallery.path_of(self.gallery.currentIndex()),
        )

    def leaving(self) -> None:
        """Another view is about to be shown: remember this one for Back."""
        if not self._restoring and self.state.loaded:
            self.state.history.leave(self.capture())

    def back(self) -> None:
        if self.state.history.can_go_back:
            view = self.state.history.back(self.capture())
            if view is not None:
                self.restore(view)

    def forward(self) -> None:
        if self.state.history.can_go_forward:
            view = self.state.history.forward(self.capture())
            if view is not None:
                self.restore(view)

    def restore(self, view: View) -> None:
        self._restoring = True
        try:
            self.dispatcher.supersede("results")
            self._set_search_text(view.search_text)
            if view.mode == "results":
                self.results_model.set_entries(view.entries)
                self.set_mode("results")
                self.state.results.picture_of = view.header_photo
                self._show_results_header(view.title, view.subtitle)
            else:
                self._restore_library(view.folder, view.entries)
        finally:
            self._restoring = False
        self._place(view)
        # The grid lays out lazily: place again once it has, so the scroll position holds.
        QTimer.singleShot(0, lambda: self._place(view))

    def _restore_library(self, folder: Path | None, entries: list[PhotoEntry]) -> None:
        """Show a library view kept by the history, then bring it up to date."""
        self.state.folder = folder
        self.sidebar.show_current(folder)
        self.library_model.set_entries(entries)
        self.set_mode("library")
        self.update_library_header()
        self.library_loader.reload()

    def _place(self, view: View) -> None:
        gallery = self.gallery
        model = gallery.model()
        selection = QItemSelection()
        for path in view.selected:
            row = self.row_of(path)
            if row is not None:
                index = model.index(row, 0)
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        gallery.selectionModel().select(selection, flags)
        if view.current is not None:
            row = self.row_of(view.current)
            if row is not None:
                gallery.selectionModel().setCurrentIndex(
                    model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        gallery.verticalScrollBar().setValue(view.scroll)
