"""One indexing process per profile: an advisory lock on a file, released if the process dies."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from core.errors import LibraryBusyError, StorageError


class IndexLock:
    """Exclusive, non-blocking lock on index.lock; the OS drops it when the process exits."""

    def __init__(self, path: Path, busy: str = "") -> None:
        self.path = path
        self.busy = busy or "wait for it to finish (or use another --data-dir)"
        self._file: IO[str] | None = None

    def __enter__(self) -> IndexLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise StorageError(f"cannot create the lock file {self.path}: {e.strerror}") from e
        f = open(fd, "r+")
        try:
            _lock(f)
        except OSError:
            holder = _read_holder(f)
            f.close()
            raise LibraryBusyError(
                f"this library is being indexed by {holder}; {self.busy}"
            ) from None
        # Who holds it, for the message above; a full disk must not stop the lock itself.
        with contextlib.suppress(OSError):
            f.truncate()
            f.write(f"process {os.getpid()}")
            f.flush()
        self._file = f
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
            _unlock(self._file)
            # Closing flushes the holder line, which a full disk may refuse: the lock is gone.
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


def _read_holder(f: IO[str]) -> str:
    try:
        f.seek(0)
        return f.read().strip() or "another process"
    except (OSError, ValueError):
        return "another process"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(f: IO[str]) -> None:
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(f: IO[str]) -> None:
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(f: IO[str]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(f: IO[str]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
