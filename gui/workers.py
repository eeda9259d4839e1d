"""Run core calls and core generators on worker threads, and report back through Qt signals.

The core knows nothing about Qt: a generator yields progress records and returns a summary.
`GeneratorWorker` iterates it on a pool thread, emits each record as `yielded`, and checks for
cancellation between steps; cancelling closes the generator, so its `finally` blocks (locks,
thread pools) run on the worker thread. `CallWorker` does the same for one plain call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """Lives on the GUI thread; the worker thread emits, so slots run on the GUI thread."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # the exception
    aborted = Signal()
    finished = Signal()  # always last, whatever happened


class GeneratorWorker(QRunnable):
    """Drives a generator made by `start` on a pool thread; cancel() stops it between steps."""

    def __init__(self, start: Callable[[], Generator[Any, None, Any]]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python keeps it alive; see Jobs
        self.signals = WorkerSignals()
        self._start = start
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the worker to stop at its next step."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            gen = self._start()
            try:
                while True:
                    if self._cancel.is_set():
                        gen.close()
                        self.signals.aborted.emit()
                        return
                    try:
                        step = next(gen)
                    except StopIteration as stop:
                        self.signals.returned.emit(stop.value)
                        return
                    self.signals.yielded.emit(step)
            finally:
                gen.close()
        except Exception as e:
            _log_unexpected(e)
            self.signals.errored.emit(e)
        finally:
            self.signals.finished.emit()


class CallWorker(QRunnable):
    """Runs one call on a pool thread and emits its result or its exception."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = WorkerSignals()
        self._call = call

    def run(self) -> None:
        try:
            result = self._call()
        except Exception as e:
            _log_unexpected(e)
            self.signals.errored.emit(e)
        else:
            self.signals.returned.emit(result)
        finally:
            self.signals.finished.emit()


Worker = GeneratorWorker | CallWorker


class Jobs:
    """Thread pools by purpose, and references to running workers until they finish.

    One serial pool per resource keeps the order of queries and spares the Library from
    racing itself: "query" for searches and tags, "words" for similar words (the first call
    builds an index for seconds), "index" for indexing, "files" for decoding previews.
    """

    def __init__(self) -> None:
        self._pools: dict[str, QThreadPool] = {}
        self._running: set[Worker] = set()
        self._lock = threading.Lock()

    def pool(self, name: str, threads: int = 1) -> QThreadPool:
        pool = self._pools.get(name)
        if pool is None:
            pool = QThreadPool()
            pool.setMaxThreadCount(threads)
            self._pools[name] = pool
        return pool

    def start(self, name: str, worker: Worker, priority: int = 0) -> Worker:
        with self._lock:
            self._running.add(worker)
        worker.signals.finished.connect(lambda: self._forget(worker))
        self.pool(name).start(worker, priority)
        return worker

    def _forget(self, worker: Worker) -> None:
        with self._lock:
            self._running.discard(worker)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel generator workers, drop queued work and wait; True when every pool is idle."""
        with self._lock:
            running = list(self._running)
        for worker in running:
            if isinstance(worker, GeneratorWorker):
                worker.cancel()
        idle = True
        for pool in self._pools.values():
            pool.clear()
            idle = pool.waitForDone(timeout_ms) and idle
        return idle


def _log_unexpected(e: Exception) -> None:
    from core.errors import PhotoSearchError

    if not isinstance(e, PhotoSearchError):
        log.error("unexpected error in a background job", exc_info=e)
