"""Indexing in the background: one run at a time, progress in the status bar, a summary after."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar

from core.indexing.scan import IndexSummary
from core.library import Library
from core.media.video import NOT_INSTALLED as VIDEO_NOT_INSTALLED
from core.progress import Progress
from gui.banner import MessageBanner
from gui.dispatch import Dispatcher
from gui.index_status import IndexStatus
from gui.wording import count
from gui.workers import GeneratorWorker, Jobs

REFRESH_INTERVAL_S = 1.0  # while indexing, how often the gallery picks up new photos


class IndexingController(QObject):
    """Starts, cancels and reports indexing runs; a run asked for meanwhile is queued.

    Emits `running_changed()` as a run starts and ends, and `library_changed()` when the
    library views should be read again (new photos while a run goes on, and at its end).
    """

    running_changed = Signal()
    library_changed = Signal()

    def __init__(
        self,
        library: Library,
        jobs: Jobs,
        dispatcher: Dispatcher,
        index_status: IndexStatus,
        banner: MessageBanner,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
        show_skipped: Callable[[], None],
    ) -> None:
        super().__init__()
        self.library = library
        self.jobs = jobs
        self.dispatcher = dispatcher
        self.index_status = index_status
        self.banner = banner
        self.status = status
        self.show_error = show_error
        self.show_skipped = show_skipped
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
        if self.dispatcher.closed:
            return  # the window is going away
        if self._worker is not None:
            self._again = True
            return
        library = self.library
        worker = GeneratorWorker(lambda: library.index(folders))
        worker.signals.yielded.connect(self._on_progress)
        worker.signals.returned.connect(self._on_done)
        worker.signals.aborted.connect(self._on_aborted)
        worker.signals.errored.connect(self.show_error)
        worker.signals.finished.connect(self._on_finished)
        self._worker = worker
        self._quiet = quiet
        self._last_refresh = time.monotonic()
        self.index_status.start()
        self.running_changed.emit()
        self.jobs.start("index", worker)

    def cancel(self) -> None:
        if self._worker is not None:
            self._again = False
            self._worker.cancel()
            self.index_status.stopping()

    def _on_progress(self, p: Progress) -> None:
        self.index_status.update_progress(p)
        now = time.monotonic()
        if p.phase == "indexing" and now - self._last_refresh >= REFRESH_INTERVAL_S:
            self._last_refresh = now
            self.library_changed.emit()

    def _on_done(self, summary: IndexSummary) -> None:
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
        self.status.showMessage(text, 15000)
        if summary.missing_folders:
            missing = summary.missing_folders
            self.banner.show_message(
                f"Folder not found: {', '.join(missing)}. Its photos stay in the library until the "
                "folder is back or you remove it (right-click it in the sidebar).",
                "warning",
            )
        elif summary.videos_unsupported:
            self.banner.show_message(
                f"{count(summary.videos_unsupported, 'video')} not indexed: {VIDEO_NOT_INSTALLED}.",
                "info",
                action=("Show skipped files", self.show_skipped),
            )
        elif summary.skipped and summary.added + summary.updated and not self._quiet:
            self.banner.show_message(
                f"{count(len(summary.skipped), 'file')} could not be read and "
                f"{'were' if len(summary.skipped) != 1 else 'was'} skipped.",
                "info",
                action=("Show skipped files", self.show_skipped),
            )

    def _on_aborted(self) -> None:
        self.status.showMessage(
            "Indexing stopped. Photos indexed so far are kept; the rest are indexed next time.",
            15000,
        )

    def _on_finished(self) -> None:
        self._worker = None
        self.index_status.finish()
        self.running_changed.emit()
        self.library_changed.emit()
        if self._again:
            self._again = False
            self.start()
