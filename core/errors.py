"""Errors a user can cause. Anything else that escapes is a bug and shows a traceback."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator

# The command's name, the one prefix of every message the app prints ("photosearch: error: ...").
# Not the profile folder's name (core.storage.profile.APP_NAME), which users' profiles live in.
PROGRAM = "photosearch"


class PhotoSearchError(Exception):
    """A known failure with a one-line message meant for the user (bad file, unknown word, ...)."""


class UsageError(PhotoSearchError):
    """The request itself is malformed (exit code 2 on the command line)."""


class UnknownWordsError(PhotoSearchError):
    """None of the query words has a word vector."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        quoted = ", ".join(repr(w) for w in words)
        super().__init__(f"no known word in the query ({quoted}); try simpler or more common words")


class UnknownClassError(PhotoSearchError):
    """An ImageNet class name matched nothing; carries the closest names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown ImageNet class {name!r}{hint} (see `classes QUERY`)")


class LibraryBusyError(PhotoSearchError):
    """Another process holds the indexing lock for this profile."""


class CorruptDataError(PhotoSearchError):
    """A profile file is damaged and could not be repaired automatically."""


class StorageError(PhotoSearchError):
    """The profile cannot be read or written: disk full, permission denied, read-only, locked."""


class DecodeError(PhotoSearchError):
    """A file could not be turned into pixels; the message is the user-facing reason."""


class ProfileWarning(UserWarning):
    """Something in the profile was ignored (a bad settings file, a bad manifest); the app goes
    on with defaults. Front ends show these as one line; core never prints."""


DISK_FULL = "the disk is full: free some space and run it again (nothing done so far is lost)"


def describe_os_error(e: OSError) -> str:
    """A short, user-facing reason for a file-system failure."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(e):
        return DISK_FULL
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EROFS:
        return "the file system is read-only"
    return e.strerror or str(e) or type(e).__name__


@contextlib.contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn a file-system failure while doing `what` into a one-line StorageError."""
    try:
        yield
    except OSError as e:
        raise StorageError(f"{what}: {describe_os_error(e)}") from e
