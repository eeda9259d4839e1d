"""What the window shows, as plain data: no Qt here (import-linter holds that).

The way napari's ViewerModel holds layers while its Qt widgets only observe it: ViewState keeps
the state a user can see (library or results, the folder, the sort, the date range, the current
query and its results, the selection, back/forward history); the Qt side (gui.navigation and
the window) writes widgets from it and subscribes to its events. Tested without Qt in
tests/gui/test_view_state.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

Mode = Literal["library", "results"]
SORTS = ("date", "name", "folder")
MAX_VIEWS = 50  # views kept for Back


@dataclass(frozen=True)
class PhotoEntry:
    """One cell: a photo and, for results, its similarity score; weak matches are faded."""

    path: str
    score: float | None = None
    weak: bool = False
    header: str = ""  # a month header painted above this cell ("March 2024"), if it starts one
    duration: float | None = None  # a video's length in seconds (its tile shows it)
    live: bool = False  # a Live Photo: a still with its clip beside it (its tile says LIVE)


WEAKER_HEADER = "Weaker matches"  # the divider above the first weak match, best first


def with_divider(entries: list[PhotoEntry], header: str = WEAKER_HEADER) -> list[PhotoEntry]:
    """Entries with a header ("Weaker matches") on the first weak one, where strong matches come
    first and every weak one after them (best first; not in date order, where they mix)."""
    weak = [e.weak for e in entries]
    first = weak.index(True) if True in weak else 0
    if not first or not all(weak[first:]):
        return entries
    return [*entries[:first], replace(entries[first], header=header), *entries[first + 1 :]]


class Event:
    """Callbacks to run when something changed (a Qt-free signal)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], object]] = []

    def connect(self, callback: Callable[[], object]) -> None:
        self._callbacks.append(callback)

    def emit(self) -> None:
        for callback in list(self._callbacks):
            callback()


# -- the order of photos -----------------------------------------------------------------------


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


def taken_between(taken: str | None, start: date | None, end: date | None) -> bool:
    """Whether an ISO capture time lies in [start, end]; an unknown date only with no range."""
    if start is None and end is None:
        return True
    if not taken:
        return False
    day = date.fromisoformat(taken[:10])
    return (start is None or day >= start) and (end is None or day <= end)


def below(entries: list[PhotoEntry], folder: Path) -> list[str]:
    """The paths of entries inside folder (or one of its subfolders)."""
    return [e.path for e in entries if Path(e.path).is_relative_to(folder)]


# -- the current query -------------------------------------------------------------------------


@dataclass
class Results:
    """The latest search or "find similar": its hits best first, and how to ask it again."""

    hits: list[PhotoEntry] = field(default_factory=list)
    taken: dict[str, str | None] = field(default_factory=dict)  # capture time (ISO), if known
    picture_of: str | None = None  # the query photo pictured in the results header
    rerun: Callable[[], None] | None = None  # the query again, for a new date range
    weak_header: str = WEAKER_HEADER  # the divider above the weak ones, best first

    def ordered(self, newest_first: bool) -> list[PhotoEntry]:
        """The hits best match first ("Weaker matches" above the first weak one), or newest
        first."""
        if newest_first:
            return by_date(self.hits, self.taken)
        return with_divider([replace(e) for e in self.hits], self.weak_header)

    def forget(self, paths: set[str]) -> None:
        """Photos gone from the disk leave the results kept for re-sorting too."""
        self.hits = [e for e in self.hits if e.path not in paths]


# -- back and forward --------------------------------------------------------------------------


@dataclass
class View:
    """One view as it was on screen, and where the user was in it."""

    mode: Mode
    folder: Path | None
    entries: list[PhotoEntry]
    title: str
    subtitle: str
    search_text: str
    header_photo: str | None
    scroll: int
    selected: list[str]
    current: str | None


