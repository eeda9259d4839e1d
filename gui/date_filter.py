"""The date-range control next to the search field: narrows searches to photos taken between
two dates ("any" at either end leaves that end open).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

ANY = QDate(1900, 1, 1)  # the minimum of each field, shown as "any date"


def _field(parent: QWidget, tip: str) -> QDateEdit:
    field = QDateEdit(parent)
    field.setObjectName("dateField")
    field.setCalendarPopup(True)
    field.setDisplayFormat("d MMM yyyy")
    field.setMinimumDate(ANY)
    field.setSpecialValueText("any date")
    field.setDate(ANY)
    field.setToolTip(tip)
    return field


class DateFilter(QWidget):
    """Emits `changed()` when either end changes; `range()` is (from, to), None for open ends."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.from_field = _field(self, "Only photos taken on or after this day")
        self.to_field = _field(self, "Only photos taken on or before this day")
        self.clear_button = QPushButton("Any date", self)
        self.clear_button.setObjectName("linkButton")
        self.clear_button.setToolTip("Search photos of every date again")
        self.clear_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(QLabel("Taken from", self))
        layout.addWidget(self.from_field)
        layout.addWidget(QLabel("to", self))
        layout.addWidget(self.to_field)
        layout.addWidget(self.clear_button)
        self.from_field.dateChanged.connect(self._on_changed)
        self.to_field.dateChanged.connect(self._on_changed)
        self._update_clear()

    def range(self) -> tuple[date | None, date | None]:
        return _value(self.from_field), _value(self.to_field)

    def set_range(self, start: date | None, end: date | None) -> None:
        self.blockSignals(True)
        self.from_field.setDate(QDate(start) if start else ANY)
        self.to_field.setDate(QDate(end) if end else ANY)
        self.blockSignals(False)
        self._on_changed()

    def clear(self) -> None:
        self.set_range(None, None)

    @property
    def active(self) -> bool:
        return self.range() != (None, None)

    def _on_changed(self) -> None:
        self._update_clear()
        self.changed.emit()

    def _update_clear(self) -> None:
        self.clear_button.setVisible(self.active)


def _value(field: QDateEdit) -> date | None:
    d = field.date()
    return None if d == ANY else date(d.year(), d.month(), d.day())
