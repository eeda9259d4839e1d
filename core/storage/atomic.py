"""Atomic file replacement: readers see the old file or the new one, never a partial one.

Every file the app writes in place (indexes, caches, settings, manifests) goes through here, so
there is one place that gets the unique temporary name, the fsyncs and the clean-up right.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Profile files hold the user's photo paths: private unless a caller says otherwise.
PRIVATE = 0o600


@contextlib.contextmanager
def atomic_path(path: Path, *, durable: bool = True, mode: int = PRIVATE) -> Iterator[Path]:
    """Yield a unique temporary path beside `path`; on success it replaces `path`.

    For writers that need a file name (Annoy, numpy memmaps). On any error the temporary
    file is removed and `path` is untouched. `durable` fsyncs the file and its folder, so a
    power cut cannot leave an empty file under the final name; caches that are cheap to
    rebuild may skip it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        if durable:
            _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def atomic_write_bytes(
    path: Path, data: bytes, *, durable: bool = True, mode: int = PRIVATE
) -> None:
    """Replace `path` with `data` atomically."""
    with atomic_path(path, durable=durable, mode=mode) as tmp, open(tmp, "wb") as f:
        f.write(data)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder (Windows).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
