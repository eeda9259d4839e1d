"""Automatic tags of the selected photos, with scores; clicking a tag searches for it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.models.glove import WordHit


class TagPanel(QWidget):
    """A title, then one row per tag: a clickable word and a bar for its score."""

    tag_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Tags", self)
        self.title.setObjectName("panelTitle")
        self.note = QLabel(self)
        self.note.setObjectName("hintLabel")
        self.note.setWordWrap(True)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._rows: list[tuple[QPushButton, QProgressBar]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(self._grid)
        self.show_hint("Select a photo to see its tags.")

    @property
    def tag_words(self) -> list[str]:
        return [button.text() for button, _ in self._rows]

    def tag_button(self, word: str) -> QPushButton | None:
        return next((b for b, _ in self._rows if b.text() == word), None)

    def show_hint(self, text: str) -> None:
        """No tags, and a line saying why."""
        self._clear()
        self.title.setText("Tags")
        self.note.setText(text)
        self.note.show()

    def show_loading(self, count: int) -> None:
        self.show_hint("Finding tags…" if count == 1 else f"Finding tags {count} photos share…")

    def show_tags(self, hits: list[WordHit], shared_by: int = 1) -> None:
        """Tags best first; shared_by > 1 titles them as tags the selection has in common."""
        self._clear()
        self.title.setText("Tags" if shared_by == 1 else f"Shared tags · {shared_by} photos")
        if not hits:
            self.note.setText("No tags." if shared_by == 1 else "No tag is shared by most of them.")
            self.note.show()
            return
        self.note.hide()
        top = max(h.score for h in hits)
        for row, hit in enumerate(hits):
            button = QPushButton(hit.word, self)
            button.setObjectName("tagButton")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Search for photos of “{hit.word}” (score {hit.score:.2f})")
            button.clicked.connect(lambda _=False, w=hit.word: self.tag_clicked.emit(w))
            bar = QProgressBar(self)
            bar.setObjectName("scoreBar")
            bar.setRange(0, 100)
            # Scores are tag-head probabilities or cosines minus a rarity penalty, depending on
            # the joint model; relative to the best tag reads clearly either way.
            bar.setValue(max(2, round(100 * max(hit.score, 0.0) / top)) if top > 0 else 0)
            bar.setTextVisible(False)
            bar.setFixedHeight(6)
            bar.setToolTip(f"score {hit.score:.2f}")
            self._grid.addWidget(button, row, 0, Qt.AlignmentFlag.AlignLeft)
            self._grid.addWidget(bar, row, 1, Qt.AlignmentFlag.AlignVCenter)
            self._rows.append((button, bar))

    def _clear(self) -> None:
        for button, bar in self._rows:
            self._grid.removeWidget(button)
            self._grid.removeWidget(bar)
            button.deleteLater()
            bar.deleteLater()
        self._rows = []
