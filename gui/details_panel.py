"""Details of the selected photo: file facts and what the image model thinks it shows."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.media.header import read_header
from gui.view_state import duration_text
from gui.wording import with_article


@dataclass(frozen=True)
class PhotoFacts:
    """What the panel shows; gathered on a worker thread by `photo_facts`."""

    path: str
    file_size: int | None = None
    modified: float | None = None
    taken: float | None = None  # the EXIF capture time; None without one
    width: int | None = None
    height: int | None = None
    classes: list[tuple[str, float]] = field(default_factory=list)
    place: str | None = None  # "Paris, Île-de-France, France"; None without GPS
    duration: float | None = None  # a video's length in seconds
    companions: list[str] = field(default_factory=list)  # RAW files, Live Photo clip shown with it


def photo_facts(
    path: str,
    classes: list[tuple[str, float]],
    place: str | None = None,
    companions: list[str] | None = None,
) -> PhotoFacts:
    """Stat the file and read its header: a photo's EXIF, a RAW's metadata, a video's container
    (no decoding); missing facts stay None."""
    try:
        st = os.stat(path)
        size, mtime = st.st_size, st.st_mtime
    except OSError:
        size, mtime = None, None
    head = read_header(path)
    return PhotoFacts(
        path,
        size,
        mtime,
        head.taken,
        head.width,
        head.height,
        classes,
        place,
        head.duration,
        list(companions or []),
    )


class DetailsPanel(QWidget):
    """File name, folder, dimensions, size, date, and the top ImageNet classes."""

    class_clicked = Signal(str, str)  # photo path, class name: "find similar by this class"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Details", self)
        self.title.setObjectName("panelTitle")
        self.name = _value_label(self)
        self.name.setObjectName("fileName")
        self.folder = _value_label(self)
        self.dimensions = _value_label(self)
        self.file_size = _value_label(self)
        self.taken = _value_label(self)
        self.modified = _value_label(self)
        self.place = _value_label(self)
        self.place.setObjectName("placeLabel")
        self.length = _value_label(self)
        self.companions = _value_label(self)
        self.companions.setObjectName("companions")
        self.hint = QLabel(self)
        self.hint.setObjectName("hintLabel")
        self.hint.setWordWrap(True)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(_key("Folder"), self.folder)
        form.addRow(_key("Size"), self.dimensions)
        form.addRow(_key("File"), self.file_size)
        form.addRow(_key("Taken"), self.taken)
        form.addRow(_key("Modified"), self.modified)
        form.addRow(_key("Place"), self.place)
        form.addRow(_key("Length"), self.length)
        form.addRow(_key("Also"), self.companions)
        self._form = form
        self.classes_title = QLabel("Looks like", self)
        self.classes_title.setObjectName("panelSubtitle")
        self.classes_title.setIndent(0)  # a styled label indents its text; align with the rest
        self._class_box = QVBoxLayout()
        self._class_box.setContentsMargins(0, 0, 0, 0)
        self._class_box.setSpacing(0)
        self._class_buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self._facts = QWidget(self)
        self._facts.setLayout(form)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.name)
        layout.addWidget(self._facts)
        layout.addWidget(self.classes_title)
        layout.addLayout(self._class_box)
        self.show_nothing()

    def show_nothing(self, text: str = "Select a photo to see its details.") -> None:
        self.hint.setText(text)
        self.hint.show()
        self.name.hide()
        self._facts.hide()
        self._set_classes("", [])

    def show_facts(self, facts: PhotoFacts) -> None:
        self.hint.hide()
        self.name.show()
        self._facts.show()
        self.name.setText(os.path.basename(facts.path))
        self.name.setToolTip(facts.path)
        folder = os.path.dirname(facts.path)
        self.folder.setText(
            self.folder.fontMetrics().elidedText(folder, Qt.TextElideMode.ElideMiddle, 170)
        )
        self.folder.setToolTip(folder)
        self.dimensions.setText(
            f"{facts.width} × {facts.height}" if facts.width and facts.height else "–"
        )
        self.file_size.setText(_human_size(facts.file_size) if facts.file_size is not None else "–")
        self.taken.setText(_when(facts.taken) if facts.taken is not None else "– (no camera date)")
        self.modified.setText(_when(facts.modified) if facts.modified is not None else "–")
        self.place.setText(facts.place or "– (no GPS position)")
        self.length.setText(duration_text(facts.duration))
        self._form.setRowVisible(self.length, facts.duration is not None)
        # A RAW+JPEG pair is one photo: the RAW files of the same shot are listed here.
        self.companions.setText("\n".join(os.path.basename(c) for c in facts.companions))
        self.companions.setToolTip("\n".join(facts.companions))
        self._form.setRowVisible(self.companions, bool(facts.companions))
        self._set_classes(facts.path, facts.classes)

    @property
    def class_names(self) -> list[str]:
        return [str(b.property("className")) for b in self._class_buttons]

    def _set_classes(self, path: str, classes: list[tuple[str, float]]) -> None:
        for b in self._class_buttons:
            self._class_box.removeWidget(b)
            b.deleteLater()
        self._class_buttons = []
        for name, prob in classes:
            button = QPushButton(f"{name}  {prob:.0%}", self)
            button.setObjectName("classButton")
            button.setProperty("className", name)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Photos similar to this one as {with_article(name, quote=True)}")
            button.clicked.connect(lambda _=False, p=path, n=name: self.class_clicked.emit(p, n))
            self._class_box.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self._class_buttons.append(button)
        self.classes_title.setVisible(bool(classes))


def _key(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldKey")
    return label


def _value_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _when(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds).strftime("%d %b %Y %H:%M")


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
