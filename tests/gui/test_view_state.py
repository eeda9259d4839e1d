"""The window's state as plain data (gui.view_state): no Qt, no window, no qtbot."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from gui.view_state import (
    MAX_VIEWS,
    NavigationHistory,
    PhotoEntry,
    Results,
    View,
    ViewState,
    below,
    by_date,
    taken_between,
    with_month_headers,
)

ROOT = Path(__file__).resolve().parents[2]


def view(name: str) -> View:
    return View("library", None, [PhotoEntry(name)], name, "", "", None, 0, [], None)


def test_the_state_module_imports_no_qt() -> None:
    # gui/__init__ imports Qt (its None guard), so load the module file alone, as a package
    # without Qt would.
    path = str(ROOT / "gui" / "view_state.py")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('view_state', {path!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['view_state'] = module\n"
        "spec.loader.exec_module(module)\n"
        "module.ViewState().set_sort('name')\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_back_and_forward_walk_the_views_left() -> None:
    history = NavigationHistory()
    assert not history.can_go_back and history.back(view("now")) is None
    history.leave(view("a"))
    history.leave(view("b"))
    back = history.back(view("c"))
    assert back is not None and back.title == "b"
    assert history.can_go_forward
    forward = history.forward(view("b"))
    assert forward is not None and forward.title == "c"
    history.back(view("c"))
    history.leave(view("b"))  # a new view after going back: "forward" is forgotten
    assert not history.can_go_forward
    assert [v.title for v in history.back_views] == ["a", "b"]


def test_history_keeps_the_latest_views_only() -> None:
    history = NavigationHistory()
    for i in range(MAX_VIEWS + 10):
        history.leave(view(str(i)))
    assert len(history.back_views) == MAX_VIEWS
    assert history.back_views[0].title == "10"


def test_events_fire_on_changes_only_and_sorts_are_checked() -> None:
    state = ViewState()
    heard: list[str] = []
    state.sort_changed.connect(lambda: heard.append("sort"))
    state.results_order_changed.connect(lambda: heard.append("order"))
    state.dates_changed.connect(lambda: heard.append("dates"))
    state.selection_changed.connect(lambda: heard.append("selection"))
    state.set_sort("date")  # already
    state.set_sort("name")
    state.set_results_by_date(True)
    state.set_results_by_date(True)
    state.set_dates(date(2024, 1, 1), None)
    state.set_dates(date(2024, 1, 1), None)
    state.set_selection(["a.jpg"])
    state.set_selection(["a.jpg"])  # a model reset reports the same selection again
    assert heard == ["sort", "order", "dates", "selection", "selection"]
    assert (state.sort, state.results_by_date, state.dates) == (
        "name",
        True,
        (date(2024, 1, 1), None),
    )
    with pytest.raises(ValueError, match="unknown sort"):
        state.set_sort("size")


def test_results_in_the_chosen_order_and_photos_trashed_leave_them() -> None:
    state = ViewState()
    state.results = Results(
        hits=[
            PhotoEntry("best.jpg", 0.9),
            PhotoEntry("undated.jpg", 0.8),
            PhotoEntry("new.jpg", 0.7),
        ],
        taken={"best.jpg": "2020-05-01T10:00:00", "undated.jpg": None, "new.jpg": "2024-01-02"},
    )
    assert [e.path for e in state.ordered_results()] == ["best.jpg", "undated.jpg", "new.jpg"]
    state.set_results_by_date(True)
    assert [e.path for e in state.ordered_results()] == ["new.jpg", "best.jpg", "undated.jpg"]
    assert state.ordered_results()[0].score == 0.7  # each keeps its score
    state.results.forget({"best.jpg"})
    assert [e.path for e in state.ordered_results()] == ["new.jpg", "undated.jpg"]


def test_library_header_and_the_empty_page() -> None:
    state = ViewState()
    assert state.library_subtitle(0, indexing=False) == "Loading…"
    assert not state.library_is_empty  # not before the first load
    state.loaded = True
    assert state.library_is_empty
    assert state.library_title() == "All photos"
    state.folders = [Path("/photos")]
    state.folder = Path("/photos/Rome")
    assert not state.library_is_empty
    assert state.library_title() == "Rome"
    assert state.library_subtitle(1, indexing=False) == "1 photo"
    assert state.library_subtitle(2_000, indexing=True).startswith("2,000 photos · indexing")
    assert state.library_subtitle(0, indexing=True).startswith("Indexing…")
    assert state.library_subtitle(0, indexing=False) == "No photos found here yet"
    state.mode = "results"
    assert state.showing_results and not state.library_is_empty


def test_month_headers_dates_and_folders() -> None:
    photos = [
        ("a.jpg", datetime(2024, 3, 5)),
        ("b.jpg", datetime(2024, 3, 1)),
        ("c.jpg", datetime(2023, 12, 31)),
        ("d.jpg", None),
    ]
    headers = [e.header for e in with_month_headers(photos)]
    assert headers == ["March 2024", "", "December 2023", "No date"]
    assert taken_between("2024-03-05T10:00:00", date(2024, 3, 5), date(2024, 3, 5))
    assert not taken_between("2024-03-05", date(2024, 3, 6), None)
    assert not taken_between(None, None, date(2024, 1, 1))  # an unknown date only with no range
    assert taken_between(None, None, None)
    entries = [PhotoEntry("/p/Rome/a.jpg"), PhotoEntry("/p/Paris/b.jpg")]
    assert below(entries, Path("/p/Rome")) == ["/p/Rome/a.jpg"]
    dated_first = by_date(entries, {"/p/Paris/b.jpg": "2024"})
    assert [e.path for e in dated_first] == ["/p/Paris/b.jpg", "/p/Rome/a.jpg"]
