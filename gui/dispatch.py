"""Library calls on worker threads, by channel: a newer request on a channel supersedes the last.

A result that arrives after a newer request of the same kind (the user typed another search
meanwhile) is dropped, so the window never shows stale answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from gui.workers import CallWorker, Jobs

# Which serial pool each channel runs on; the rest share "query".
POOLS = {"words": "words", "library": "catalog", "status": "catalog"}


class Dispatcher:
    """Starts calls on the right pool and delivers only the latest result of each channel."""

    def __init__(self, jobs: Jobs, on_error: Callable[[Exception], None]) -> None:
        self.jobs = jobs
        self._on_error = on_error
        self._tokens: dict[str, int] = {}
        self._counter = itertools.count(1)
        self._closed = False

    def call(
        self,
        channel: str,
        call: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run call on the pool for its channel; a newer call on the channel supersedes it."""
        if self._closed:
            return  # the window is going away: nothing would be there to show the answer
        token = self.supersede(channel)
        worker = CallWorker(call)

        def returned(result: object) -> None:
            if self._tokens.get(channel) == token and not self._closed:
                on_result(result)

        def errored(e: Exception) -> None:
            if self._tokens.get(channel) == token and not self._closed:
                (on_error or self._on_error)(e)

        worker.signals.returned.connect(returned)
        worker.signals.errored.connect(errored)
        self.jobs.start(POOLS.get(channel, "query"), worker)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Deliver nothing more: the window is going away (answers may still be queued)."""
        self._closed = True

    def supersede(self, channel: str) -> int:
        """Drop whatever the channel still has on its way; returns the channel's new token."""
        token = next(self._counter)
        self._tokens[channel] = token
        return token
