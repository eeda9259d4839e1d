"""Who is in the selected photo: one row per face, its person (click: their photos) and
"Not them" to take the face out of that person; a face held back from a named person's
search ("Anna?") also gets "Yes"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.people.service import FaceInPhoto


class PhotoPeople(QWidget):
    """The People rows of the details column; hidden for a photo without faces."""

    person_chosen = Signal(int)
    not_this_person = Signal(str, int)  # photo path, person id
    is_this_person = Signal(str, int)  # photo path, person id: "yes", for a held-back face

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("People in this photo", self)
        self.title.setObjectName("panelSubtitle")
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(self._rows)
        self.names: list[str] = []
        self._widgets: list[QWidget] = []
        self.hide()

    def show_faces(self, path: str, faces: list[FaceInPhoto]) -> None:
        """The faces of the photo at path (left to right); none hides the section."""
        for w in self._widgets:
            self._rows.removeWidget(w)
            w.deleteLater()
        self._widgets, self.names = [], []
        for face in faces:
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            if face.person_id is None:
                label = QLabel(f"A face {face.why_alone}", row)
                label.setObjectName("hintLabel")
                line.addWidget(label)
                self.names.append("")
            else:
                who = face.name or f"Person {face.person_id}"
                button = QPushButton(f"{who}?" if face.held_back else who, row)
                button.setObjectName("classButton")
                button.setCursor(Qt.CursorShape.PointingHandCursor)
                button.setToolTip(f"All photos of {who}")
                person = face.person_id
                button.clicked.connect(lambda _=False, p=person: self.person_chosen.emit(p))
                wrong = QPushButton("Not them", row)
                wrong.setObjectName("linkButton")
                wrong.setFlat(True)
                wrong.setToolTip(f"This face is not {who}: take it out, for good")
                wrong.clicked.connect(lambda _=False, p=person: self.not_this_person.emit(path, p))
                line.addWidget(button)
                if face.held_back:
                    button.setToolTip(
                        f"This face is unlike the ones {who} was named from, so a search for "
                        f"{who} leaves this photo out: is it {who}?"
                    )
                    yes = QPushButton("Yes", row)
                    yes.setObjectName("linkButton")
                    yes.setFlat(True)
                    yes.setToolTip(f"This face is {who}: a search for {who} gives this photo")
                    yes.clicked.connect(lambda _=False, p=person: self.is_this_person.emit(path, p))
                    line.addWidget(yes)
                line.addWidget(wrong)
                line.addStretch(1)
                self.names.append(f"{who}?" if face.held_back else who)
            self._rows.addWidget(row)
            self._widgets.append(row)
        self.setVisible(bool(faces))
