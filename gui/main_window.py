"""The main window: sidebar, gallery, search bar and tag panel, wired to the Library.

Every Library call runs on a worker thread (gui.dispatch). The window builds the widgets and
the Qt-free ViewState (gui.view_state), hands each controller the few widgets and services it
uses, and connects their signals: the navigator (library or results, Back/Forward), queries
(search, find similar), the side panels (tags, details), the photo menu, trash, folders,
indexing and live updates. No controller knows the window.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import QMainWindow, QMenu, QStackedWidget

from core.errors import PhotoSearchError
from core.library import Library
from core.media.thumbnails import DEFAULT_MAX_SIDE, ThumbnailCache
from core.storage.profile import Profile
from gui.banner import MessageBanner
from gui.date_filter import DateFilter
from gui.details_panel import DetailsPanel
from gui.dispatch import Dispatcher
from gui.drops import accept_drag, drop_photos
from gui.duplicates import DuplicatesView
from gui.empty_state import EmptyState
from gui.folder_actions import FolderActions
from gui.gallery import THUMBNAIL_SIZE, THUMBNAIL_SIZES, GalleryView, PhotoModel
from gui.index_status import IndexStatus
from gui.indexing_controller import IndexingController
from gui.layout_settings import GalleryLayout, restore_layout, save_layout
from gui.library_loader import LibraryLoader
from gui.live_updates import LiveUpdates
from gui.menus import Menus
from gui.navigation import Navigator
from gui.people_controller import PeopleController, face_boxes
from gui.people_panel import PeopleModel, PeoplePanel
from gui.photo_menu import PhotoMenu
from gui.photo_people import PhotoPeople
from gui.places_controller import PlacesView
from gui.places_tree import PlacesTree
from gui.preview import PreviewWindow
from gui.preview_control import PreviewControl
from gui.queries import Queries
from gui.results_header import ResultsHeader
from gui.search_bar import SearchBar
from gui.side_panels import SidePanels
from gui.sidebar import LibrarySidebar
from gui.tag_panel import TagPanel
from gui.thumbnail_loader import ThumbnailLoader
from gui.trash import Trash
from gui.view_state import ViewState
from gui.window_layout import column, main_splitter, panel_column, side_column, top_bar
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
        self.state = ViewState()
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
        self._build()
        self._compose()
        self._connect()
        layout = restore_layout(self.profile.data_dir, self, self.splitter)
        if layout.thumbnail_size:
            self.set_thumbnail_size(layout.thumbnail_size)
        if layout.sort is not None:
            self.state.sort = layout.sort  # before the first load: nothing to reload yet
        self.menus = Menus(
            self, self._menu_slots(), self._menu_toggles(), self.selected_paths, self.state.sort
        )
        self.menus.actions["faces"].setChecked(library.people.enabled)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.search_bar = SearchBar(self)
        self.date_filter = DateFilter(self)
        self.banner = MessageBanner(self)
        self.sidebar = LibrarySidebar(self)
        self.places_tree = PlacesTree(self)
        self.header = ResultsHeader(self)
        self.gallery = GalleryView(self)
        self.gallery.setModel(self.library_model)
        self.empty_state = EmptyState(self)
        self.gallery_page = column(self, self.header, self.gallery)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("centre")
        self.pages.addWidget(self.gallery_page)
        self.pages.addWidget(self.empty_state)
        self.tag_panel = TagPanel(self)
        self.details = DetailsPanel(self)
        self.photo_people = PhotoPeople(self)
        self.right_panel = panel_column(self, self.tag_panel, self.details, self.photo_people)
        self.people_model = PeopleModel(self)
        self.people_panel = PeoplePanel(self.people_model, self)
        left = side_column(self, self.sidebar, self.places_tree)
        left.addWidget(self.people_panel)  # folders, places, then people
        left.setSizes([260, 220, 320])
        self.splitter = main_splitter(self, left, self.pages, self.right_panel)
        top = top_bar(self, self.search_bar, self.date_filter)
        self.setCentralWidget(column(self, top, self.banner, self.splitter))
        self.index_status = IndexStatus(self)
        self.statusBar().addPermanentWidget(self.index_status)
        self.statusBar().setSizeGripEnabled(False)

    def _compose(self) -> None:
        """The controllers, each with the widgets and services it uses."""
        library, dispatcher, state = self.library, self.dispatcher, self.state
        status, banner, error = self.statusBar(), self.banner, self.show_error
        self.library_loader = LibraryLoader(
            library, dispatcher, state, self.sidebar, self.library_model
        )
        self.folder_actions = FolderActions(library, dispatcher, self, banner, status, error)
        self.indexer = IndexingController(
            library,
            self.jobs,
            dispatcher,
            self.index_status,
            banner,
            status,
            error,
            self.folder_actions.show_skipped,
        )
        self.navigator = Navigator(
            state,
            gallery=self.gallery,
            library_model=self.library_model,
            results_model=self.results_model,
            header=self.header,
            search_bar=self.search_bar,
            sidebar=self.sidebar,
            pages=self.pages,
            gallery_page=self.gallery_page,
            empty_state=self.empty_state,
            loader=self.loader,
            dispatcher=dispatcher,
            library_loader=self.library_loader,
            indexing=lambda: self.indexer.running,
        )
        self.queries = Queries(
            library, dispatcher, state, self.navigator, self.search_bar, status, error
        )
        self.panels = SidePanels(library, dispatcher, state, self.tag_panel, self.details, self)
        self.people = PeopleController(
            library,
            dispatcher,
            state,
            self.people_model,
            self.people_panel,
            self.photo_people,
            self.queries.show_results,
            self,
            status,
            error,
        )
        self.trash = Trash(library, dispatcher, state, self, banner, status, error)
        self.photo_menu = PhotoMenu(
            self.gallery,
            self.panels,
            self,
            banner,
            open_preview=self.open_preview,
            find_similar=self.find_similar,
            find_similar_to_all=self.find_similar_to_all,
            trash=self.trash.trash,
            people_in=self.people.people_in,
            show_person=self.people.show_person,
            set_place=lambda paths: self.places.ask_place(paths),
        )
        self.duplicates = DuplicatesView(library, dispatcher, self.navigator, status, error)
        self.previews = PreviewControl(
            self.jobs,
            self.loader,
            self.gallery,
            self,
            banner,
            self.find_similar,
            face_boxes(library),
        )
        self.live = LiveUpdates(self, state, self.indexer, status)
        self.places = PlacesView(
            library,
            dispatcher,
            state,
            self.navigator,
            self.places_tree,
            status,
            error,
            dialogs_parent=self,
            on_changed=self.panels.on_selection,
        )

    def _connect(self) -> None:
        nav, state = self.navigator, self.state
        self.search_bar.search_requested.connect(self.search)
        self.search_bar.cleared.connect(self._on_search_cleared)
        self.sidebar.folder_chosen.connect(nav.show_folder)
        self.sidebar.folder_chosen.connect(lambda _: self.places_tree.clear_choice())
        self.places_tree.place_chosen.connect(self.places.show)
        self.sidebar.add_folder_requested.connect(self.folder_actions.choose_folder)
        self.sidebar.remove_folder_requested.connect(self.folder_actions.remove_folder)
        self.sidebar.rescan_requested.connect(lambda: self.start_indexing())
        self.sidebar.skipped_requested.connect(self.folder_actions.show_skipped)
        self.empty_state.add_folder_requested.connect(self.folder_actions.choose_folder)
        self.header.back_requested.connect(nav.back_to_library)
        self.gallery.open_requested.connect(self.open_preview)
        self.gallery.preview_requested.connect(self.toggle_preview)
        self.gallery.zoom_requested.connect(self.zoom)
        self.gallery.customContextMenuRequested.connect(self.photo_menu.on_requested)
        self.date_filter.changed.connect(lambda: state.set_dates(*self.date_filter.range()))
        self.tag_panel.tag_clicked.connect(self._on_tag_clicked)
        self.details.class_clicked.connect(lambda p, c: self.find_similar(p, c))
        self.index_status.cancel_requested.connect(self.cancel_indexing)
        self.loader.loaded.connect(nav.on_thumbnail)

        state.selection_changed.connect(self.panels.on_selection)
        state.selection_changed.connect(self.people.on_selection)
        state.dates_changed.connect(self.queries.on_dates_changed)
        state.results_order_changed.connect(nav.reorder)
        state.sort_changed.connect(self.reload_library)

        self.library_loader.folders_changed.connect(self.live.watch)
        self.library_loader.loaded.connect(self._on_library_loaded)
        self.library_loader.loaded.connect(self.places.reload)
        self.library_loader.loaded.connect(lambda _rescan: self.people.reload())
        self.indexer.library_changed.connect(self.people.reload)
        self.indexer.running_changed.connect(nav.update_library_header)
        self.indexer.library_changed.connect(self.reload_library)
        self.folder_actions.added.connect(self._on_folder_added)
        self.folder_actions.removed.connect(nav.folder_removed)
        self.folder_actions.restored.connect(self.reload_library)
        self.trash.moved.connect(nav.photos_removed)
        self.trash.library_changed.connect(self.reload_library)

        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search_bar.focus)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(nav.clear_results)

    def _menu_slots(self) -> dict[str, Callable[[], object]]:
        return {
            "add_folder": self.folder_actions.choose_folder,
            "refresh": lambda: self.start_indexing(),
            "select_all": self.gallery.selectAll,
            "undo_remove": self.folder_actions.undo_remove,
            "trash": self.trash.trash_selected,
            "back": self.navigator.back,
            "forward": self.navigator.forward,
            "larger": lambda: self.zoom(1),
            "smaller": lambda: self.zoom(-1),
            "sort_date": partial(self.set_sort, "date"),
            "sort_name": partial(self.set_sort, "name"),
            "sort_folder": partial(self.set_sort, "folder"),
            "duplicates": self.show_duplicates,
            "faces": self._toggle_faces,
        }

    def _menu_toggles(self) -> dict[str, Callable[[bool], object]]:
        return {
            "results_by_date": self.state.set_results_by_date,
            "show_folders": self.sidebar.setVisible,
            "show_details": self.right_panel.setVisible,
        }

    # -- start-up ----------------------------------------------------------------------------

    def start(self, rescan: bool = True) -> None:
        """Load the library into the window, then rescan its folders in the background."""
        if self.library.repair_message:
            self.banner.show_message(self.library.repair_message.capitalize() + ".", "warning")
        self.reload_library(then_rescan=rescan)

    def reload_library(self, then_rescan: bool = False) -> None:
        """Re-read folders, counts and the shown photos from the catalog (on a worker)."""
        self.library_loader.reload(then_rescan)

    def _on_library_loaded(self, then_rescan: bool) -> None:
        self.navigator.mark_loaded()
        if then_rescan and self.state.folders:
            self.start_indexing()

    def _on_folder_added(self, folder: Path) -> None:
        self.sidebar.select_all_photos()
        self.reload_library()
        self.start_indexing([folder])

    # -- what the window shows, for its own signals and for scripts --------------------------

    @property
    def showing_results(self) -> bool:
        return self.state.showing_results

    @property
    def loaded(self) -> bool:
        """Whether the library has been shown once (before that there is nothing to go back to)."""
        return self.state.loaded

    def selected_paths(self) -> list[str]:
        return self.gallery.selected_paths()

    def set_sort(self, sort: str) -> None:
        """Order the library view by "date" (newest first), "name" or "folder"."""
        self.state.set_sort(sort)

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

    def show_duplicates(self) -> None:
        self.duplicates.show()

    def _toggle_faces(self) -> None:
        action = self.menus.actions["faces"]
        if not self.people.set_enabled(action.isChecked(), lambda: self.start_indexing()):
            action.setChecked(True)  # the user kept their faces

    def _on_search_cleared(self) -> None:
        if self.state.showing_results:
            self.navigator.back_to_library()

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

    # -- drag and drop (gui.drops) -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """One photo: photos like it; several: photos like all of them together."""
        drop_photos(event, self.find_similar, self.find_similar_to_all)

    # -- errors and closing ------------------------------------------------------------------

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
        gallery = GalleryLayout(self.gallery.thumbnail_size, self.state.sort)
        save_layout(self.profile.data_dir, self, self.splitter, gallery)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop indexing between batches and wait for every worker."""
        self.dispatcher.close()
        self.jobs.shutdown()
        self.loader.shutdown()
