"""What the library view shows: the folder tree, the photos of a folder in the chosen order with
month headers, and the order of search results. Catalog reads run on a worker (gui.dispatch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gui.gallery import PhotoEntry
from gui.sidebar import FolderLike

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def month_name(taken: datetime | None) -> str:
    return taken.strftime("%B %Y") if taken is not None else "No date"


def with_month_headers(photos: list[tuple[str, datetime | None]]) -> list[PhotoEntry]:
    """Entries for photos sorted by date, the first of each month carrying its header."""
    out: list[PhotoEntry] = []
    last: tuple[int, int] | None = None
    first = True
    for path, taken in photos:
        key = (taken.year, taken.month) if taken is not None else (0, 0)
        header = month_name(taken) if first or key != last else ""
        out.append(PhotoEntry(path, header=header))
        last = key
        first = False
    return out


def by_date(entries: list[PhotoEntry], taken: dict[str, str | None]) -> list[PhotoEntry]:
    """Results newest first (photos without a date last), each keeping its score."""
    dated = sorted(
        (e for e in entries if taken.get(e.path)), key=lambda e: taken[e.path] or "", reverse=True
    )
    return dated + [e for e in entries if not taken.get(e.path)]


@dataclass
class Loaded:
    """What a reload read from the catalog."""

    folders: list[Path]
    tree: Sequence[FolderLike]
    missing: set[Path]
    total: int
    entries: list[PhotoEntry]
    skipped: int


class Browser:
    """Loads the library view for the window's folder and sort."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def reload(self, then_rescan: bool = False) -> None:
        """Re-read folders, counts and the shown photos from the catalog (on a worker)."""
        w = self.window
        folder = w.current_folder
        sort = w.sort
        watched = list(w.folders) if w.loaded else None
        library = w.library

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
            return Loaded(folders, tree, missing, totals["ok"], entries, totals["skipped"])

        def done(result: Loaded) -> None:
            if folder != w.current_folder or sort != w.sort:
                return  # the user picked another folder meanwhile; that reload is on its way
            w.folders = result.folders
            if result.folders != watched:
                w.live.watch(result.folders)
            w.sidebar.set_folders(result.tree, result.total, result.missing, result.folders)
            w.sidebar.set_skipped(result.skipped)
            entries = result.entries
            w.library_model.set_entries(entries)
            w.mark_loaded()
            if then_rescan and w.folders:
                w.start_indexing()

        w.dispatcher.call("library", load, done)

    def restore(self, folder: Path | None, entries: list[PhotoEntry]) -> None:
        """Show a library view kept by History, then bring it up to date."""
        w = self.window
        w.set_folder(folder)
        w.library_model.set_entries(entries)
        w.set_mode("library")
        w.update_library_header()
        self.reload()

    def results_order(self, entries: list[PhotoEntry], taken: dict[str, Any]) -> list[PhotoEntry]:
        w = self.window
        return by_date(entries, taken) if w.results_by_date else [replace(e) for e in entries]
