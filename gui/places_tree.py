"""The sidebar's Places: countries > regions > cities where photos were taken, with counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from core.storage.places import PlaceNames

PLACE_ROLE = Qt.ItemDataRole.UserRole + 1  # an int: the item's key in PlacesTree.keys


class PlaceLike(Protocol):
    """A country, region or city of the tree (core.places.service.PlaceNode)."""

    @property
    def name(self) -> str | None: ...
    @property
    def photos(self) -> int: ...
    @property
    def children(self) -> Sequence[PlaceLike]: ...


@dataclass(frozen=True)
class PlaceKey:
    """A node of the tree: a country, or a region or city of it (Library.browse_place)."""

    country: str
    region: str | None = None
    city: str | None = None

    def label(self) -> str:
        parts = [p for p in (self.city, self.region, self.country) if p]
        return ", ".join(dict.fromkeys(parts))


def describe_place(names: PlaceNames | None) -> str | None:
    """A photo's place for the details panel: "Times Square, New York City, New York, United
    States" (the district first, when there is one); None without GPS."""
    if names is None:
        return None
    parts = [names.district, names.city, names.region, names.country]
    return ", ".join(dict.fromkeys(p for p in parts if p))


class PlacesTree(QWidget):
    """Choosing a place emits `place_chosen(PlaceKey)`; hidden text says when there is none."""

    place_chosen = Signal(object)  # PlaceKey

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placesTree")
        title = QLabel("Places", self)
        title.setObjectName("panelTitle")
        self.model = QStandardItemModel(self)
        self.view = QTreeView(self)
        self.view.setObjectName("placeTree")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setFrameShape(QTreeView.Shape.NoFrame)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setToolTip("Where photos were taken, from their GPS; click one to browse it")
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        self.hint = QLabel("No photo has a GPS position yet.", self)
        self.hint.setObjectName("hintLabel")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.keys: list[PlaceKey] = []
        self.set_places([])

    def set_places(self, countries: Sequence[PlaceLike]) -> None:
        """Rebuild the tree; nodes that were open stay open, the choice stays when it remains."""
        opened = {k for k, i in self._indexes().items() if self.view.isExpanded(i)}
        chosen = self.current_place()
        self.model.clear()
        self.keys = []
        root = self.model.invisibleRootItem()
        for country in countries:
            if not country.name:
                continue
            top = self._item(country, PlaceKey(country.name))
            root.appendRow(top)
            for region in country.children:
                # A region named like its country (or none, as in Singapore) is left out.
                flat = not region.name or region.name == country.name
                parent = top
                if not flat:
                    parent = self._item(region, PlaceKey(country.name, region.name))
                    top.appendRow(parent)
                for city in region.children:
                    key = PlaceKey(country.name, region.name, city.name)
                    parent.appendRow(self._item(city, key))
        indexes = self._indexes()
        for key in opened & indexes.keys():
            self.view.setExpanded(indexes[key], True)
        if chosen in indexes:
            self.view.selectionModel().setCurrentIndex(
                indexes[chosen], QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self.view.setVisible(bool(self.keys))
        self.hint.setVisible(not self.keys)

    def _item(self, node: PlaceLike, key: PlaceKey) -> QStandardItem:
        item = QStandardItem(f"{node.name}  ({node.photos:,})")
        item.setToolTip(f"{key.label()}: {node.photos:,} photo{'s' if node.photos != 1 else ''}")
        item.setData(len(self.keys), PLACE_ROLE)
        self.keys.append(key)
        return item

    def _indexes(self) -> dict[PlaceKey, QModelIndex]:
        out: dict[PlaceKey, QModelIndex] = {}
        stack = [self.model.index(r, 0) for r in range(self.model.rowCount())]
        while stack:
            index = stack.pop()
            key = self._key(index)
            if key is not None:
                out[key] = index
            stack.extend(self.model.index(r, 0, index) for r in range(self.model.rowCount(index)))
        return out

    def _key(self, index: QModelIndex) -> PlaceKey | None:
        n = index.data(PLACE_ROLE)
        return self.keys[n] if isinstance(n, int) and 0 <= n < len(self.keys) else None

    def current_place(self) -> PlaceKey | None:
        return self._key(self.view.currentIndex())

    def clear_choice(self) -> None:
        """Another view (a folder, a search) is shown: no place is marked as chosen."""
        self.view.selectionModel().clearSelection()
        self.view.setCurrentIndex(QModelIndex())

    def _on_clicked(self, index: QModelIndex) -> None:
        key = self._key(index)
        if key is not None:
            self.place_chosen.emit(key)
