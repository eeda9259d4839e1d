"""The People section of the sidebar: a face and a photo count per person, largest first.

PeopleModel is a list model over Qt-free PersonEntry rows; face pictures arrive later (they
are cut from the photos on a worker) and repaint their row.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QMenu, QVBoxLayout, QWidget

PERSON_ROLE = Qt.ItemDataRole.UserRole + 1
FACE_SIDE = 48


@dataclass(frozen=True)
class PersonEntry:
    """One row: who, how many photos, and the face shown for them."""

    id: int
    name: str | None
    photo_count: int
    face_path: str
    face_box: tuple[int, int, int, int]

    @property
    def label(self) -> str:
        return self.name or f"Person {self.id}"


class PeopleModel(QAbstractListModel):
    """People in the order given (largest first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[PersonEntry] = []
        self._faces: dict[int, QPixmap] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{entry.label}\n{entry.photo_count:,} photo{'s' if entry.photo_count != 1 else ''}"
            )
        if role == Qt.ItemDataRole.DecorationRole:
            return self._faces.get(entry.id, QPixmap())
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.label}: click to see their photos; right-click to name, merge or hide"
        if role == PERSON_ROLE:
            return entry.id
        return None

    def set_entries(self, entries: list[PersonEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def set_face(self, person_id: int, image: QImage) -> None:
        """A face picture, cut at twice FACE_SIDE: sharp on HiDPI screens, FACE_SIDE on others."""
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(max(1.0, image.width() / FACE_SIDE))
        self._faces[person_id] = pixmap
        for row, entry in enumerate(self.entries):
            if entry.id == person_id:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def has_face(self, person_id: int) -> bool:
        return person_id in self._faces

    def entry(self, person_id: int) -> PersonEntry | None:
        return next((e for e in self.entries if e.id == person_id), None)


class PeoplePanel(QWidget):
    """Click a person to browse their photos; the context menu names, merges and hides."""

    person_chosen = Signal(int)
    name_requested = Signal(int)
    merge_requested = Signal(int)
    hide_requested = Signal(int)

    def __init__(self, model: PeopleModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("peoplePanel")
        title = QLabel("People", self)
        title.setObjectName("panelTitle")
        self.hint = QLabel("Faces appear here once the photos are indexed.", self)
        self.hint.setObjectName("hintLabel")
        self.hint.setWordWrap(True)
        self.view = QListView(self)
        self.view.setObjectName("peopleList")
        self.view.setModel(model)
        self.view.setIconSize(QSize(FACE_SIDE, FACE_SIDE))
        self.view.setSpacing(2)
        self.view.setUniformItemSizes(True)
        self.view.setFrameShape(QListView.Shape.NoFrame)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.clicked.connect(self._on_clicked)
        self.menu: QMenu | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.hint)
        layout.addWidget(self.view, 1)
        model.modelReset.connect(lambda: self.hint.setVisible(model.rowCount() == 0))

    def _on_clicked(self, index: QModelIndex) -> None:
        person = index.data(PERSON_ROLE)
        if isinstance(person, int):
            self.person_chosen.emit(person)

    def _context_menu(self, pos: QPoint) -> None:
        person = self.view.indexAt(pos).data(PERSON_ROLE)
        if not isinstance(person, int):
            return
        menu = QMenu(self)
        menu.addAction("Show photos").triggered.connect(lambda: self.person_chosen.emit(person))
        menu.addAction("Name…").triggered.connect(lambda: self.name_requested.emit(person))
        merge = menu.addAction("Merge with…")
        merge.setToolTip("The same person as another one: make them one")
        merge.triggered.connect(lambda: self.merge_requested.emit(person))
        hide = menu.addAction("Hide")
        hide.setToolTip("Leave this person out of the list (their faces stay theirs)")
        hide.triggered.connect(lambda: self.hide_requested.emit(person))
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))
