"""The desktop app's flows, driven through the real widgets on a small temporary library."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QContextMenuEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from tests.gui.conftest import fake_top_classes, make_photos

PHOTOS = 8  # photo_folder holds 8 good photos and 1 broken file


def row_named(window, name):
    """The library row of the photo called name (the library is sorted by date)."""
    return next(i for i, e in enumerate(window.library_model.entries) if e.path.endswith(name))


def wait_results(qtbot, window, timeout=10_000):
    qtbot.waitUntil(lambda: window.showing_results, timeout=timeout)


def cell_centre(window, row):
    return window.gallery.visualRect(window.gallery.model().index(row, 0)).center()


def right_click(window, row):
    pos = cell_centre(window, row)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, window.gallery.viewport().mapToGlobal(pos)
    )
    QApplication.sendEvent(window.gallery.viewport(), event)
    assert window.context_menu is not None
    return window.context_menu


def action_texts(menu):
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def trigger(menu, text):
    action = next(a for a in menu.actions() if a.text() == text)
    action.trigger()


def test_first_start_shows_empty_state_then_add_folder_indexes_it(
    qtbot, open_window, empty_profile, photo_folder, monkeypatch
):
    window = open_window(empty_profile)
    assert window.pages.currentWidget() is window.empty_state
    assert window.empty_state.title.text() == "Your photo library is empty"

    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(photo_folder))
    )
    qtbot.mouseClick(window.empty_state.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.indexing, timeout=5000)
    qtbot.waitUntil(
        lambda: not window.indexing and window.library_model.rowCount() == PHOTOS, timeout=30_000
    )

    assert window.pages.currentWidget() is not window.empty_state
    assert window.header.title.text() == "All photos"
    assert window.header.subtitle.text() == f"{PHOTOS} photos"
    folders = [
        window.sidebar.tree.topLevelItem(i).text(0)
        for i in range(window.sidebar.tree.topLevelItemCount())
    ]
    assert folders == [f"All photos  ({PHOTOS})", f"Holidays  ({PHOTOS})"]
    assert window.statusBar().currentMessage() == f"Library up to date: {PHOTOS} added, 1 skipped"
    # The folder is remembered in the profile.
    assert window.library.folders() == [photo_folder]

    # The skipped file is listed with its reason.
    assert window.banner.isVisible() and "1 file could not be read" in window.banner.text()
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    actions = window.folder_actions
    qtbot.waitUntil(lambda: actions.skipped_dialog and actions.skipped_dialog.isVisible())
    table = actions.skipped_dialog.table
    assert table.rowCount() == 1
    assert table.item(0, 0).text().endswith("broken.jpg")
    assert "corrupt" in table.item(0, 1).text() or "not an image" in table.item(0, 1).text()
    assert window.sidebar.skipped_button.text() == "1 file skipped…"


def test_gallery_shows_library_with_thumbnails_cached_on_disk(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    assert window.library_model.rowCount() == PHOTOS
    qtbot.waitUntil(
        lambda: len(list(indexed_profile.thumbnail_dir.glob("*/*.jpg"))) == PHOTOS, timeout=10_000
    )
    qtbot.waitUntil(
        lambda: all(
            # A cell shows a null pixmap while its thumbnail loads.
            not window.library_model.index(r).data(Qt.ItemDataRole.DecorationRole).isNull()
            for r in range(PHOTOS)
        ),
        timeout=10_000,
    )
    pixmap = window.library_model.index(0).data(Qt.ItemDataRole.DecorationRole)
    assert max(pixmap.width(), pixmap.height()) == 160
    # Choosing the folder in the sidebar shows that folder.
    window.sidebar.tree.setCurrentItem(window.sidebar.tree.topLevelItem(1))
    qtbot.waitUntil(lambda: window.header.title.text() == "Holidays")
    qtbot.waitUntil(lambda: window.library_model.rowCount() == PHOTOS)


def assert_counts_what_is_unfaded(window, order: str) -> None:
    """The header counts the strong (unfaded) results as matches; weak ones are only shown."""
    entries = window.results_model.entries
    strong = sum(not e.weak for e in entries)
    subtitle = window.header.subtitle.text()
    if strong:
        assert subtitle.startswith(f"{strong} match{'es' if strong > 1 else ''}, {order}")
    else:
        assert subtitle.startswith(f"No strong matches; the {len(entries)} closest are shown")


def test_search_shows_results_understood_and_ignored_words_and_suggestions(
    qtbot, open_window, indexed_profile
):
    window = open_window(indexed_profile)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.field.hasFocus()
    qtbot.keyClicks(window.search_bar.field, "red circle -blue qwxzvq")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    wait_results(qtbot, window)

    assert window.header.title.text() == "Photos matching “red circle -blue”"
    assert_counts_what_is_unfaded(window, "best match first")
    assert window.results_model.rowCount() == PHOTOS
    assert window.header.back_button.isVisible()
    understood = window.search_bar.understood.text()
    assert "understood: <b>red circle −blue</b>" in understood
    assert "ignored:" in understood and "qwxzvq" in understood

    # "Try:" offers words the model knows well, never the query word's own plural ("reds").
    qtbot.waitUntil(lambda: "green" in window.search_bar.suggestion_words)
    assert not {"reds", "redish"} & set(window.search_bar.suggestion_words)
    qtbot.mouseClick(window.search_bar.chip("green"), Qt.MouseButton.LeftButton)
    assert window.search_bar.text() == "green circle -blue qwxzvq"
    qtbot.waitUntil(lambda: "“green circle -blue”" in window.header.title.text(), timeout=10_000)

    # Esc goes back to the whole library.
    qtbot.keyClick(window.gallery, Qt.Key.Key_Escape)
    assert not window.showing_results
    assert window.search_bar.text() == ""
    assert window.gallery.model().rowCount() == PHOTOS
    assert window.header.title.text() == "All photos"


def test_empty_and_unknown_queries_explain_themselves(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.search_bar.field.setText("   ")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    assert "Type a word to search for" in window.search_bar.understood.text()
    assert not window.showing_results

    window.search_bar.set_text("qwxzvq zzkqj")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    wait_results(qtbot, window)
    assert window.header.title.text() == "No photos for “qwxzvq zzkqj”"
    assert "not in the vocabulary" in window.header.subtitle.text()
    assert "No known word" in window.search_bar.understood.text()
    assert window.results_model.rowCount() == 0

    window.search_bar.set_text("-people")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "at least one word" in window.search_bar.understood.text())


def test_right_click_find_similar_by_look_and_by_class(
    qtbot, open_window, indexed_profile, monkeypatch
):
    window = open_window(indexed_profile)
    monkeypatch.setattr(window.library, "top_classes", fake_top_classes)
    opened = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True)
    )
    query = window.library_model.path_at(2)
    menu = right_click(window, 2)
    assert window.gallery.selected_paths() == [query]
    qtbot.waitUntil(
        lambda: sum(t.startswith("Find similar: ") for t in action_texts(menu)) == 2, timeout=10_000
    )
    texts = action_texts(menu)
    assert texts[:4] == ["Open", "Open in default viewer", "Show in folder", "Find similar"]
    assert all(a.toolTip() for a in menu.actions() if not a.isSeparator())

    trigger(menu, "Show in folder")
    assert opened == [QUrl.fromLocalFile(str(Path(query).parent))]

    trigger(menu, "Find similar")
    wait_results(qtbot, window)
    name = Path(query).name
    assert window.header.title.text() == f"Similar to {name}"
    assert_counts_what_is_unfaded(window, "most similar first")
    assert window.results_model.rowCount() == PHOTOS - 1
    assert query not in [e.path for e in window.results_model.entries]
    scores = [e.score for e in window.results_model.entries]
    assert scores == sorted(scores, reverse=True)

    trigger(menu, "Find similar: Egyptian cat")
    qtbot.waitUntil(
        lambda: window.header.title.text() == f"Similar to {name} as an “Egyptian cat”",
        timeout=10_000,
    )
    assert window.results_model.rowCount() == PHOTOS - 1

    qtbot.mouseClick(window.header.back_button, Qt.MouseButton.LeftButton)
    assert not window.showing_results
    assert window.gallery.model().rowCount() == PHOTOS


def test_tags_for_one_photo_shared_tags_for_several_and_tag_click_searches(
    qtbot, open_window, indexed_profile, monkeypatch
):
    window = open_window(indexed_profile)
    monkeypatch.setattr(window.library, "top_classes", fake_top_classes)
    window.gallery.setCurrentIndex(window.library_model.index(row_named(window, "photo_00.jpg")))
    qtbot.waitUntil(lambda: len(window.tag_panel.tag_words) >= 3, timeout=10_000)
    assert window.tag_panel.title.text() == "Tags"
    qtbot.waitUntil(lambda: window.details.name.text() == "photo_00.jpg", timeout=10_000)
    assert window.details.dimensions.text() == "320 × 240"
    qtbot.waitUntil(lambda: window.details.class_names == ["Egyptian cat", "tabby"])

    window.gallery.selectAll()
    qtbot.waitUntil(
        lambda: window.tag_panel.title.text() == f"Shared tags · {PHOTOS} photos", timeout=10_000
    )
    # Only tags at least half the photos have (Library.shared_tags): at most 10, maybe fewer.
    assert 0 < len(window.tag_panel.tag_words) <= 10
    assert window.details.hint.text() == f"{PHOTOS} photos selected"

    word = window.tag_panel.tag_words[0]
    qtbot.mouseClick(window.tag_panel.tag_button(word), Qt.MouseButton.LeftButton)
    wait_results(qtbot, window)
    assert window.search_bar.text() == word
    assert window.header.title.text() == f"Photos matching “{word}”"


def test_enter_and_double_click_open_a_large_preview(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.gallery.setFocus()
    window.gallery.setCurrentIndex(window.library_model.index(1))
    qtbot.keyClick(window.gallery, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible())
    preview = window.preview
    assert preview.path == window.library_model.path_at(1)
    qtbot.waitUntil(
        lambda: not preview._pixmap.isNull() and preview._pixmap.width() == 320, timeout=10_000
    )
    preview.step(1)
    assert preview.path == window.library_model.path_at(2)
    preview.close()

    centre = cell_centre(window, 3)
    qtbot.mouseClick(window.gallery.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(window.gallery.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: preview.isVisible() and preview.path == window.library_model.path_at(3))


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_dropping_an_outside_photo_finds_similar(
    qtbot, open_window, indexed_profile, tmp_path, photo_folder
):
    window = open_window(indexed_profile)
    outside = tmp_path / "elsewhere" / "dropped.jpg"
    outside.parent.mkdir()
    Image.open(photo_folder / "photo_03.jpg").rotate(3).save(outside)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(outside))])
    pos = window.rect().center().toPointF()
    # QApplication.sendEvent does not deliver drag events without a platform drag in progress,
    # so the window's handlers are called as Qt would call them.
    enter = QDragEnterEvent(
        pos.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    not_a_photo = QMimeData()
    not_a_photo.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    refused = QDragEnterEvent(
        pos.toPoint(),
        Qt.DropAction.CopyAction,
        not_a_photo,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()
    drop = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    wait_results(qtbot, window, timeout=20_000)
    assert window.header.title.text() == "Similar to dropped.jpg"
    assert "not in the library" in window.header.subtitle.text()
    assert window.results_model.rowCount() == PHOTOS
    assert window.results_model.path_at(0) == str(photo_folder / "photo_03.jpg")

    # Several photos at once: photos like all of them together.
    second = outside.with_name("dropped-too.jpg")
    Image.open(photo_folder / "photo_05.jpg").rotate(3).save(second)
    both = QMimeData()
    both.setUrls([QUrl.fromLocalFile(str(outside)), QUrl.fromLocalFile(str(second))])
    window.dropEvent(
        QDropEvent(
            pos, Qt.DropAction.CopyAction, both, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
        )
    )
    qtbot.waitUntil(lambda: window.header.title.text() == "Similar to 2 photos", timeout=20_000)
    top_two = {window.results_model.path_at(r) for r in range(2)}
    assert top_two == {str(photo_folder / "photo_03.jpg"), str(photo_folder / "photo_05.jpg")}


def test_errors_appear_in_a_banner_and_never_crash(
    qtbot, open_window, indexed_profile, tmp_path, monkeypatch
):
    window = open_window(indexed_profile)
    window.find_similar(str(tmp_path / "gone.jpg"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert window.banner.text().startswith("No such file")
    assert window.banner.level == "error"
    qtbot.mouseClick(window.banner.close_button, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible()

    window.add_folder(str(tmp_path / "no-such-folder"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "Folder not found" in window.banner.text()

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(window.library, "search", boom)
    window.banner.dismiss()
    window.search("cat")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert window.banner.text().startswith("Something went wrong (RuntimeError)")
    assert "Traceback" not in window.banner.text()
    assert window.isVisible()


def test_missing_folder_is_reported_and_its_photos_kept(
    qtbot, open_window, tmp_path, empty_profile
):
    folder = tmp_path / "Camera"
    make_photos(folder, count=3, broken=False)
    window = open_window(empty_profile)
    window.add_folder(str(folder))
    qtbot.waitUntil(
        lambda: window.library_model.rowCount() == 3 and not window.indexing, timeout=30_000
    )
    shutil.rmtree(folder)
    window.start_indexing()
    qtbot.waitUntil(lambda: window.banner.isVisible() and not window.indexing, timeout=10_000)
    assert window.banner.level == "warning"
    assert f"Folder not found: {folder}" in window.banner.text()
    qtbot.waitUntil(lambda: window.sidebar.tree.topLevelItem(1).text(0) == "Camera  (not found)")
    assert window.library_model.rowCount() == 3


def test_indexing_shows_progress_and_cancel_keeps_the_app_responsive(
    qtbot, open_window, empty_profile, photo_folder, monkeypatch
):
    window = open_window(empty_profile)
    library = window.library
    library.add_folder(photo_folder)
    real_index = library.index
    gate = threading.Event()
    closed = threading.Event()

    def gated_index(folders=None):
        run = real_index(folders)
        try:
            yield next(run)
            gate.wait(10)  # the test presses Cancel while indexing is "busy" here
            return (yield from run)
        finally:
            closed.set()

    monkeypatch.setattr(library, "index", gated_index)
    window.start_indexing()
    status = window.index_status
    qtbot.waitUntil(lambda: status.label.text().startswith("Looking for photos"), timeout=5000)
    assert status.isVisible() and status.cancel_button.isEnabled()
    qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    assert status.cancel_button.text() == "Stopping…"
    # The window still answers while the worker is busy.
    window.search_bar.set_text("typing works")
    assert window.search_bar.text() == "typing works"
    gate.set()
    qtbot.waitUntil(lambda: not window.indexing, timeout=10_000)
    assert closed.is_set()
    assert not status.isVisible()
    assert window.statusBar().currentMessage().startswith("Indexing stopped")

    # The lock was released: indexing again completes.
    monkeypatch.setattr(library, "index", real_index)
    window.start_indexing()
    qtbot.waitUntil(
        lambda: not window.indexing and window.library_model.rowCount() == PHOTOS, timeout=30_000
    )


def test_screenshot_after_search(qtbot, open_window, indexed_profile, tmp_path):
    window = open_window(indexed_profile)
    window.search_bar.set_text("circle")
    window.search("circle")
    wait_results(qtbot, window)
    window.gallery.setCurrentIndex(window.results_model.index(0))
    qtbot.waitUntil(lambda: len(window.tag_panel.tag_words) >= 3, timeout=10_000)  # its likely tags
    window.loader.wait()
    qtbot.wait(50)
    target = tmp_path / "main-window.png"
    assert window.grab().save(str(target))
    image = Image.open(target)
    assert image.size == (1200, 800)
    assert target.stat().st_size > 30_000
    assert len(image.convert("RGB").getcolors(1_000_000) or []) > 1000  # photos, not a blank form


def test_adding_the_whole_home_folder_asks_first(
    qtbot, open_window, tmp_path, empty_profile, monkeypatch
):
    home = tmp_path / "home"
    make_photos(home / "Pictures", count=2, broken=False)
    monkeypatch.setenv("HOME", str(home))
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answers.pop(0)

    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    window = open_window(empty_profile)

    window.add_folder(str(home))  # Cancel: nothing is added
    assert len(asked) == 1 and "whole home folder" in asked[0]
    assert window.library.folders() == []

    window.add_folder(str(home / "Pictures"))  # an ordinary folder: no question
    qtbot.waitUntil(lambda: window.library.folders() == [home / "Pictures"], timeout=10_000)
    assert len(asked) == 1

    window.add_folder(str(home))  # Yes: added
    qtbot.waitUntil(lambda: home in window.library.folders(), timeout=10_000)
    assert len(asked) == 2
