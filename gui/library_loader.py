"""The library view's photos: the folder tree, counts and the photos of the current folder in
the chosen order (month headers by date), read from the catalog on a worker (gui.dispatch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.library import Library
from gui.dispatch import Dispatcher
from gui.gallery import PhotoModel
from gui.sidebar import FolderLike, LibrarySidebar
from gui.view_state import (
    PhotoEntry,
    ViewState,
    with_durations,
    with_live,
    with_month_headers,
)


@dataclass
class Loaded:
    """What a reload read from the catalog."""

    folders: list[Path]
    tree: Sequence[FolderLike]
    missing: set[Path]
    total: int
    entries: list[PhotoEntry]
    skipped: int


class LibraryLoader(QObject):
    """Reads the library view for the state's folder and sort into the sidebar and the model.

    Emits `folders_changed(list[Path])` when the library's folders differ from the last read,
    and `loaded(then_rescan)` once the view is shown.
    """

    folders_changed = Signal(object)  # list[Path]
    loaded = Signal(bool)

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        sidebar: LibrarySidebar,
        library_model: PhotoModel,
    ) -> None:
        super().__init__()
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.sidebar = sidebar
        self.library_model = library_model

    def reload(self, then_rescan: bool = False) -> None:
        """Re-read folders, counts and the shown photos from the catalog (on a worker)."""
        state = self.state
        folder = state.folder
        sort = state.sort
        watched = list(state.folders) if state.loaded else None
        library = self.library

        def load() -> Loaded:
            tree = library.folder_tree()
            folders = library.folders()
            missing = {f for f in folders if not f.is_dir()}
            totals = library.photo_counts()
            photos = library.browse(folder, sort)
            if sort == "date":
                entries = with_month_headers([(p.path, p.taken) for p in photos])
            else:
                entries = [PhotoEntry(p.path) for p in photos]
            entries = with_durations(entries, library.video_durations())
            entries = with_live(entries, library.live_photos())
            return Loaded(folders, tree, missing, totals["ok"], entries, totals["skipped"])

        def done(result: Loaded) -> None:
            if folder != state.folder or sort != state.sort:
                return  # the user picked another folder meanwhile; that reload is on its way
            state.folders = result.folders
            if result.folders != watched:
                self.folders_changed.emit(result.folders)
            self.sidebar.set_folders(result.tree, result.total, result.missing, result.folders)
            self.sidebar.set_skipped(result.skipped)
            self.library_model.set_entries(result.entries)
            self.loaded.emit(then_rescan)

        self.dispatcher.call("library", load, done)
