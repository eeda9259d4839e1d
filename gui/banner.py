"""A dismissable message strip above the gallery: errors never interrupt with a dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

LEVELS = ("info", "warning", "error")


class MessageBanner(QFrame):
    """One message at a time, coloured by level, with an optional action and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton(self)
        self.action_button.setObjectName("bannerAction")
        self.action_button.hide()
        self.close_button = QPushButton("✕", self)
        self.close_button.setObjectName("bannerClose")
        self.close_button.setFlat(True)
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.setFixedWidth(28)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._action: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._run_action)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    @property
    def level(self) -> str:
        return str(self.property("level") or "")

    def show_message(
        self,
        text: str,
        level: str = "error",
        action: tuple[str, Callable[[], None]] | None = None,
        timeout_ms: int = 0,
    ) -> None:
        """Show text; info messages may time out, warnings and errors wait to be dismissed."""
        assert level in LEVELS
        self.label.setText(text)
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        if action is None:
            self._action = None
            self.action_button.hide()
        else:
            self.action_button.setText(action[0])
            self.action_button.setToolTip(action[0])
            self._action = action[1]
            self.action_button.show()
        self._timer.stop()
        if timeout_ms:
            self._timer.start(timeout_ms)
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()
