"""The main window: sidebar, gallery, search bar and tag panel, wired to the Library.

Every Library call runs on a worker thread (gui.dispatch); the window composes the parts that
decide what to ask for and what to show: queries (search, find similar), the side panels (tags,
details), the photo menu and the indexing controller.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import PhotoSearchError
from core.library import Library
from core.media.thumbnails import DEFAULT_MAX_SIDE, ThumbnailCache
from core.storage.profile import Profile
from gui.banner import MessageBanner
from gui.browsing import Browser
from gui.date_filter import DateFilter
from gui.details_panel import DetailsPanel
from gui.dispatch import Dispatcher
from gui.drops import accept_drag, drop_photos
from gui.duplicates import DuplicatesView
from gui.empty_state import EmptyState
from gui.folder_actions import FolderActions
from gui.gallery import THUMBNAIL_SIZE, THUMBNAIL_SIZES, GalleryView, PhotoEntry, PhotoModel
from gui.history import History
from gui.index_status import IndexStatus
from gui.indexing_controller import IndexingController
from gui.layout_settings import restore_layout, save_layout
from gui.live_updates import LiveUpdates
from gui.menus import Menus
from gui.photo_menu import PhotoMenu
from gui.preview import PreviewWindow
from gui.preview_control import PreviewControl
from gui.queries import Queries
from gui.results_header import ResultsHeader
from gui.search_bar import SearchBar
from gui.side_panels import SidePanels
from gui.sidebar import LibrarySidebar
from gui.tag_panel import TagPanel
from gui.thumbnail_loader import ThumbnailLoader
from gui.workers import Jobs


class MainWindow(QMainWindow):
    """One library, shown as a photo browser."""

    def __init__(self, library: Library, profile: Profile | None = None) -> None:
        super().__init__()
        self.library = library
        self.profile = profile or library.profile
        self.setWindowTitle("Photo Search")
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.jobs = Jobs()
        self.dispatcher = Dispatcher(self.jobs, self.show_error)
        # Thumbnails are made at the cell's size in device pixels (sharp on HiDPI screens) and
        # are only ever scaled down when painted, never up.
        self.loader = ThumbnailLoader(
            ThumbnailCache(self.profile.thumbnail_dir), self.thumbnail_pixels(), parent=self
        )
        self.loader.pixel_ratio = max(1.0, self.devicePixelRatioF())
        self.library_model = PhotoModel(self.loader, self)
        self.results_model = PhotoModel(self.loader, self)
        self.folders: list[Path] = []
        self._mode = "library"
        self._folder: Path | None = None
        self._loaded_once = False
        self.queries = Queries(self)
        self.panels = SidePanels(self)
        self.photo_menu = PhotoMenu(self)
        self.indexer = IndexingController(self)
        self.folder_actions = FolderActions(self)
        self.history = History(self)
        self.browser = Browser(self)
        self.duplicates = DuplicatesView(self)
        self.previews = PreviewControl(self)
        self.live = LiveUpdates(self)
        self.sort = "date"
        self.results_by_date = False
        self._build()
        self.menus = Menus(self)
        self._connect()
        restore_layout(self)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.search_bar = SearchBar(self)
        app_name = QLabel("Photo Search", self)
        app_name.setObjectName("appName")
        top = QWidget(self)
        top.setObjectName("topBar")
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(16, 10, 16, 8)
        top_layout.addWidget(app_name, 0, Qt.AlignmentFlag.AlignTop)
        top_layout.addWidget(self.search_bar, 1)
        self.date_filter = DateFilter(self)
        top_layout.addWidget(self.date_filter, 0, Qt.AlignmentFlag.AlignTop)

        self.banner = MessageBanner(self)
        self.sidebar = LibrarySidebar(self)
        self.header = ResultsHeader(self)
        self.gallery = GalleryView(self)
        self.gallery.setModel(self.library_model)
        self.empty_state = EmptyState(self)
        gallery_page = QWidget(self)
        gallery_layout = QVBoxLayout(gallery_page)
        gallery_layout.setContentsMargins(0, 0, 0, 0)
        gallery_layout.setSpacing(0)
        gallery_layout.addWidget(self.header)
        gallery_layout.addWidget(self.gallery, 1)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("centre")
        self.pages.addWidget(gallery_page)
        self._gallery_page = gallery_page
        self.pages.addWidget(self.empty_state)

        self.tag_panel = TagPanel(self)
        self.details = DetailsPanel(self)
        right_inner = QWidget(self)
        right_inner.setObjectName("rightInner")
        right_layout = QVBoxLayout(right_inner)
        right_layout.setContentsMargins(14, 12, 14, 12)
        right_layout.setSpacing(18)
        right_layout.addWidget(self.tag_panel)
        right_layout.addWidget(self.details)
        right_layout.addStretch(1)
        right = QScrollArea(self)
        right.setObjectName("rightPanel")
        right.setWidget(right_inner)
        right.setWidgetResizable(True)
        right.setFrameShape(QScrollArea.Shape.NoFrame)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.right_panel = right

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.pages)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([240, 780, 260])
        splitter.setHandleWidth(3)
        self.splitter = splitter

        centre = QWidget(self)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(centre)

        self.index_status = IndexStatus(self)
        self.statusBar().addPermanentWidget(self.index_status)
        self.statusBar().setSizeGripEnabled(False)

    def _connect(self) -> None:
        self.search_bar.search_requested.connect(self.search)
        self.search_bar.cleared.connect(self._on_search_cleared)
        self.sidebar.folder_chosen.connect(self.show_folder)
        self.sidebar.add_folder_requested.connect(self.folder_actions.choose_folder)
        self.sidebar.remove_folder_requested.connect(self.folder_actions.remove_folder)
        self.sidebar.rescan_requested.connect(lambda: self.start_indexing())
        self.sidebar.skipped_requested.connect(self.folder_actions.show_skipped)
        self.empty_state.add_folder_requested.connect(self.folder_actions.choose_folder)
        self.header.back_requested.connect(self.back_to_library)
        self.gallery.open_requested.connect(self.open_preview)
        self.gallery.preview_requested.connect(self.toggle_preview)
        self.gallery.zoom_requested.connect(self.zoom)
        self.gallery.customContextMenuRequested.connect(self.photo_menu.on_requested)
        self.gallery.selectionModel().selectionChanged.connect(self.panels.on_selection)
        # A reset model drops its selection without saying so: the panels must not keep
        # showing a photo that is gone from the gallery.
        self.library_model.modelReset.connect(self.panels.on_selection)
        self.results_model.modelReset.connect(self.panels.on_selection)
        self.date_filter.changed.connect(self.queries.on_dates_changed)
        self.tag_panel.tag_clicked.connect(self._on_tag_clicked)
        self.details.class_clicked.connect(lambda p, c: self.find_similar(p, c))
        self.index_status.cancel_requested.connect(self.cancel_indexing)
        self.loader.loaded.connect(self.queries.on_thumbnail)

        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search_bar.focus)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.clear_results)

    # -- start-up ----------------------------------------------------------------------------

    def start(self, rescan: bool = True) -> None:
        """Load the library into the window, then rescan its folders in the background."""
        if self.library.repair_message:
            self.banner.show_message(self.library.repair_message.capitalize() + ".", "warning")
        self.reload_library(then_rescan=rescan)

    def reload_library(self, then_rescan: bool = False) -> None:
        """Re-read folders, counts and the shown photos from the catalog (on a worker)."""
        self.browser.reload(then_rescan)

    def mark_loaded(self) -> None:
        self._loaded_once = True
        self.update_library_header()
        self._update_page()

    def set_folder(self, folder: Path | None) -> None:
        self._folder = folder
        self.sidebar.show_current(folder)

    def restore_library_view(self, folder: Path | None, entries: list[PhotoEntry]) -> None:
        self.browser.restore(folder, entries)

    def set_sort(self, sort: str) -> None:
        """Order the library view by "date" (newest first), "name" or "folder"."""
        if sort != self.sort:
            self.sort = sort
            self.reload_library()

    def set_results_by_date(self, on: bool) -> None:
        self.results_by_date = on
        self.queries.reorder()

    # -- browsing ----------------------------------------------------------------------------

    @property
    def showing_results(self) -> bool:
        return self._mode == "results"

    @property
    def loaded(self) -> bool:
        """Whether the library has been shown once (before that there is nothing to go back to)."""
        return self._loaded_once

    @property
    def current_folder(self) -> Path | None:
        return self._folder

    def row_of(self, path: str) -> int | None:
        model = self.gallery.model()
        return model.row_of(path) if isinstance(model, PhotoModel) else None

    def thumbnail_pixels(self, size: int = THUMBNAIL_SIZE) -> QSize:
        """A thumbnail's size in device pixels (the disk cache holds up to 256 px)."""
        side = min(DEFAULT_MAX_SIDE, round(size * max(1.0, self.devicePixelRatioF())))
        return QSize(side, side)

    def set_thumbnail_size(self, size: int) -> None:
        self.gallery.set_thumbnail_size(size)
        self.loader.set_size(self.thumbnail_pixels(self.gallery.thumbnail_size))
        self.gallery.viewport().update()

    def zoom(self, step: int) -> None:
        """One thumbnail size larger (step 1) or smaller (-1)."""
        sizes = THUMBNAIL_SIZES
        now = self.gallery.thumbnail_size
        if step > 0:
            size = next((s for s in sizes if s > now), sizes[-1])
        else:
            size = next((s for s in reversed(sizes) if s < now), sizes[0])
        self.set_thumbnail_size(size)
        self.statusBar().showMessage(f"Thumbnails {size} px", 2000)

    def show_folder(self, folder: Path | None) -> None:
        """Show every photo (None) or one library folder's photos."""
        if folder != self._folder or self.showing_results:
            self.history.leaving()
        self._folder = folder
        self.set_mode("library")
        self.library_model.set_entries([])
        self.update_library_header()
        self.reload_library()

    def back_to_library(self) -> None:
        self.history.leaving()
        self.dispatcher.supersede("results")  # drop results still on their way
        self.queries.drop_suggestions()
        self.set_mode("library")
        self.search_bar.blockSignals(True)
        self.search_bar.set_text("")
        self.search_bar.blockSignals(False)
        self.search_bar.clear_hints()
        self.update_library_header()

    def clear_results(self) -> None:
        """Esc: close results and go back to the library."""
        if self.showing_results or self.search_bar.text():
            self.back_to_library()
            self.gallery.setFocus()

    def set_mode(self, mode: str) -> None:
        """Show the library ("library") or the latest results ("results") in the gallery."""
        self._mode = mode
        model = self.results_model if mode == "results" else self.library_model
        if self.gallery.model() is not model:
            self.gallery.setModel(model)
            self.gallery.selectionModel().selectionChanged.connect(self.panels.on_selection)
            self.panels.on_selection()
        if mode == "library":
            self.queries.header_photo = None
        self._update_page()

    def _update_page(self) -> None:
        empty = self._loaded_once and not self.folders and self._mode == "library"
        self.pages.setCurrentWidget(self.empty_state if empty else self._gallery_page)

    def update_library_header(self) -> None:
        if self._mode != "library":
            return
        n = self.library_model.rowCount()
        title = self._folder.name if self._folder is not None else "All photos"
        if not self._loaded_once:
            subtitle = "Loading…"
        elif n:
            subtitle = f"{n:,} photo{'s' if n != 1 else ''}"
            if self.indexing:
                subtitle += " · indexing, more photos appear as they are ready"
        elif self.indexing:
            subtitle = "Indexing… photos appear here as they are ready"
        else:
            subtitle = "No photos found here yet"
        self.header.show_library(title, subtitle)

    # -- what the parts do, for the window's own signals and for scripts ----------------------

    def search(self, text: str) -> None:
        """Run a text search for the words in text; "-word" avoids a word."""
        self.queries.search(text)

    def find_similar(self, path: str, class_name: str | None = None) -> None:
        """Photos that look like path (in the library or not), optionally as a class_name."""
        self.queries.find_similar(path, class_name)

    def find_similar_to_all(self, paths: list[str]) -> None:
        """Photos that look like all of paths together."""
        self.queries.find_similar_to_all(paths)

    @property
    def context_menu(self) -> QMenu | None:
        """The photo menu opened last."""
        return self.photo_menu.menu

    @property
    def indexing(self) -> bool:
        return self.indexer.running

    def start_indexing(self, folders: list[Path] | None = None) -> None:
        self.indexer.start(folders)

    def cancel_indexing(self) -> None:
        self.indexer.cancel()

    def add_folder(self, folder: str) -> None:
        """Add a folder to the library and index it."""
        self.folder_actions.add_folder(folder)

    def _on_search_cleared(self) -> None:
        if self.showing_results:
            self.back_to_library()

    def _on_tag_clicked(self, word: str) -> None:
        self.search_bar.set_text(word)
        self.search(word)

    # -- preview (gui.preview_control) -------------------------------------------------------

    def open_preview(self, path: str) -> None:
        self.previews.open(path)

    def toggle_preview(self, path: str) -> None:
        """Space: show the photo large; Space in the preview closes it again."""
        self.previews.toggle(path)

    @property
    def preview(self) -> PreviewWindow | None:
        return self.previews.window

    def show_duplicates(self) -> None:
        self.duplicates.show()

    # -- drag and drop (gui.drops) -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """One photo: photos like it; several: photos like all of them together."""
        drop_photos(self, event)

    # -- errors ------------------------------------------------------------------------------

    def show_error(self, e: BaseException) -> None:
        """A known error as its message; anything else as a short note (the log has details)."""
        if isinstance(e, PhotoSearchError):
            text = str(e)
            self.banner.show_message(text[:1].upper() + text[1:], "error")
        else:
            self.banner.show_message(
                f"Something went wrong ({type(e).__name__}). The details are in the log; "
                "please report it.",
                "error",
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        save_layout(self)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop indexing between batches and wait for every worker."""
        self.dispatcher.close()
        self.jobs.shutdown()
        self.loader.shutdown()
