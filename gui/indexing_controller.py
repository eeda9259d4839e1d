"""Indexing in the background: one run at a time, progress in the status bar, a summary after."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.indexing.scan import IndexProgress, IndexSummary
from gui.wording import count
from gui.workers import GeneratorWorker

if TYPE_CHECKING:
    from gui.main_window import MainWindow

REFRESH_INTERVAL_S = 1.0  # while indexing, how often the gallery picks up new photos


class IndexingController:
    """Starts, cancels and reports indexing runs; a run asked for meanwhile is queued."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._worker: GeneratorWorker | None = None
        self._again = False
        self._quiet = False
        self._last_refresh = 0.0

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, folders: list[Path] | None = None, quiet: bool = False) -> None:
        """Index folders (default: all) in the background; one run at a time, queued after.

        quiet: a run the window started by itself (live updates) reports in the status bar
        only, not with a banner about files that were already skipped before.
        """
        w = self.window
        if w.dispatcher.closed:
            return  # the window is going away
        if self._worker is not None:
            self._again = True
            return
        library = w.library
        worker = GeneratorWorker(lambda: library.index(folders))
        worker.signals.yielded.connect(self._on_progress)
        worker.signals.returned.connect(self._on_done)
        worker.signals.aborted.connect(self._on_aborted)
        worker.signals.errored.connect(w.show_error)
        worker.signals.finished.connect(self._on_finished)
        self._worker = worker
        self._quiet = quiet
        self._last_refresh = time.monotonic()
        w.index_status.start()
        w.update_library_header()
        w.jobs.start("index", worker)

    def cancel(self) -> None:
        if self._worker is not None:
            self._again = False
            self._worker.cancel()
            self.window.index_status.stopping()

    def _on_progress(self, p: IndexProgress) -> None:
        self.window.index_status.update_progress(p)
        now = time.monotonic()
        if p.phase == "indexing" and now - self._last_refresh >= REFRESH_INTERVAL_S:
            self._last_refresh = now
            self.window.reload_library()

    def _on_done(self, summary: IndexSummary) -> None:
        w = self.window
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
        w.statusBar().showMessage(text, 15000)
        if summary.missing_folders:
            missing = summary.missing_folders
            w.banner.show_message(
                f"Folder not found: {', '.join(missing)}. Its photos stay in the library until the "
                "folder is back or you remove it (right-click it in the sidebar).",
                "warning",
            )
        elif summary.skipped and summary.added + summary.updated and not self._quiet:
            w.banner.show_message(
                f"{count(len(summary.skipped), 'file')} could not be read and "
                f"{'were' if len(summary.skipped) != 1 else 'was'} skipped.",
                "info",
                action=("Show skipped files", w.folder_actions.show_skipped),
            )

    def _on_aborted(self) -> None:
        self.window.statusBar().showMessage(
            "Indexing stopped. Photos indexed so far are kept; the rest are indexed next time.",
            15000,
        )

    def _on_finished(self) -> None:
        w = self.window
        self._worker = None
        w.index_status.finish()
        w.update_library_header()
        w.reload_library()
        if self._again:
            self._again = False
            self.start()
