"""The library's browser side: photos by date and folder, the folder tree, near-duplicates,
forgetting trashed photos and undoing a folder removal.

A service of core.library.Library, which hands it the catalog, the lock and its folders.

Following the disk: `Library.index([folder])` on an unchanged folder only walks it and
compares sizes and mtimes (mark and sweep): 0.24-0.61 s for 10,000 photos
(benchmarks/browse_library.py). Call it, debounced, for the *library folder* that holds what
a file-system watcher reported: a folder given to `index` that is not in the library yet is
added to it, so indexing a subfolder would make it a library folder of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.browse.duplicates import DEFAULT_THRESHOLD, near_duplicate_groups
from core.browse.photos import (
    FolderNode,
    PhotoInfo,
    browse_photos,
    folder_tree,
    forget_photos,
    restore_removed,
)
from core.errors import PhotoSearchError, UsageError
from core.storage.lock import IndexLock

if TYPE_CHECKING:
    from core.storage.catalog import Catalog


class BrowseService:
    """Photos by date and folder, the folder tree, near-duplicates, and undoing removals."""

    def __init__(
        self,
        catalog: Catalog,
        lock_path: Path,
        folders: Callable[[], list[Path]],
        stored_features: Callable[[], tuple[np.ndarray, np.ndarray]],
    ) -> None:
        self.catalog = catalog
        self.lock_path = lock_path
        self.folders = folders
        self.stored_features = stored_features  # (ids, raw CNN features) of indexed photos

    def browse(self, folder: Path | None = None, sort: str = "date") -> list[PhotoInfo]:
        """Every indexed photo (or those below folder), sorted by "date" (newest first, undated
        last), "name" or "folder"."""
        if sort not in ("date", "name", "folder"):
            raise UsageError(f"unknown sort {sort!r}: use date, name or folder")
        return browse_photos(self.catalog, folder, sort)

    def folder_tree(self) -> list[FolderNode]:
        """One root per library folder, with its subfolders that hold photos and their counts."""
        return folder_tree(self.catalog)

    def forget_photos(self, paths: Sequence[str]) -> int:
        """Drop photos from the results (after their files went to the trash); returns how
        many were indexed. Their vectors stay until the catalog forgets them: a photo put back
        from the trash is found again by the next index without being embedded again."""
        return forget_photos(self.catalog, paths)

    def restore_folder(self, folder: str | os.PathLike[str]) -> int:
        """Undo remove_folder: the folder and its photos come back with their stored vectors,
        at once (nothing is read or embedded). Returns how many photos came back.

        Photos restored are searched exactly until the next index run rebuilds the indexes.
        """
        path = Path(os.path.abspath(os.fspath(folder)))
        with IndexLock(self.lock_path, busy="restore the folder when it is done"):
            if path in self.folders():
                raise PhotoSearchError(f"already a library folder: {folder}")
            return restore_removed(self.catalog, path)

    def near_duplicates(self, threshold: float | None = None) -> list[list[str]]:
        """Groups of visually near-identical photos (bursts, edits, resized, re-encoded or
        cropped copies): cosine of their stored CNN features >= threshold (default: measured,
        see core/browse/duplicates.py). Largest groups first."""
        limit = DEFAULT_THRESHOLD if threshold is None else threshold
        if not -1.0 <= limit <= 1.0:
            raise UsageError(f"the duplicate threshold is a cosine in [-1, 1] (got {limit})")
        ids, vectors = self.stored_features()
        groups = near_duplicate_groups(vectors, limit)
        paths = self.catalog.paths([int(ids[i]) for g in groups for i in g])
        return [[paths[int(ids[i])] for i in g if int(ids[i]) in paths] for g in groups]
