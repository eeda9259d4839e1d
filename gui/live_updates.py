"""The library follows the disk: a file-system watcher on the library folders (and their
subfolders) notices new, changed, moved and deleted photos; after a quiet spell (debounced) the
folders that changed are indexed again, with progress in the status bar.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer
from PySide6.QtWidgets import QStatusBar

from gui.indexing_controller import IndexingController
from gui.view_state import ViewState

DEBOUNCE_MS = 2000  # a copy of 500 photos is one refresh, not 500
MAX_WATCHED_FOLDERS = 2000  # inotify watches are a per-user limit; beyond this F5 refreshes


class LiveUpdates:
    """Watches `watch(folders)`; indexes the changed library folders once things settle."""

    def __init__(
        self,
        parent: QObject,
        state: ViewState,
        indexer: IndexingController,
        status: QStatusBar,
    ) -> None:
        self.state = state
        self.indexer = indexer
        self.status = status
        self.watcher = QFileSystemWatcher(parent)
        self.watcher.directoryChanged.connect(self.on_changed)
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.flush)
        self.pending: set[Path] = set()

    def watch(self, roots: list[Path]) -> None:
        """Watch roots and every folder below them (the set is replaced)."""
        wanted: list[str] = []
        for root in roots:
            if not root.is_dir():
                continue
            for folder, subfolders, _files in os.walk(root):
                subfolders[:] = [d for d in subfolders if not d.startswith(".")]
                wanted.append(folder)
                if len(wanted) >= MAX_WATCHED_FOLDERS:
                    break
        current = set(self.watcher.directories())
        stale = [d for d in current if d not in set(wanted)]
        if stale:
            self.watcher.removePaths(stale)
        new = [d for d in wanted if d not in current]
        if new:
            self.watcher.addPaths(new)

    def on_changed(self, folder: str) -> None:
        """Something in folder changed: index its library folder after DEBOUNCE_MS of quiet."""
        path = Path(folder)
        self._watch_new_subfolders(path)
        roots = [r for r in self.state.folders if path == r or path.is_relative_to(r)]
        if roots:
            self.pending.add(max(roots, key=lambda r: len(r.parts)))
            self.timer.start()

    def _watch_new_subfolders(self, folder: Path) -> None:
        """A folder copied or made inside a watched one is watched too, with its subfolders."""
        watched = set(self.watcher.directories())
        try:
            entries = [e for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")]
        except OSError:
            return  # the folder itself went away
        new = [Path(e.path) for e in entries if e.path not in watched]
        if new and len(watched) < MAX_WATCHED_FOLDERS:
            self.watch([Path(d) for d in watched] + new)

    def flush(self) -> None:
        if not self.pending:
            return
        if self.indexer.running:
            self.timer.start()  # after the current run: a run queued now would index everything
            return
        folders = sorted(self.pending)
        self.pending.clear()
        self.status.showMessage("Photos changed on disk; updating the library…", 4000)
        self.indexer.start(folders, quiet=True)
