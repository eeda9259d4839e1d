"""The browser around the search: dates, the folder tree, removing and trashing, live updates,
near-duplicates. Driven through the real widgets on small temporary libraries."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QMessageBox

from gui.live_updates import LiveUpdates
from gui.view_state import with_month_headers


def paths_shown(window):
    return [e.path for e in window.gallery.model().entries]


def names_shown(window):
    return [os.path.basename(p) for p in paths_shown(window)]


def folder_items(window):
    """Every entry of the folder tree as (depth, text)."""
    out = []

    def walk(item, depth):
        out.append((depth, item.text(0)))
        for i in range(item.childCount()):
            walk(item.child(i), depth + 1)

    tree = window.sidebar.tree
    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i), 0)
    return out


def answer(monkeypatch, button):
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2] if len(args) > 2 else "")
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_library_is_newest_first_with_a_header_for_each_month(qtbot, open_window, dated_profile):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    entries = window.library_model.entries
    assert [os.path.basename(os.path.dirname(e.path)) for e in entries] == ["Paris"] * 3 + [
        "Rome"
    ] * 3
    assert [e.header for e in entries] == ["August 2024", "July 2024", "", "March 2023", "", ""]
    # The header band makes the cells taller than they are wide.
    grid = window.gallery.gridSize()
    assert grid.height() > window.gallery.thumbnail_size + 16


def test_month_headers_are_painted_above_the_first_photo_of_each_month(
    qtbot, open_window, dated_profile
):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    rect = window.gallery.visualRect(window.library_model.index(0))
    band = window.gallery.viewport().grab(rect.adjusted(0, 0, 0, -(rect.height() - 24)))
    image = band.toImage()
    background = image.pixelColor(1, 1).lightness()
    dark_pixels = sum(
        abs(image.pixelColor(x, y).lightness() - background) > 80
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    )
    assert dark_pixels > 20  # "August 2024" is written there


def test_month_headers_only_where_the_month_changes():
    from datetime import datetime

    entries = with_month_headers(
        [("a", datetime(2024, 3, 9)), ("b", datetime(2024, 3, 1)), ("c", None)]
    )
    assert [e.header for e in entries] == ["March 2024", "", "No date"]


def test_view_menu_sorts_by_name_and_by_folder(qtbot, open_window, dated_profile):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    window.menus.actions["sort_name"].trigger()
    qtbot.waitUntil(lambda: window.library_model.entries[0].header == "", timeout=10_000)
    assert names_shown(window) == sorted(names_shown(window))
    assert window.gallery.gridSize().height() == window.gallery.thumbnail_size + 16
    window.menus.actions["sort_folder"].trigger()
    qtbot.waitUntil(
        lambda: [Path(p).parent.name for p in paths_shown(window)] == ["Rome"] * 3 + ["Paris"] * 3,
        timeout=10_000,
    )


def test_results_keep_best_match_first_or_go_newest_first(qtbot, open_window, dated_profile):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    rome = next(p for p in paths_shown(window) if "Rome" in p)
    window.find_similar(rome)
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    scores = [e.score for e in window.results_model.entries]
    assert scores == sorted(scores, reverse=True)
    window.menus.actions["results_by_date"].setChecked(True)
    taken = [window.state.results.taken[p] for p in paths_shown(window)]
    assert taken == sorted(taken, reverse=True)
    assert "Paris" in paths_shown(window)[0]
    window.menus.actions["results_by_date"].setChecked(False)
    assert [e.score for e in window.results_model.entries] == scores


def test_date_range_narrows_a_search(qtbot, open_window, dated_profile):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    rome = next(p for p in paths_shown(window) if "Rome" in p)
    window.find_similar(rome)
    qtbot.waitUntil(lambda: len(window.results_model.entries) == 5, timeout=10_000)
    window.date_filter.set_range(date(2024, 1, 1), None)
    qtbot.waitUntil(lambda: len(window.results_model.entries) == 3, timeout=10_000)
    assert all("Paris" in p for p in paths_shown(window))
    window.date_filter.set_range(date(2024, 8, 1), date(2024, 8, 31))
    qtbot.waitUntil(lambda: len(window.results_model.entries) == 1, timeout=10_000)
    window.date_filter.clear()
    qtbot.waitUntil(lambda: len(window.results_model.entries) == 5, timeout=10_000)


def test_text_search_passes_the_date_range(qtbot, open_window, dated_profile, monkeypatch):
    window = open_window(dated_profile)
    asked = []
    real = window.library.search

    def search(terms, k, **dates):
        asked.append(dates)
        return real(terms, k, **dates)

    monkeypatch.setattr(window.library, "search", search)
    window.date_filter.set_range(date(2023, 1, 1), date(2023, 12, 31))
    window.search("red")
    qtbot.waitUntil(lambda: window.showing_results, timeout=20_000)
    assert asked[-1] == {"taken_from": date(2023, 1, 1), "taken_to": date(2023, 12, 31)}
    assert all("Rome" in p for p in paths_shown(window))


def test_folder_tree_shows_nested_folders_with_counts_and_browses_them(
    qtbot, open_window, dated_profile
):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    items = folder_items(window)
    assert items[0] == (0, "All photos  (6)")
    assert (0, "Trips  (6)") in items
    assert any(d == 1 and t.endswith("Rome  (3)") for d, t in items)
    assert any(d == 1 and t.endswith("Paris  (3)") for d, t in items)
    trips = window.sidebar.tree.topLevelItem(1)
    paris = next(
        trips.child(i) for i in range(trips.childCount()) if "Paris" in trips.child(i).text(0)
    )
    window.sidebar.tree.setCurrentItem(paris)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 3, timeout=10_000)
    assert all("Paris" in p for p in paths_shown(window))
    assert window.header.title.text() == "Paris"


def test_remove_folder_asks_first_and_can_be_undone(
    qtbot, open_window, dated_profile, dated_template, monkeypatch
):
    window = open_window(dated_profile)
    folder = dated_template[1]
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.sidebar.remove_folder_requested.emit(folder)
    assert asked and "Trips" in asked[0]
    assert window.library.folders() == [folder]

    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    window.sidebar.remove_folder_requested.emit(folder)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 0, timeout=10_000)
    assert window.library.folders() == []
    assert window.banner.action_button.text() == "Undo"
    window.banner.action_button.click()
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    assert window.library.folders() == [folder]
    assert "back in the library" in window.banner.label.text()


def test_removing_a_folder_clears_a_search_that_showed_only_it(
    qtbot, open_window, dated_profile, dated_template, monkeypatch
):
    window = open_window(dated_profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)
    window.find_similar(paths_shown(window)[0])
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    window.folder_actions.remove_folder(dated_template[1])
    qtbot.waitUntil(lambda: not window.showing_results, timeout=10_000)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 0, timeout=10_000)
    window.menus.actions["undo_remove"].trigger()  # Edit > Undo remove folder
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 6, timeout=10_000)


def test_move_to_trash_asks_then_the_photo_leaves_disk_gallery_and_results(
    qtbot, open_window, own_folder_profile, tmp_path, monkeypatch
):
    profile, folder = own_folder_profile
    (tmp_path / "xdg").mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", os.fspath(tmp_path / "xdg"))  # the trash lives here
    window = open_window(profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 4, timeout=10_000)
    victim = str(folder / "photo_01.jpg")
    answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.trash.trash([victim])
    assert os.path.exists(victim)

    window.find_similar(str(folder / "photo_00.jpg"))
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    assert victim in paths_shown(window)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    window.trash.trash([victim])
    assert "photo_01.jpg" in asked[0]
    assert not os.path.exists(victim)
    assert [f.name for f in (tmp_path / "xdg" / "Trash" / "files").iterdir()] == ["photo_01.jpg"]
    assert victim not in paths_shown(window)
    qtbot.waitUntil(lambda: "to the trash" in window.statusBar().currentMessage(), timeout=10_000)
    assert victim not in [str(p) for p in window.library.photos()]
    assert window.library_model.rowCount() == 3


def test_live_updates_show_new_and_deleted_photos_without_a_refresh(
    qtbot, open_window, own_folder_profile
):
    profile, folder = own_folder_profile
    window = open_window(profile)
    window.live.timer.setInterval(300)  # the 2 s debounce, shortened for the test
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 4, timeout=10_000)
    assert os.fspath(folder) in window.live.watcher.directories()
    sub = folder / "new"
    sub.mkdir()
    Image.open(folder / "photo_00.jpg").rotate(90).save(sub / "added.jpg")
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 5, timeout=30_000)
    assert str(sub / "added.jpg") in paths_shown(window)
    (folder / "photo_02.jpg").unlink()
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 4, timeout=30_000)
    assert str(folder / "photo_02.jpg") not in paths_shown(window)


def test_live_updates_wait_for_a_quiet_spell(qtbot, open_window, own_folder_profile):
    profile, folder = own_folder_profile
    window = open_window(profile)
    started = []
    window.indexer.start = lambda folders=None, quiet=False: started.append((folders, quiet))
    live = LiveUpdates(window, window.state, window.indexer, window.statusBar())
    live.timer.setInterval(200)
    for _ in range(5):  # a burst of changes is one refresh
        live.on_changed(os.fspath(folder))
    live.on_changed("/somewhere/else")  # not a library folder: ignored
    qtbot.waitUntil(lambda: bool(started), timeout=5000)
    qtbot.wait(400)
    assert started == [([folder], True)]


def test_near_duplicates_are_shown_as_groups(qtbot, open_window, own_folder_profile, tmp_path):
    profile, folder = own_folder_profile
    copy = folder / "photo_00_copy.jpg"
    Image.open(folder / "photo_00.jpg").save(copy, quality=75)  # re-encoded
    window = open_window(profile, rescan=True)
    qtbot.waitUntil(
        lambda: not window.indexing and window.library_model.rowCount() == 5, timeout=30_000
    )
    window.menus.actions["duplicates"].trigger()
    qtbot.waitUntil(lambda: window.header.title.text() == "Near-duplicates", timeout=10_000)
    entries = window.results_model.entries
    assert entries[0].header.startswith("Group 1 · ")
    group = {e.path for e in entries[:2]}
    assert group == {str(folder / "photo_00.jpg"), str(copy)}


def test_no_near_duplicates_says_so(qtbot, open_window, dated_profile, monkeypatch):
    window = open_window(dated_profile)
    monkeypatch.setattr(window.library, "near_duplicates", lambda: [])
    window.show_duplicates()
    qtbot.waitUntil(lambda: window.header.title.text() == "Near-duplicates", timeout=10_000)
    assert window.header.subtitle.text().startswith("No near-duplicates")
    assert window.results_model.rowCount() == 0


def test_copying_a_folder_of_photos_in_is_watched_too(qtbot, open_window, own_folder_profile):
    profile, folder = own_folder_profile
    window = open_window(profile)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 4, timeout=10_000)
    nested = folder / "a" / "b"
    nested.mkdir(parents=True)
    window.live.on_changed(os.fspath(folder))
    assert os.fspath(nested) in window.live.watcher.directories()
    shutil.rmtree(folder / "a")
