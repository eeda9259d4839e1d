"""The right-click menu of a photo: open it, show its folder, find similar (also by class)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QFile, QPoint, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu

from gui.confirm import confirmed
from gui.wording import count, with_article

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class PhotoMenu:
    """Builds the menu for the photo under the pointer; the latest stays in `menu`."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.menu: QMenu | None = None

    def on_requested(self, pos: QPoint) -> None:
        gallery = self.window.gallery
        index = gallery.indexAt(pos)
        if not index.isValid():
            return
        if not gallery.selectionModel().isSelected(index):
            gallery.setCurrentIndex(index)
        path = gallery.path_of(index)
        if path is None:
            return
        self.menu = self.build(path)
        self.menu.popup(gallery.viewport().mapToGlobal(pos))

    def build(self, path: str) -> QMenu:
        """Open, Show in folder, Find similar (also by each top class), Move to trash."""
        menu = self._build(path)
        selection = self.window.gallery.selected_paths()
        targets = selection if path in selection else [path]
        menu.addSeparator()
        _action(
            menu,
            "Move to trash…" if len(targets) == 1 else f"Move {len(targets):,} photos to trash…",
            "Move the file to the system trash and drop it from the library (Delete)",
            lambda: self.trash(targets),
        )
        return menu

    def _build(self, path: str) -> QMenu:
        w = self.window
        menu = QMenu(w)
        menu.setToolTipsVisible(True)
        _action(menu, "Open", "Show this photo large (Enter)", lambda: w.open_preview(path))
        _action(
            menu,
            "Open in default viewer",
            "Open the photo in the system's image viewer",
            lambda: self.open_externally(path),
        )
        _action(
            menu,
            "Show in folder",
            "Open the folder that holds this photo",
            lambda: self.show_in_folder(path),
        )
        menu.addSeparator()
        selection = w.gallery.selected_paths()
        if len(selection) > 1 and path in selection:
            _action(
                menu,
                f"Find similar to these {count(len(selection), 'photo')}",
                "Photos that look like all the selected photos together",
                lambda: w.find_similar_to_all(selection),
            )
            _action(
                menu,
                "Find similar to this photo",
                "Photos that look like this one only",
                lambda: w.find_similar(path),
            )
            return menu  # class entries are about one photo
        _action(
            menu, "Find similar", "Photos that look like this one", lambda: w.find_similar(path)
        )
        classes = w.panels.classes.get(path)
        if classes is None:
            waiting = _action(menu, "Find similar: finding subjects…", "", lambda: None)
            waiting.setEnabled(False)
            w.panels.fetch_details(path, lambda: self._fill_class_actions(menu, waiting, path))
        else:
            self._add_class_actions(menu, path, classes)
        return menu

    def _fill_class_actions(self, menu: QMenu, placeholder: QAction, path: str) -> None:
        if self.menu is not menu:
            return
        classes = self.window.panels.classes.get(path, [])
        self._add_class_actions(menu, path, classes, before=placeholder)
        menu.removeAction(placeholder)

    def _add_class_actions(
        self,
        menu: QMenu,
        path: str,
        classes: list[tuple[str, float]],
        before: QAction | None = None,
    ) -> None:
        for name, prob in classes:  # already only those the photo likely shows (SidePanels)
            action = _action(
                menu,
                f"Find similar: {name}",
                f"Photos similar as {with_article(name, quote=True)} "
                f"(the model is {prob:.0%} sure this photo shows {with_article(name)})",
                self._similar_by_class(path, name),
            )
            if before is not None:  # in place of "finding subjects…", above Move to trash
                menu.removeAction(action)
                menu.insertAction(before, action)

    def _similar_by_class(self, path: str, class_name: str) -> Callable[[], None]:
        return lambda: self.window.find_similar(path, class_name)

    def trash_selected(self) -> None:
        paths = self.window.gallery.selected_paths()
        if paths:
            self.trash(paths)

    def trash(self, paths: list[str]) -> None:
        """After a confirmation, move paths to the system trash and drop them from the library."""
        w = self.window
        what = os.path.basename(paths[0]) if len(paths) == 1 else count(len(paths), "photo")
        question = (
            f"Move {what} to the trash?\n\nThe file{'s leave' if len(paths) > 1 else ' leaves'} "
            "the library too; you can restore it from the system trash."
        )
        if not confirmed(w, "Move to trash", question):
            return
        moved = [p for p in paths if QFile.moveToTrash(p)]
        failed = [p for p in paths if p not in moved]
        if failed:
            w.banner.show_message(
                f"Could not move {os.path.basename(failed[0])}"
                + (f" and {len(failed) - 1:,} more" if len(failed) > 1 else "")
                + " to the trash (no trash here, or no permission); the files are untouched.",
                "warning",
            )
        if not moved:
            return
        gone = set(moved)
        w.library_model.remove_paths(gone)
        w.results_model.remove_paths(gone)
        w.queries.forget(gone)
        library = w.library

        def done(n: int) -> None:
            w.statusBar().showMessage(f"Moved {count(len(moved), 'photo')} to the trash", 8000)
            w.reload_library()

        w.dispatcher.call("folders", lambda: library.forget_photos(moved), done, w.show_error)

    def open_externally(self, path: str) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.window.banner.show_message(f"No application could open {path}", "warning")

    def show_in_folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        banner = self.window.banner
        if not os.path.isdir(folder):
            banner.show_message(f"Folder not found: {folder}", "warning")
        elif not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            banner.show_message(f"No file manager could open {folder}", "warning")


def _action(menu: QMenu, text: str, tip: str, slot: Callable[[], None]) -> QAction:
    action = menu.addAction(text)
    action.setToolTip(tip or text)
    action.triggered.connect(slot)
    return action
