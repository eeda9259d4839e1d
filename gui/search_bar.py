"""The search field, how the last query was understood, and similar words to try instead."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

PLACEHOLDER = "Search photos by words, e.g. beach -people"
MAX_SUGGESTIONS = 8


class SearchBar(QWidget):
    """A line edit that emits `search_requested(text)` on Enter and shows hints under it."""

    search_requested = Signal(str)
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = QLineEdit(self)
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText(PLACEHOLDER)
        self.field.setClearButtonEnabled(True)
        self.field.setToolTip(
            "Type one or more words and press Enter (Ctrl+F).\n"
            "Put a minus before a word to avoid it: beach -people.\nEsc goes back to the library."
        )
        self.field.returnPressed.connect(self._on_return)
        self.field.textChanged.connect(self._on_text_changed)

        self.understood = QLabel(self)
        self.understood.setObjectName("understoodLabel")
        self.understood.setTextFormat(Qt.TextFormat.RichText)
        self.understood.setToolTip(
            "How the last search was read: words without a meaning are ignored"
        )
        self.suggestions_label = QLabel("Try:", self)
        self.suggestions_label.setObjectName("hintLabel")
        self._chips: list[QPushButton] = []
        self._chip_row = QHBoxLayout()
        self._chip_row.setContentsMargins(0, 0, 0, 0)
        self._chip_row.setSpacing(6)

        hints = QHBoxLayout()
        hints.setContentsMargins(4, 0, 0, 0)
        hints.setSpacing(10)
        hints.addWidget(self.understood)
        hints.addWidget(self.suggestions_label)
        hints.addLayout(self._chip_row)
        hints.addStretch(1)
        self._hints = QWidget(self)
        self._hints.setLayout(hints)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.field)
        layout.addWidget(self._hints)
        self.clear_hints()

    # -- what the main window calls ------------------------------------------------------------

    def text(self) -> str:
        return self.field.text()

    def set_text(self, text: str) -> None:
        self.field.setText(text)

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def set_understood(
        self,
        words: list[str],
        negated: list[str],
        unknown: list[str],
        names: Sequence[str] = (),
    ) -> None:
        """Show which words (and names: "place: Paris, France") the search used and which it
        ignored."""
        parts = []
        if words or negated or names:
            shown = words + [f"−{w}" for w in negated]
            shown += [f"[−{n[1:]}]" if n.startswith("-") else f"[{n}]" for n in names]
            parts.append(f"understood: <b>{_escape(' '.join(shown))}</b>")
        if unknown:
            parts.append(
                f"ignored: <span style='color:#b35c00'>{_escape(' '.join(unknown))}</span>"
            )
        self.understood.setText(" · ".join(parts))
        self.understood.setVisible(bool(parts))
        self._hints.setVisible(bool(parts) or bool(self._chips))

    def set_message(self, text: str) -> None:
        """A plain hint in place of the understood words (e.g. why nothing was searched)."""
        self.understood.setText(_escape(text))
        self.understood.setVisible(bool(text))
        self._hints.setVisible(bool(text) or bool(self._chips))

    def set_suggestions(self, suggestions: list[tuple[str, str]]) -> None:
        """Clickable similar words: (word in the query, a similar word to put in its place)."""
        for chip in self._chips:
            chip.deleteLater()
        self._chips = []
        for source, word in suggestions[:MAX_SUGGESTIONS]:
            chip = QPushButton(word, self._hints)
            chip.setObjectName("chip")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(f"Search with “{word}” instead of “{source}”")
            chip.clicked.connect(lambda _=False, s=source, w=word: self._use_suggestion(s, w))
            self._chip_row.addWidget(chip)
            self._chips.append(chip)
        self.suggestions_label.setVisible(bool(self._chips))
        self._hints.setVisible(self.understood.isVisible() or bool(self._chips))

    @property
    def suggestion_words(self) -> list[str]:
        return [c.text() for c in self._chips]

    def chip(self, word: str) -> QPushButton | None:
        return next((c for c in self._chips if c.text() == word), None)

    def clear_hints(self) -> None:
        self.understood.clear()
        self.understood.hide()
        self.set_suggestions([])

    # -- internals ------------------------------------------------------------------------------

    def _on_return(self) -> None:
        self.search_requested.emit(self.field.text())

    def _on_text_changed(self, text: str) -> None:
        if not text:
            self.clear_hints()
            self.cleared.emit()

    def _use_suggestion(self, source: str, word: str) -> None:
        terms = self.field.text().split()
        replaced = [word if t.lower() == source else t for t in terms]
        if replaced == terms:
            replaced = [word]
        self.field.setText(" ".join(replaced))
        self.search_requested.emit(self.field.text())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
