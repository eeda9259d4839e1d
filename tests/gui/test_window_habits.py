"""The habits people bring from digiKam and Shotwell: menus, shortcuts, history, a layout that
comes back at the next start, the system's dark palette, a preview that never enlarges."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPixmap, QWheelEvent
from PySide6.QtWidgets import QApplication

from gui.gallery import PhotoModel
from gui.style import apply_style, dark_palette, style_sheet
from gui.view_state import PhotoEntry

PHOTOS = 8


def menu_texts(window):
    return {
        menu.title().replace("&", ""): [
            a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()
        ]
        for menu in (a.menu() for a in window.menuBar().actions())
    }


def activate(qtbot, window):
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def wait_library(qtbot, window, n=PHOTOS):
    qtbot.waitUntil(lambda: window.library_model.rowCount() == n, timeout=10_000)


def test_menu_bar_has_file_edit_view_and_help(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    menus = menu_texts(window)
    assert list(menus) == ["File", "Edit", "View", "Help"]
    assert menus["File"] == ["Add folder…", "Refresh", "Quit"]
    assert menus["Edit"][:2] == ["Select all", "Copy path"]
    for entry in ("Larger thumbnails", "Smaller thumbnails", "Sort", "Folders panel"):
        assert entry in menus["View"]
    assert "Full screen" in menus["View"] and "Near-duplicates…" in menus["View"]
    assert menus["Help"] == ["Keyboard shortcuts", "About Photo Search"]
    shortcuts = {k: a.shortcut().toString() for k, a in window.menus.actions.items()}
    assert shortcuts["quit"] == "Ctrl+Q"
    assert shortcuts["back"] == "Alt+Left" and shortcuts["forward"] == "Alt+Right"


def test_help_lists_the_shortcuts_and_about_names_the_app(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.menus.actions["shortcuts"].trigger()
    text = window.menus.dialog.text()
    for key in ("Ctrl+F", "Space", "Enter", "Alt+Left", "Ctrl+plus"):
        assert key in text
    window.menus.actions["about"].trigger()
    assert "Photo Search" in window.menus.dialog.text()
    assert window.menus.dialog.isVisible()


def test_ctrl_f_focuses_the_search_field(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    activate(qtbot, window)
    window.gallery.setFocus()
    qtbot.keyClick(window.gallery, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search_bar.field.hasFocus, timeout=2000)


def test_ctrl_plus_minus_and_ctrl_wheel_resize_the_thumbnails(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    wait_library(qtbot, window)
    activate(qtbot, window)
    window.gallery.setFocus()
    before = window.gallery.gridSize()
    qtbot.keyClick(window.gallery, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.gallery.thumbnail_size == 200
    assert window.gallery.gridSize().height() > before.height()
    qtbot.keyClick(window.gallery, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.gallery, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.gallery.thumbnail_size == 128
    # More, smaller cells fit in a row.
    columns = window.gallery.viewport().width() // window.gallery.gridSize().width()
    assert columns > window.gallery.viewport().width() // before.width()

    centre = QPointF(window.gallery.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(window.gallery.viewport().mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(window.gallery.viewport(), wheel)
    assert window.gallery.thumbnail_size == 160
    # The thumbnails are made for the new size (in device pixels).
    assert window.loader.size.width() == 160


def test_space_previews_and_space_again_closes(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    wait_library(qtbot, window)
    window.gallery.setCurrentIndex(window.library_model.index(2))
    qtbot.keyClick(window.gallery, Qt.Key.Key_Space)
    assert window.preview is not None and window.preview.isVisible()
    assert window.preview.path == window.library_model.path_at(2)
    qtbot.keyClick(window.gallery, Qt.Key.Key_Space)
    assert not window.preview.isVisible()


def test_alt_left_right_go_back_and_forward_with_scroll_and_selection(
    qtbot, open_window, indexed_profile
):
    window = open_window(indexed_profile)
    wait_library(qtbot, window)
    window.set_thumbnail_size(256)
    window.resize(700, 500)
    qtbot.wait(50)
    scrollbar = window.gallery.verticalScrollBar()
    qtbot.waitUntil(lambda: scrollbar.maximum() > 0, timeout=5000)
    window.gallery.setCurrentIndex(window.library_model.index(6))
    scrollbar.setValue(scrollbar.maximum())
    library_scroll = scrollbar.value()
    selected = window.gallery.selected_paths()

    window.find_similar(window.library_model.path_at(0))
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    results_title = window.header.title.text()
    window.gallery.setCurrentIndex(window.results_model.index(1))
    result_selected = window.gallery.selected_paths()

    activate(qtbot, window)
    qtbot.keyClick(window.gallery, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert not window.showing_results
    qtbot.waitUntil(lambda: scrollbar.value() == library_scroll, timeout=2000)
    assert window.gallery.selected_paths() == selected

    qtbot.keyClick(window.gallery, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.showing_results
    assert window.header.title.text() == results_title
    assert window.gallery.selected_paths() == result_selected
    assert not window.state.history.can_go_forward


def test_resizing_keeps_the_selected_photo_in_view(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    wait_library(qtbot, window)
    window.set_thumbnail_size(256)
    window.gallery.setCurrentIndex(window.library_model.index(PHOTOS - 1))
    window.gallery.scrollToTop()
    window.resize(600, 420)

    def visible():
        rect = window.gallery.visualRect(window.library_model.index(PHOTOS - 1))
        return window.gallery.viewport().rect().intersects(rect)

    qtbot.waitUntil(visible, timeout=2000)
    assert window.gallery.verticalScrollBar().value() > 0


def test_window_size_splitter_and_thumbnail_size_come_back_at_next_start(
    qtbot, open_window, indexed_profile, settings_dir
):
    window = open_window(indexed_profile)
    window.resize(1000, 700)
    window.splitter.setSizes([330, 470, 200])
    sizes = window.splitter.sizes()
    window.set_thumbnail_size(200)
    window.set_sort("name")
    window.close()
    assert (indexed_profile.data_dir / "window.ini").is_file()  # in the profile, not the user's
    assert not any(settings_dir.rglob("*"))

    again = open_window(indexed_profile)  # the factory resizes to 1200 x 800 after start...
    assert again.gallery.thumbnail_size == 200
    assert again.state.sort == "name"
    assert again.splitter.sizes()[0] == sizes[0]


def test_restored_window_size(qtbot, indexed_profile, settings_dir, open_window):
    from core.library import Library
    from gui.main_window import MainWindow

    first = open_window(indexed_profile)
    first.resize(900, 640)
    first.close()
    library = Library(indexed_profile)
    try:
        window = MainWindow(library)
        qtbot.addWidget(window)
        assert (window.width(), window.height()) == (900, 640)
        window.shutdown()
    finally:
        library.close()


def test_panels_resize_in_a_splitter_and_can_be_hidden(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.splitter.setSizes([400, 500, 300])
    assert window.sidebar.width() > 350  # not a fixed width
    window.splitter.setSizes([160, 740, 300])
    assert window.sidebar.width() < 200
    window.menus.actions["show_details"].setChecked(False)
    assert window.right_panel.isHidden()
    window.menus.actions["show_folders"].setChecked(False)
    assert window.sidebar.isHidden()
    window.menus.actions["show_folders"].setChecked(True)
    assert not window.sidebar.isHidden()


def test_select_all_and_copy_path(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    wait_library(qtbot, window)
    window.menus.actions["select_all"].trigger()
    assert len(window.gallery.selected_paths()) == PHOTOS
    window.gallery.setCurrentIndex(window.library_model.index(3))
    window.menus.actions["copy_path"].trigger()
    assert QGuiApplication.clipboard().text() == window.library_model.path_at(3)


def test_full_screen_toggles(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.menus.actions["full_screen"].trigger()
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    window.menus.actions["full_screen"].trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)


def test_dark_palette_makes_a_dark_window(qtbot, open_window, indexed_profile):
    app = QApplication.instance()
    window = open_window(indexed_profile)
    try:
        apply_style(app, "dark")
        wait_library(qtbot, window)
        image = window.grab().toImage()
        centre = image.pixelColor(image.width() // 2, image.height() - 60)
        top = image.pixelColor(image.width() // 2, 5)
        assert centre.lightness() < 80 and top.lightness() < 80
        sheet = style_sheet(dark_palette())
        assert "#ffffff;" not in sheet.replace("color: white", "")
    finally:
        apply_style(app, "light")
    image = window.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() - 60).lightness() > 200


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_thumbnails_are_never_upscaled_and_sharp_on_hidpi(
    qtbot, open_window, indexed_profile, ratio
):
    window = open_window(indexed_profile)
    model = PhotoModel(window.loader, window)
    small = QPixmap(int(60 * ratio), int(40 * ratio))
    small.fill(QColor("black"))
    small.setDevicePixelRatio(ratio)
    window.loader._pixmaps["/tiny.jpg"] = small
    model.set_entries([PhotoEntry("/tiny.jpg")])
    window.gallery.setModel(model)
    rect = window.gallery.visualRect(model.index(0))
    image = window.gallery.viewport().grab(rect).toImage()
    dark = [
        (x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).lightness() < 30
    ]
    width = max(x for x, _ in dark) - min(x for x, _ in dark) + 1
    assert width == pytest.approx(60, abs=2)  # drawn at its size in a 160 px cell, not blown up


def test_preview_shows_a_small_photo_at_100_percent_and_closes(
    qtbot, open_window, indexed_profile, tmp_path
):
    window = open_window(indexed_profile)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (120, 90), (200, 30, 30)).save(small)
    window.open_preview(str(small))
    preview = window.preview
    qtbot.waitUntil(lambda: preview.shown_size().width() == 120, timeout=10_000)
    qtbot.wait(100)
    assert (preview.shown_size().width(), preview.shown_size().height()) == (120, 90)
    preview.close_button.click()
    assert not preview.isVisible()


def test_preview_shrinks_a_big_photo_to_the_window(qtbot, open_window, indexed_profile, tmp_path):
    window = open_window(indexed_profile)
    big = tmp_path / "big.jpg"
    Image.new("RGB", (1800, 1200), (30, 30, 200)).save(big)
    window.open_preview(str(big))
    preview = window.preview
    preview.resize(800, 600)
    qtbot.waitUntil(lambda: preview.shown_size().width() > 500, timeout=10_000)
    size = preview.shown_size()
    assert size.width() <= preview.image.width() and size.height() <= preview.image.height()
    assert abs(size.width() / size.height() - 1.5) < 0.02


def test_skipped_files_dialog_has_a_close_button(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.folder_actions.show_skipped()
    qtbot.waitUntil(
        lambda: (
            window.folder_actions.skipped_dialog is not None
            and window.folder_actions.skipped_dialog.isVisible()
        ),
        timeout=10_000,
    )
    dialog = window.folder_actions.skipped_dialog
    assert dialog.table.rowCount() == 1
    assert dialog.close_button.text().replace("&", "") == "Close"
    dialog.close_button.click()
    assert not dialog.isVisible()
