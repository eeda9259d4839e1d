"""The bar above the gallery: what is shown ("Similar to cat.jpg") and the way back."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.wording import count


def match_summary(weak: Sequence[bool], order: str) -> str:
    """What the header says of results (order: "best match first"): only strong results count
    as matches, as only they are drawn unfaded."""
    faint = sum(map(bool, weak))
    strong = len(weak) - faint
    if not strong:
        shown = "the closest is shown" if faint == 1 else f"the {faint:,} closest are shown"
        return f"No strong matches; {shown}"
    text = count(strong, "match", "matches") + ", " + order
    if faint:
        text += " · " + count(faint, "weaker one", "weaker ones") + ", faded"
    return text


class ResultsHeader(QFrame):
    """A title, a subtitle, an optional small picture of the query photo, and Back."""

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsHeader")
        self.picture = QLabel(self)
        self.picture.setFixedSize(44, 44)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.hide()
        self.title = QLabel(self)
        self.title.setObjectName("headerTitle")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("hintLabel")
        self.back_button = QPushButton("← Back to library", self)
        self.back_button.setObjectName("backButton")
        self.back_button.setToolTip("Leave the results and show the library again (Esc)")
        self.back_button.clicked.connect(self.back_requested)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(0)
        texts.addWidget(self.title)
        texts.addWidget(self.subtitle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(12)
        layout.addWidget(self.picture)
        layout.addLayout(texts, 1)
        layout.addWidget(self.back_button)

    def show_library(self, title: str, subtitle: str) -> None:
        self._set(title, subtitle, None, results=False)

    def show_results(self, title: str, subtitle: str, picture: QPixmap | None = None) -> None:
        self._set(title, subtitle, picture, results=True)

    def set_picture(self, picture: QPixmap | None) -> None:
        if picture is None or picture.isNull():
            self.picture.hide()
            return
        self.picture.setPixmap(
            picture.scaled(
                self.picture.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.picture.show()

    def _set(self, title: str, subtitle: str, picture: QPixmap | None, results: bool) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.set_picture(picture)
        self.back_button.setVisible(results)
