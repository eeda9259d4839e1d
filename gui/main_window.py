"""The main window: sidebar, gallery, search bar and tag panel, wired to the Library.

Every Library call runs on a worker thread (gui.workers); this module only decides what to
ask for and what to show. A result that arrives after a newer request of the same kind
(the user typed another search meanwhile) is dropped.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFileDialog,
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

from core.decode import PHOTO_EXTENSIONS
from core.errors import PhotoSearchError, UnknownWordsError, UsageError
from core.indexing import IndexProgress, IndexSummary
from core.library import Library, PhotoHit, TextSearch
from core.paths import Profile
from core.thumbnails import ThumbnailCache
from core.words import WordHit
from gui.banner import MessageBanner
from gui.details_panel import DetailsPanel, PhotoFacts, photo_facts
from gui.empty_state import EmptyState
from gui.gallery import THUMBNAIL_SIZE, GalleryView, PhotoEntry, PhotoModel
from gui.index_status import IndexStatus
from gui.preview import PreviewWindow
from gui.results_header import ResultsHeader
from gui.search_bar import SearchBar
from gui.sidebar import LibrarySidebar
from gui.skipped_dialog import SkippedFilesDialog
from gui.tag_panel import TagPanel
from gui.thumbnail_loader import ThumbnailLoader
from gui.workers import CallWorker, GeneratorWorker, Jobs

log = logging.getLogger(__name__)

RESULT_COUNT = 100  # photos shown for a search or a "find similar"
TAG_COUNT = 10
CLASS_COUNT = 5  # top ImageNet classes in the details panel; the menu offers the first 3
MENU_CLASSES = 3
SHARED_TAGS_MAX_PHOTOS = 200  # beyond this a multi-selection's shared tags are not worth the wait
SUGGESTIONS_PER_WORD = 4
REFRESH_INTERVAL_S = 1.0  # while indexing, how often the gallery picks up new photos


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
        self.loader = ThumbnailLoader(
            ThumbnailCache(self.profile.thumbnail_dir),
            QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE) * max(1.0, self.devicePixelRatioF()),
            parent=self,
        )
        self.library_model = PhotoModel(self.loader, self)
        self.results_model = PhotoModel(self.loader, self)
        self._tokens: dict[str, int] = {}
        self._counter = itertools.count(1)
        self._mode = "library"
        self._folder: Path | None = None
        self._folders: list[Path] = []
        self._classes: dict[str, list[tuple[str, float]]] = {}
        self._header_photo: str | None = None
        self._index_worker: GeneratorWorker | None = None
        self._index_again = False
        self._last_refresh = 0.0
        self._loaded_once = False
        self._preview: PreviewWindow | None = None
        self._skipped_dialog: SkippedFilesDialog | None = None
        self.context_menu: QMenu | None = None
        self._build()
        self._connect()

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

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.pages)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([220, 800, 260])
        splitter.setHandleWidth(1)

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
        self.sidebar.add_folder_requested.connect(self.choose_folder)
        self.sidebar.remove_folder_requested.connect(self.remove_folder)
        self.sidebar.rescan_requested.connect(lambda: self.start_indexing())
        self.sidebar.skipped_requested.connect(self.show_skipped)
        self.empty_state.add_folder_requested.connect(self.choose_folder)
        self.header.back_requested.connect(self.back_to_library)
        self.gallery.open_requested.connect(self.open_preview)
        self.gallery.customContextMenuRequested.connect(self._on_context_menu)
        self.gallery.selectionModel().selectionChanged.connect(self._on_selection)
        self.tag_panel.tag_clicked.connect(self._on_tag_clicked)
        self.details.class_clicked.connect(lambda p, c: self.find_similar(p, c))
        self.index_status.cancel_requested.connect(self.cancel_indexing)
        self.loader.loaded.connect(self._on_thumbnail)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(120)
        self._selection_timer.timeout.connect(self._update_side_panels)

        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search_bar.focus)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self.clear_results)
        quit_ = QShortcut(QKeySequence("Ctrl+Q"), self)
        quit_.activated.connect(self.close)

    # -- start-up ----------------------------------------------------------------------------

    def start(self, rescan: bool = True) -> None:
        """Load the library into the window, then rescan its folders in the background."""
        if self.library.repair_message:
            self.banner.show_message(self.library.repair_message.capitalize() + ".", "warning")
        self.reload_library(then_rescan=rescan)

    def reload_library(self, then_rescan: bool = False) -> None:
        """Re-read folders, counts and the shown photos from the catalog (on a worker)."""
        folder = self._folder
        library = self.library

        def load() -> tuple[list[tuple[Path, int, bool]], int, list[str], int]:
            counts = []
            for f in library.folders():
                counts.append((f, library.photo_counts(f)["ok"], f.is_dir()))
            totals = library.photo_counts()
            return counts, totals["ok"], library.photos(folder), totals["skipped"]

        def done(result: tuple[list[tuple[Path, int, bool]], int, list[str], int]) -> None:
            counts, total, photos, skipped = result
            if folder != self._folder:
                return  # the user picked another folder meanwhile; that reload is on its way
            self._folders = [f for f, _, _ in counts]
            self.sidebar.set_folders(counts, total)
            self.sidebar.set_skipped(skipped)
            self.library_model.set_entries([PhotoEntry(p) for p in photos])
            self._loaded_once = True
            self._update_library_header()
            self._update_page()
            if then_rescan and self._folders:
                self.start_indexing()

        self._call("library", load, done)

    # -- browsing ----------------------------------------------------------------------------

    @property
    def showing_results(self) -> bool:
        return self._mode == "results"

    def show_folder(self, folder: Path | None) -> None:
        """Show every photo (None) or one library folder's photos."""
        self._folder = folder
        self._set_mode("library")
        self.library_model.set_entries([])
        self._update_library_header()
        self.reload_library()

    def back_to_library(self) -> None:
        self._tokens["results"] = next(self._counter)  # drop results still on their way
        self._set_mode("library")
        self.search_bar.blockSignals(True)
        self.search_bar.set_text("")
        self.search_bar.blockSignals(False)
        self.search_bar.clear_hints()
        self._update_library_header()

    def clear_results(self) -> None:
        """Esc: close results and go back to the library."""
        if self.showing_results or self.search_bar.text():
            self.back_to_library()
            self.gallery.setFocus()

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        model = self.results_model if mode == "results" else self.library_model
        if self.gallery.model() is not model:
            self.gallery.setModel(model)
            self.gallery.selectionModel().selectionChanged.connect(self._on_selection)
            self._on_selection()
        if mode == "library":
            self._header_photo = None
        self._update_page()

    def _update_page(self) -> None:
        empty = self._loaded_once and not self._folders and self._mode == "library"
        self.pages.setCurrentWidget(self.empty_state if empty else self._gallery_page)

    def _update_library_header(self) -> None:
        if self._mode != "library":
            return
        n = self.library_model.rowCount()
        title = self._folder.name if self._folder is not None else "All photos"
        if not self._loaded_once:
            subtitle = "Loading…"
        elif n:
            subtitle = f"{n:,} photo{'s' if n != 1 else ''}"
            if self._index_worker is not None:
                subtitle += " · indexing, more photos appear as they are ready"
        elif self._index_worker is not None:
            subtitle = "Indexing… photos appear here as they are ready"
        else:
            subtitle = "No photos found here yet"
        self.header.show_library(title, subtitle)

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Run a text search for the words in text; "-word" avoids a word."""
        terms = text.split()
        if not terms:
            self.search_bar.set_message("Type a word to search for, e.g. beach or cat sofa")
            return
        library = self.library
        self.statusBar().showMessage(f"Searching for “{text.strip()}”…")

        def done(result: TextSearch) -> None:
            self.statusBar().clearMessage()
            self.search_bar.set_understood(result.words, result.negated, result.unknown)
            query = " ".join(result.words + ["-" + w for w in result.negated])
            subtitle = _count(len(result.hits), "photo") + ", best match first"
            if result.unknown:
                subtitle += " · ignored: " + ", ".join(result.unknown)
            if not result.hits:
                subtitle = "The library has no photos yet: add a folder first"
            self._show_results(f"Photos matching “{query}”", subtitle, result.hits)
            self._suggest(result.words)

        def failed(e: Exception) -> None:
            self.statusBar().clearMessage()
            if isinstance(e, UnknownWordsError):
                self.search_bar.set_understood([], [], e.words)
                self.search_bar.set_message(
                    f"No known word in “{text.strip()}”. Try simpler or more common words, "
                    "like dog, beach or car."
                )
                self._show_results(
                    f"No photos for “{text.strip()}”",
                    "These words are not in the vocabulary: try simpler or more common words",
                    [],
                )
            elif isinstance(e, UsageError):
                self.search_bar.set_message(str(e).capitalize())
            else:
                self.show_error(e)

        self._call("results", lambda: library.search(terms, RESULT_COUNT), done, failed)

    def _suggest(self, words: list[str]) -> None:
        """Similar words to try, on their own worker: the first call builds a word index."""
        library = self.library

        def load() -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            per_word = max(2, SUGGESTIONS_PER_WORD * 2 // max(1, len(words)))
            for word in words[:3]:
                hits: list[WordHit] = library.similar_words(word, per_word)
                out.extend((word, h.word) for h in hits if h.word not in words)
            return out

        self.search_bar.set_suggestions([])
        if words:
            self._call("words", load, self.search_bar.set_suggestions, lambda e: None)

    def _on_search_cleared(self) -> None:
        if self.showing_results:
            self.back_to_library()

    def _on_tag_clicked(self, word: str) -> None:
        self.search_bar.set_text(word)
        self.search(word)

    # -- find similar ------------------------------------------------------------------------

    def find_similar(self, path: str, class_name: str | None = None) -> None:
        """Photos that look like path (in the library or not), optionally as a class_name."""
        library = self.library
        name = os.path.basename(path)
        outside = not any(Path(path).is_relative_to(f) for f in self._folders)
        self.statusBar().showMessage(f"Finding photos similar to {name}…")

        def done(hits: list[PhotoHit]) -> None:
            self.statusBar().clearMessage()
            title = f"Similar to {name}"
            if class_name:
                title += f" as a “{class_name}”"
            subtitle = _count(len(hits), "photo") + ", most similar first"
            if outside:
                subtitle += " · the photo is not in the library"
            if not hits:
                subtitle = "No other photos in the library yet"
            self.search_bar.blockSignals(True)
            self.search_bar.set_text("")
            self.search_bar.blockSignals(False)
            self.search_bar.clear_hints()
            self._show_results(title, subtitle, hits, picture_of=path)

        def failed(e: Exception) -> None:
            self.statusBar().clearMessage()
            self.show_error(e)

        self._call(
            "results", lambda: library.find_similar(path, RESULT_COUNT, class_name), done, failed
        )

    def _show_results(
        self, title: str, subtitle: str, hits: list[PhotoHit], picture_of: str | None = None
    ) -> None:
        self.results_model.set_entries([PhotoEntry(h.path, h.score) for h in hits])
        self._set_mode("results")
        self._header_photo = picture_of
        picture = self.loader.pixmap(picture_of) if picture_of else None
        self.header.show_results(title, subtitle, picture)
        self.gallery.scrollToTop()

    def _on_thumbnail(self, path: str) -> None:
        if path == self._header_photo:
            self.header.set_picture(self.loader.pixmap(path))

    # -- context menu ------------------------------------------------------------------------

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.gallery.indexAt(pos)
        if not index.isValid():
            return
        if not self.gallery.selectionModel().isSelected(index):
            self.gallery.setCurrentIndex(index)
        path = self.gallery.path_of(index)
        if path is None:
            return
        self.context_menu = self.build_context_menu(path)
        self.context_menu.popup(self.gallery.viewport().mapToGlobal(pos))

    def build_context_menu(self, path: str) -> QMenu:
        """Open, Find similar (also by each top class), Show in folder."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        _action(menu, "Open", "Show this photo large (Enter)", lambda: self.open_preview(path))
        _action(
            menu,
            "Open in default viewer",
            "Open the photo in the system's image viewer",
            lambda: self.open_externally(path),
        )
        _action(
            menu,
            "Show in folder",
            "Open the folder that holds this photo",
            lambda: self.show_in_folder(path),
        )
        menu.addSeparator()
        _action(
            menu,
            "Find similar",
            "Photos that look like this one",
            lambda: self.find_similar(path),
        )
        classes = self._classes.get(path)
        if classes is None:
            waiting = _action(menu, "Find similar: finding subjects…", "", lambda: None)
            waiting.setEnabled(False)
            self._fetch_details(path, lambda: self._fill_class_actions(menu, waiting, path))
        else:
            self._add_class_actions(menu, path, classes)
        return menu

    def _fill_class_actions(self, menu: QMenu, placeholder: QAction, path: str) -> None:
        if self.context_menu is not menu:
            return
        classes = self._classes.get(path, [])
        menu.removeAction(placeholder)
        self._add_class_actions(menu, path, classes)

    def _add_class_actions(self, menu: QMenu, path: str, classes: list[tuple[str, float]]) -> None:
        for name, prob in classes[:MENU_CLASSES]:
            _action(
                menu,
                f"Find similar: {name}",
                f"Photos similar as a “{name}” (the model is {prob:.0%} sure this photo shows one)",
                self._similar_by_class(path, name),
            )

    def _similar_by_class(self, path: str, class_name: str) -> Callable[[], None]:
        return lambda: self.find_similar(path, class_name)

    def open_externally(self, path: str) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.banner.show_message(f"No application could open {path}", "warning")

    def show_in_folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            self.banner.show_message(f"Folder not found: {folder}", "warning")
        elif not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self.banner.show_message(f"No file manager could open {folder}", "warning")

    # -- preview -----------------------------------------------------------------------------

    def open_preview(self, path: str) -> None:
        if self._preview is None:
            self._preview = PreviewWindow(self.jobs, self._neighbour, self)
            self._preview.find_similar_requested.connect(self.find_similar)
            self._preview.show_in_folder_requested.connect(self.show_in_folder)
        self._preview.show_photo(path, self.loader.pixmap(path))

    @property
    def preview(self) -> PreviewWindow | None:
        return self._preview

    def _neighbour(self, path: str, delta: int) -> str | None:
        model = self.gallery.model()
        assert isinstance(model, PhotoModel)
        row = model.row_of(path)
        if row is None or not 0 <= row + delta < model.rowCount():
            return None
        target = model.index(row + delta)
        self.gallery.setCurrentIndex(target)
        return model.path_at(row + delta)

    # -- tags and details --------------------------------------------------------------------

    def _on_selection(self, *_: object) -> None:
        self._selection_timer.start()

    def _update_side_panels(self) -> None:
        paths = self.gallery.selected_paths()
        library = self.library
        if not paths:
            self.tag_panel.show_hint("Select a photo to see its tags.")
            self.details.show_nothing()
            return
        if len(paths) == 1:
            path = paths[0]
            self.tag_panel.show_loading(1)

            def tags_done(hits: list[WordHit]) -> None:
                self.tag_panel.show_tags(hits)

            self._call("tags", lambda: library.tags(path, TAG_COUNT), tags_done, self._tags_failed)
            self._fetch_details(path, None)
            return
        chosen = paths[:SHARED_TAGS_MAX_PHOTOS]
        self.tag_panel.show_loading(len(chosen))
        self.details.show_nothing(f"{len(paths):,} photos selected")

        def shared_done(hits: list[WordHit]) -> None:
            self.tag_panel.show_tags(hits, shared_by=len(chosen))

        self._call(
            "tags",
            lambda: library.shared_tags(chosen, TAG_COUNT),
            shared_done,
            self._tags_failed,
        )

    def _tags_failed(self, e: Exception) -> None:
        self.tag_panel.show_hint(
            f"No tags: {e}" if isinstance(e, PhotoSearchError) else "No tags: unexpected error"
        )

    def _fetch_details(self, path: str, then: Callable[[], None] | None) -> None:
        """Top classes and file facts of path; fills the details panel if still selected."""
        library = self.library

        def load() -> PhotoFacts:
            classes = [(c.name, p) for c, p in library.top_classes(path, CLASS_COUNT)]
            return photo_facts(path, classes)

        def done(facts: PhotoFacts) -> None:
            self._classes[path] = facts.classes
            if self.gallery.selected_paths() == [path]:
                self.details.show_facts(facts)
            if then is not None:
                then()

        def failed(e: Exception) -> None:
            self._classes[path] = []
            if self.gallery.selected_paths() == [path]:
                self.details.show_facts(photo_facts(path, []))
            if then is not None:
                then()

        channel = "details" if then is None else f"details:{path}"
        self._call(channel, load, done, failed)

    # -- folders -----------------------------------------------------------------------------

    def choose_folder(self) -> None:
        """Ask for a folder, add it to the library and index it."""
        folder = QFileDialog.getExistingDirectory(
            self, "Add a folder of photos", os.path.expanduser("~")
        )
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        library = self.library

        def done(path: Path) -> None:
            self.statusBar().showMessage(f"Added {path}; indexing it…", 5000)
            self.sidebar.select_all_photos()
            self.reload_library()
            self.start_indexing([path])

        self._call("folders", lambda: library.add_folder(folder), done, self.show_error)

    def remove_folder(self, folder: Path) -> None:
        library = self.library

        def remove() -> int:
            n = library.remove_folder(folder)
            library.refresh_indexes()
            return n

        def done(n: int) -> None:
            self.statusBar().showMessage(
                f"Removed {folder.name} from the library ({_count(n, 'photo')}; "
                "the files are untouched)",
                8000,
            )
            self.sidebar.select_all_photos()
            self.reload_library()

        self._call("folders", remove, done, self.show_error)

    # -- indexing ----------------------------------------------------------------------------

    @property
    def indexing(self) -> bool:
        return self._index_worker is not None

    def start_indexing(self, folders: list[Path] | None = None) -> None:
        """Index folders (default: all) in the background; one run at a time, queued after."""
        if self._index_worker is not None:
            self._index_again = True
            return
        library = self.library
        worker = GeneratorWorker(lambda: library.index(folders))
        worker.signals.yielded.connect(self._on_index_progress)
        worker.signals.returned.connect(self._on_index_done)
        worker.signals.aborted.connect(self._on_index_aborted)
        worker.signals.errored.connect(self._on_index_failed)
        worker.signals.finished.connect(self._on_index_finished)
        self._index_worker = worker
        self._last_refresh = time.monotonic()
        self.index_status.start()
        self._update_library_header()
        self.jobs.start("index", worker)

    def cancel_indexing(self) -> None:
        if self._index_worker is not None:
            self._index_again = False
            self._index_worker.cancel()
            self.index_status.stopping()

    def _on_index_progress(self, p: IndexProgress) -> None:
        self.index_status.update_progress(p)
        now = time.monotonic()
        if p.phase == "indexing" and now - self._last_refresh >= REFRESH_INTERVAL_S:
            self._last_refresh = now
            self.reload_library()

    def _on_index_done(self, summary: IndexSummary) -> None:
        parts = []
        if summary.added:
            parts.append(f"{summary.added:,} added")
        if summary.updated:
            parts.append(f"{summary.updated:,} updated")
        if summary.moved:
            parts.append(f"{summary.moved:,} moved")
        if summary.removed:
            parts.append(f"{summary.removed:,} removed")
        if summary.skipped:
            parts.append(f"{len(summary.skipped):,} skipped")
        text = "Library up to date" + (": " + ", ".join(parts) if parts else "")
        self.statusBar().showMessage(text, 15000)
        if summary.missing_folders:
            missing = summary.missing_folders
            self.banner.show_message(
                f"Folder not found: {', '.join(missing)}. Its photos stay in the library until the "
                "folder is back or you remove it (right-click it in the sidebar).",
                "warning",
            )
        elif summary.skipped and summary.added + summary.updated:
            self.banner.show_message(
                f"{_count(len(summary.skipped), 'file')} could not be read and "
                f"{'were' if len(summary.skipped) != 1 else 'was'} skipped.",
                "info",
                action=("Show skipped files", self.show_skipped),
            )

    def _on_index_aborted(self) -> None:
        self.statusBar().showMessage(
            "Indexing stopped. Photos indexed so far are kept; the rest are indexed next time.",
            15000,
        )

    def _on_index_failed(self, e: Exception) -> None:
        self.show_error(e)

    def _on_index_finished(self) -> None:
        self._index_worker = None
        self.index_status.finish()
        self._update_library_header()
        self.reload_library()
        if self._index_again:
            self._index_again = False
            self.start_indexing()

    # -- skipped files -----------------------------------------------------------------------

    def show_skipped(self) -> None:
        library = self.library
        if self._skipped_dialog is None:
            self._skipped_dialog = SkippedFilesDialog(self)
        dialog = self._skipped_dialog

        def done(status: dict[str, Any]) -> None:
            dialog.set_files([(s["path"], s["reason"]) for s in status["skipped"]])
            dialog.show()
            dialog.raise_()

        self._call("status", library.status, done, self.show_error)

    # -- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_photo(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_photo(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.find_similar(path)

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

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self,
        channel: str,
        call: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run call on the pool for its channel; a newer call on the channel supersedes it."""
        token = next(self._counter)
        self._tokens[channel] = token
        worker = CallWorker(call)

        def returned(result: object) -> None:
            if self._tokens.get(channel) == token:
                on_result(result)

        def errored(e: Exception) -> None:
            if self._tokens.get(channel) == token:
                (on_error or self.show_error)(e)

        worker.signals.returned.connect(returned)
        worker.signals.errored.connect(errored)
        pool = {"words": "words", "library": "catalog", "status": "catalog"}.get(channel, "query")
        self.jobs.start(pool, worker)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop indexing between batches and wait for every worker."""
        self.jobs.shutdown()
        self.loader.shutdown()


def _action(menu: QMenu, text: str, tip: str, slot: Callable[[], None]) -> QAction:
    action = menu.addAction(text)
    action.setToolTip(tip or text)
    action.triggered.connect(slot)
    return action


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


def _dropped_photo(event: QDragEnterEvent | QDropEvent) -> str | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if os.path.splitext(path)[1].lower() in PHOTO_EXTENSIONS and os.path.isfile(path):
                return path
    return None
