"""The right-click menu of a photo: open it, show its folder, find similar (also by class)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from core.media.decode import media_kind
from gui.banner import MessageBanner
from gui.desktop import open_externally, show_in_folder
from gui.gallery import GalleryView
from gui.side_panels import SidePanels
from gui.wording import count, with_article


class PhotoMenu:
    """Builds the menu for the photo under the pointer; the latest stays in `menu`."""

    def __init__(
        self,
        gallery: GalleryView,
        panels: SidePanels,
        parent: QWidget,
        banner: MessageBanner,
        *,
        open_preview: Callable[[str], None],
        find_similar: Callable[[str, str | None], None],
        find_similar_to_all: Callable[[list[str]], None],
        trash: Callable[[list[str]], None],
        people_in: Callable[[str], list[tuple[int, str]]] = lambda path: [],
        show_person: Callable[[int], None] = lambda person_id: None,
        set_place: Callable[[list[str]], None] = lambda paths: None,
    ) -> None:
        self.gallery = gallery
        self.panels = panels
        self.parent_widget = parent  # menus open as its children
        self.banner = banner
        self.open_preview = open_preview
        self.find_similar = find_similar
        self.find_similar_to_all = find_similar_to_all
        self.trash = trash
        self.people_in = people_in  # (person id, label) of each grouped face in a photo
        self.show_person = show_person
        self.set_place = set_place  # asks for a town, then sets it (PlacesView.ask_place)
        self.menu: QMenu | None = None

    def on_requested(self, pos: QPoint) -> None:
        gallery = self.gallery
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
        """Open, Show in folder, Find similar (also by each top class), Set place, Move to
        trash."""
        menu = self._build(path)
        selection = self.gallery.selected_paths()
        targets = selection if path in selection else [path]
        menu.addSeparator()
        _action(
            menu,
            "Set place…" if len(targets) == 1 else f"Set place of {len(targets):,} photos…",
            "Say where it was taken, by a town's name (for photos without GPS)",
            lambda: self.set_place(targets),
        )
        _action(
            menu,
            "Move to trash…" if len(targets) == 1 else f"Move {len(targets):,} photos to trash…",
            "Move the file to the system trash and drop it from the library (Delete)",
            lambda: self.trash(targets),
        )
        return menu

    def _build(self, path: str) -> QMenu:
        menu = QMenu(self.parent_widget)
        menu.setToolTipsVisible(True)
        if media_kind(path) == "video":
            # Enter and "Play" hand a video to the system's player (PreviewControl.open).
            _action(
                menu,
                "Play",
                "Play this video in the default player (Enter)",
                lambda: self.open_preview(path),
            )
        else:
            _action(menu, "Open", "Show this photo large (Enter)", lambda: self.open_preview(path))
            _action(
                menu,
                "Open in default viewer",
                "Open the photo in the system's image viewer",
                lambda: open_externally(path, self.banner),
            )
        _action(
            menu,
            "Show in folder",
            "Open the folder that holds this photo",
            lambda: show_in_folder(path, self.banner),
        )
        menu.addSeparator()
        selection = self.gallery.selected_paths()
        if len(selection) > 1 and path in selection:
            _action(
                menu,
                f"Find similar to these {count(len(selection), 'photo')}",
                "Photos that look like all the selected photos together",
                lambda: self.find_similar_to_all(selection),
            )
            _action(
                menu,
                "Find similar to this photo",
                "Photos that look like this one only",
                lambda: self.find_similar(path, None),
            )
            return menu  # class entries are about one photo
        _action(
            menu,
            "Find similar",
            "Photos that look like this one",
            lambda: self.find_similar(path, None),
        )
        # "Find similar" on a face: that person's photos (a catalog read, no model).
        for person_id, label in self.people_in(path):
            _action(
                menu,
                f"Find similar: photos of {label}",
                f"Every photo {label} is in",
                partial(self.show_person, person_id),
            )
        classes = self.panels.classes.get(path)
        if classes is None:
            waiting = _action(menu, "Find similar: finding subjects…", "", lambda: None)
            waiting.setEnabled(False)
            self.panels.fetch_details(path, lambda: self._fill_class_actions(menu, waiting, path))
        else:
            self._add_class_actions(menu, path, classes)
        return menu

    def _fill_class_actions(self, menu: QMenu, placeholder: QAction, path: str) -> None:
        if self.menu is not menu:
            return
        classes = self.panels.classes.get(path, [])
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
        return lambda: self.find_similar(path, class_name)


def _action(menu: QMenu, text: str, tip: str, slot: Callable[[], None]) -> QAction:
    action = menu.addAction(text)
    action.setToolTip(tip or text)
    action.triggered.connect(slot)
    return action
