"""The left sidebar: "All photos", the library folders as a tree with photo counts, Add folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1


class FolderLike(Protocol):
    """A folder of the tree (core.browse.photos.FolderNode): photos at or below it, subfolders."""

    @property
    def path(self) -> Path: ...
    @property
    def name(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def children(self) -> Sequence[FolderLike]: ...


class LibrarySidebar(QWidget):
    """Choosing an entry emits `folder_chosen(path or None for all photos)`."""

    folder_chosen = Signal(object)  # Path | None
    add_folder_requested = Signal()
    remove_folder_requested = Signal(object)  # Path
    rescan_requested = Signal()
    skipped_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setMinimumWidth(150)
        title = QLabel("Library", self)
        title.setObjectName("panelTitle")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("folderTree")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.currentItemChanged.connect(self._on_current)
        self.add_button = QPushButton("Add folder…", self)
        self.add_button.setObjectName("addFolderButton")
        self.add_button.setToolTip(
            "Add a folder of photos to the library; it is indexed in the background"
        )
        self.add_button.clicked.connect(self.add_folder_requested)
        self.skipped_button = QPushButton(self)
        self.skipped_button.setObjectName("linkButton")
        self.skipped_button.setFlat(True)
        self.skipped_button.setToolTip("Files that could not be read, and why")
        self.skipped_button.clicked.connect(self.skipped_requested)
        self.skipped_button.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 12, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.skipped_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.add_button)

        self._all = QTreeWidgetItem(["All photos"])
        # Not None: PySide6 6.12 mishandles an empty QVariant read back (see gui/gallery.py).
        self._all.setData(0, FOLDER_ROLE, "")
        self._all.setToolTip(0, "Every photo in the library")
        self.tree.addTopLevelItem(self._all)
        self.tree.setCurrentItem(self._all)
        self.roots: list[Path] = []  # the library folders (they can be removed)
        self.menu: QMenu | None = None

    def set_folders(
        self, tree: Sequence[FolderLike], total: int, missing: set[Path], roots: list[Path]
    ) -> None:
        """Library folders (roots) as a tree; keeps the current choice when it remains."""
        current = self.current_folder()
        expanded = {p for p, item in self._items().items() if item.isExpanded()}
        self.tree.blockSignals(True)
        while self.tree.topLevelItemCount() > 1:
            self.tree.takeTopLevelItem(1)
        self._all.setText(0, f"All photos  ({total:,})")
        known = set(self.roots)
        self.roots = list(roots)
        for node in tree:
            item = self._item(node, node.path in missing)
            self.tree.addTopLevelItem(item)
            if node.path not in known:
                item.setExpanded(True)  # a new library folder shows its subfolders
        items = self._items()
        for path in expanded:
            if path in items:
                items[path].setExpanded(True)
        self.tree.setCurrentItem(items.get(current, self._all) if current else self._all)
        self.tree.blockSignals(False)

    def _item(self, node: FolderLike, missing: bool) -> QTreeWidgetItem:
        name = node.name or os.fspath(node.path)
        item = QTreeWidgetItem([f"{name}  (not found)" if missing else f"{name}  ({node.count:,})"])
        item.setData(0, FOLDER_ROLE, node.path)
        item.setToolTip(
            0,
            f"{node.path}\nThe folder is missing; its photos are kept"
            if missing
            else os.fspath(node.path),
        )
        if missing:
            item.setForeground(0, Qt.GlobalColor.darkYellow)
        for child in node.children:
            item.addChild(self._item(child, False))
        return item

    def _items(self) -> dict[Path, QTreeWidgetItem]:
        out: dict[Path, QTreeWidgetItem] = {}
        stack = [self.tree.topLevelItem(i) for i in range(1, self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            folder = item.data(0, FOLDER_ROLE)
            if isinstance(folder, Path):
                out[folder] = item
            stack.extend(item.child(i) for i in range(item.childCount()))
        return out

    def set_skipped(self, count: int) -> None:
        self.skipped_button.setText(f"{count:,} file{'s' if count != 1 else ''} skipped…")
        self.skipped_button.setVisible(count > 0)

    def current_folder(self) -> Path | None:
        item = self.tree.currentItem()
        folder = item.data(0, FOLDER_ROLE) if item is not None else None
        return folder if isinstance(folder, Path) else None

    def select_all_photos(self) -> None:
        self.tree.setCurrentItem(self._all)

    def show_current(self, folder: Path | None) -> None:
        """Mark folder as the one shown, without asking to show it again."""
        self.tree.blockSignals(True)
        item = self._items().get(folder) if folder is not None else self._all
        self.tree.setCurrentItem(item or self._all)
        self.tree.blockSignals(False)

    def item_for(self, folder: Path) -> QTreeWidgetItem | None:
        return self._items().get(folder)

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None:
            folder = current.data(0, FOLDER_ROLE)
            self.folder_chosen.emit(folder if isinstance(folder, Path) else None)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        menu = QMenu(self)
        rescan = menu.addAction("Rescan folders")
        rescan.setToolTip("Look for new, changed and deleted photos now")
        rescan.triggered.connect(self.rescan_requested)
        folder = item.data(0, FOLDER_ROLE) if item is not None else None
        if isinstance(folder, Path) and folder in self.roots:
            remove = menu.addAction(f"Remove “{folder.name}” from library…")
            remove.setToolTip("The photos stay on disk; they only leave the library")
            remove.triggered.connect(lambda: self.remove_folder_requested.emit(folder))
        self.menu = menu
        menu.popup(self.tree.viewport().mapToGlobal(pos))
