"""The menu bar (File, Edit, View, Help) and the window's keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

SORTS = (("date", "By date (newest first)"), ("name", "By name"), ("folder", "By folder"))

SHORTCUTS_HELP = """<table cellspacing=6>
<tr><td><b>Ctrl+F</b></td><td>Search</td></tr>
<tr><td><b>Esc</b></td><td>Back to the library</td></tr>
<tr><td><b>Alt+Left / Alt+Right</b></td><td>Back / forward through searches and folders</td></tr>
<tr><td><b>Space</b></td><td>Preview the selected photo</td></tr>
<tr><td><b>Enter</b>, double-click</td><td>Open the selected photo</td></tr>
<tr><td><b>Ctrl+plus / Ctrl+minus</b>, Ctrl+wheel</td><td>Larger / smaller thumbnails</td></tr>
<tr><td><b>Ctrl+A</b></td><td>Select all photos</td></tr>
<tr><td><b>Ctrl+C</b></td><td>Copy the selected photos' paths</td></tr>
<tr><td><b>Delete</b></td><td>Move the selected photos to the trash</td></tr>
<tr><td><b>F5</b></td><td>Look for new, changed and deleted photos now</td></tr>
<tr><td><b>F11</b></td><td>Full screen</td></tr>
<tr><td><b>Ctrl+O</b></td><td>Add a folder</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>Quit</td></tr>
</table>"""


class Menus:
    """Builds the menu bar; each action is in `actions` by a short name, for tests and scripts.

    The window hands in what the actions do: `slots` by action name ("add_folder", "refresh",
    "select_all", "undo_remove", "trash", "back", "forward", "larger", "smaller", "sort_date",
    "sort_name", "sort_folder", "duplicates", "faces") and `toggles` for the checkable ones
    ("results_by_date", "show_folders", "show_details"). Quit, full screen, copying paths and
    the Help dialogs are the menus' own.
    """

    def __init__(
        self,
        window: QMainWindow,
        slots: Mapping[str, Callable[[], object]],
        toggles: Mapping[str, Callable[[bool], object]],
        selection: Callable[[], list[str]],
        sort: str = "date",
    ) -> None:
        self.window = window
        self.slots = slots
        self.selection = selection
        self.actions: dict[str, QAction] = {}
        self.dialog: QMessageBox | None = None  # the Help dialog shown last
        bar = window.menuBar()

        file = bar.addMenu("&File")
        self._add(file, "add_folder", "&Add folder…", "Ctrl+O")
        self._add(file, "refresh", "&Refresh", "F5")
        faces = self._add(file, "faces", "Recognise &faces", "")
        faces.setCheckable(True)  # the window sets its state; off deletes every face
        faces.setToolTip("Find faces and group them into people (off deletes them all)")
        file.addSeparator()
        self._add(file, "quit", "&Quit", "Ctrl+Q", window.close)

        edit = bar.addMenu("&Edit")
        self._add(edit, "select_all", "Select &all", "Ctrl+A")
        self._add(edit, "copy_path", "&Copy path", "Ctrl+C", self.copy_paths)
        self._add(edit, "undo_remove", "&Undo remove folder", "Ctrl+Z")
        edit.addSeparator()
        self._add(edit, "trash", "Move to &trash…", "Delete")

        view = bar.addMenu("&View")
        self._add(view, "back", "&Back", "Alt+Left")
        self._add(view, "forward", "&Forward", "Alt+Right")
        view.addSeparator()
        self._add(view, "larger", "&Larger thumbnails", "Ctrl++")
        self._add(view, "smaller", "&Smaller thumbnails", "Ctrl+-")
        # Ctrl+= too: on most keyboards "+" needs Shift.
        self.actions["larger"].setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        sort_menu = view.addMenu("S&ort")
        group = QActionGroup(sort_menu)
        for key, text in SORTS:
            action = self._add(sort_menu, "sort_" + key, text, "")
            action.setCheckable(True)
            action.setChecked(key == sort)
            group.addAction(action)
        results = self._add(sort_menu, "results_by_date", "Search results by date", "")
        results.setToolTip("Show search results newest first instead of best match first")
        view.addSeparator()
        self._add(view, "show_folders", "&Folders panel", "")
        self._add(view, "show_details", "&Details panel", "")
        for key in ("show_folders", "show_details"):
            self.actions[key].setCheckable(True)
            self.actions[key].setChecked(True)
        results.setCheckable(True)
        for key, toggled in toggles.items():
            self.actions[key].toggled.connect(toggled)
        self._add(view, "full_screen", "F&ull screen", "F11", self.toggle_full_screen)
        self.actions["full_screen"].setCheckable(True)
        view.addSeparator()
        self._add(view, "duplicates", "&Near-duplicates…", "")

        help_ = bar.addMenu("&Help")
        self._add(help_, "shortcuts", "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._add(help_, "about", "&About Photo Search", "", self.show_about)

    def _add(
        self,
        menu: QMenu,
        name: str,
        text: str,
        shortcut: str,
        slot: Callable[[], object] | None = None,
    ) -> QAction:
        """An action named name; its slot is slot, else the window's slot of that name."""
        slot = slot or self.slots.get(name)
        action = menu.addAction(text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.actions[name] = action
        return action

    def copy_paths(self) -> None:
        """The selected photos' paths, one a line, on the clipboard."""
        paths = self.selection()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))
            n = len(paths)
            self.window.statusBar().showMessage(
                f"Copied {n:,} path{'s' if n != 1 else ''}" if n > 1 else f"Copied {paths[0]}",
                4000,
            )

    def toggle_full_screen(self) -> None:
        w = self.window
        if w.isFullScreen():
            w.showNormal()
        else:
            w.showFullScreen()
        self.actions["full_screen"].setChecked(w.isFullScreen())

    def show_shortcuts(self) -> None:
        self._show("Keyboard shortcuts", SHORTCUTS_HELP)

    def show_about(self) -> None:
        self._show(
            "About Photo Search",
            "<b>Photo Search</b><p>Finds your photos by how they look and by words, offline: "
            "nothing leaves this computer.</p>"
            "<p>Place names come from <a href='https://www.geonames.org/'>GeoNames</a> "
            "(licensed under <a href='https://creativecommons.org/licenses/by/4.0/'>CC BY 4.0</a>"
            "), through the reverse-geocode package (LGPL).</p>",
        )

    def _show(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, QMessageBox.StandardButton.Close)
        box.setParent(self.window, box.windowFlags())
        box.setModal(False)
        self.dialog = box
        box.show()
