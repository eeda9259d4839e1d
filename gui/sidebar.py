"""The left sidebar: "All photos", the library folders with photo counts, and Add folder."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1


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
        title = QLabel("Library", self)
        title.setObjectName("panelTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("folderList")
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentItemChanged.connect(self._on_current)
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
        layout.addWidget(self.list, 1)
        layout.addWidget(self.skipped_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.add_button)
        self._all = QListWidgetItem("All photos")
        # Not None: PySide6 6.12 mishandles an empty QVariant read back (see gui/gallery.py).
        self._all.setData(FOLDER_ROLE, "")
        self._all.setToolTip("Every photo in the library")
        self.list.addItem(self._all)
        self.list.setCurrentItem(self._all)
        self.menu: QMenu | None = None

    def set_folders(self, counts: list[tuple[Path, int, bool]], total: int) -> None:
        """Folders as (path, photo count, exists); keeps the current choice when it remains."""
        current = self.current_folder()
        self.list.blockSignals(True)
        while self.list.count() > 1:
            self.list.takeItem(1)
        self._all.setText(f"All photos  ({total:,})")
        restore = self._all
        for path, count, exists in counts:
            name = path.name or os.fspath(path)
            item = QListWidgetItem(f"{name}  ({count:,})" if exists else f"{name}  (not found)")
            item.setData(FOLDER_ROLE, path)
            item.setToolTip(
                os.fspath(path) if exists else f"{path}\nThe folder is missing; its photos are kept"
            )
            if not exists:
                item.setForeground(Qt.GlobalColor.darkYellow)
            self.list.addItem(item)
            if path == current:
                restore = item
        self.list.setCurrentItem(restore)
        self.list.blockSignals(False)

    def set_skipped(self, count: int) -> None:
        self.skipped_button.setText(f"{count:,} file{'s' if count != 1 else ''} skipped…")
        self.skipped_button.setVisible(count > 0)

    def current_folder(self) -> Path | None:
        item = self.list.currentItem()
        folder = item.data(FOLDER_ROLE) if item is not None else None
        return folder if isinstance(folder, Path) else None

    def select_all_photos(self) -> None:
        self.list.setCurrentItem(self._all)

    def item_for(self, folder: Path) -> QListWidgetItem | None:
        for row in range(1, self.list.count()):
            item = self.list.item(row)
            if item.data(FOLDER_ROLE) == folder:
                return item
        return None

    def _on_current(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            folder = current.data(FOLDER_ROLE)
            self.folder_chosen.emit(folder if isinstance(folder, Path) else None)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        menu = QMenu(self)
        rescan = menu.addAction("Rescan folders")
        rescan.setToolTip("Look for new, changed and deleted photos now")
        rescan.triggered.connect(self.rescan_requested)
        folder = item.data(FOLDER_ROLE) if item is not None else None
        if isinstance(folder, Path):
            remove = menu.addAction(f"Remove “{folder.name}” from library")
            remove.setToolTip("The photos stay on disk; they only leave the library")
            remove.triggered.connect(lambda: self.remove_folder_requested.emit(folder))
        self.menu = menu
        menu.popup(self.list.viewport().mapToGlobal(pos))