class NavigationHistory:
    """Two stacks of views: `leave(view)` before another view is shown; back and forward."""

    def __init__(self, max_views: int = MAX_VIEWS) -> None:
        self.max_views = max_views
        self.back_views: list[View] = []
        self.forward_views: list[View] = []

    @property
    def can_go_back(self) -> bool:
        return bool(self.back_views)

    @property
    def can_go_forward(self) -> bool:
        return bool(self.forward_views)

    def leave(self, view: View) -> None:
        """Another view is about to be shown: remember this one, forget "forward"."""
        self.back_views.append(view)
        del self.back_views[: -self.max_views]
        self.forward_views.clear()

    def back(self, current: View) -> View | None:
        """The view before current (which is kept for Forward), or None at the first."""
        if not self.back_views:
            return None
        self.forward_views.append(current)
        return self.back_views.pop()

    def forward(self, current: View) -> View | None:
        """The view current was left for by Back, or None."""
        if not self.forward_views:
            return None
        self.back_views.append(current)
        return self.forward_views.pop()


# -- the whole window --------------------------------------------------------------------------


class ViewState:
    """What the gallery shows and how; widgets observe the events."""

    def __init__(self) -> None:
        self.mode: Mode = "library"
        self.folder: Path | None = None  # None: every photo
        self.folders: list[Path] = []  # the library's folders, as last read
        self.loaded = False  # the library has been shown once (before, there is no "back")
        self.sort = "date"  # the library view's order: "date" (newest first), "name", "folder"
        self.results_by_date = False  # results newest first instead of best match first
        self.dates: tuple[date | None, date | None] = (None, None)  # searches' range
        self.selection: list[str] = []  # the selected photos, in gallery order
        self.results = Results()
        self.history = NavigationHistory()
        self.sort_changed = Event()
        self.results_order_changed = Event()
        self.dates_changed = Event()
        self.selection_changed = Event()

    @property
    def showing_results(self) -> bool:
        return self.mode == "results"

    @property
    def library_is_empty(self) -> bool:
        """Loaded, showing the library, and it has no folder: the "add a folder" page."""
        return self.loaded and not self.folders and self.mode == "library"

    def set_sort(self, sort: str) -> None:
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
        if sort != self.sort:
            self.sort = sort
            self.sort_changed.emit()

    def set_results_by_date(self, on: bool) -> None:
        if on != self.results_by_date:
            self.results_by_date = on
            self.results_order_changed.emit()

    def set_dates(self, start: date | None, end: date | None) -> None:
        if (start, end) != self.dates:
            self.dates = (start, end)
            self.dates_changed.emit()

    def set_selection(self, paths: list[str]) -> None:
        """The gallery's selection now; observers hear of every report (a model reset too)."""
        self.selection = list(paths)
        self.selection_changed.emit()

    def ordered_results(self) -> list[PhotoEntry]:
        return self.results.ordered(self.results_by_date)

    def library_title(self) -> str:
        return self.folder.name if self.folder is not None else "All photos"

    def library_subtitle(self, photos: int, indexing: bool) -> str:
        """The library header's second line for photos shown, while indexing or not."""
        if not self.loaded:
            return "Loading…"
        if photos:
            text = f"{photos:,} photo{'s' if photos != 1 else ''}"
            return text + (" · indexing, more photos appear as they are ready" if indexing else "")
        if indexing:
            return "Indexing… photos appear here as they are ready"
        return "No photos found here yet"


def with_live(entries: list[PhotoEntry], live: set[str]) -> list[PhotoEntry]:
    """entries with each Live Photo's still marked (paths in live)."""
    if not live:
        return entries
    return [replace(e, live=True) if e.path in live else e for e in entries]


def with_durations(entries: list[PhotoEntry], durations: dict[str, float]) -> list[PhotoEntry]:
    """entries with each video's duration filled in from {path: seconds}."""
    if not durations:
        return entries
    return [replace(e, duration=durations[e.path]) if e.path in durations else e for e in entries]


def duration_text(seconds: float | None) -> str:
    """A video's length as a player shows it: "0:07", "12:34", "1:02:03"; "" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
