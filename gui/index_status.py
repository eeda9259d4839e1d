"""Indexing progress in the status bar: phase, photos done of total, rate, time left, Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.progress import Progress


def describe(p: Progress) -> str:
    """One line for a progress record, like the command line's bar."""
    if p.phase == "scanning":
        return f"Looking for photos… {p.done:,} found"
    if p.phase == "building":
        return "Updating search indexes…"
    if p.phase == "places":
        return f"Reading where photos were taken… {p.done:,} of {p.total:,}"
    if p.phase == "grouping":
        return "Grouping faces into people…"
    verb = "Finding faces in" if p.phase == "faces" else "Indexing"
    text = f"{verb} {p.done:,} of {p.total:,} photos"
    if p.rate > 0:
        text += f" · {p.rate:.1f}/s"
    if p.eta is not None and p.done < p.total:
        text += f" · {format_duration(p.eta)} left"
    return text


def format_duration(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s // 60 % 60:02d} min"


class IndexStatus(QWidget):
    """Hidden while idle; shows a bar and a Cancel button while indexing runs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        self.bar.setToolTip("Indexing progress: photos become searchable as they are indexed")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop indexing; photos indexed so far are kept")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self) -> None:
        self.label.setText("Starting to index…")
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, p: Progress) -> None:
        self.label.setText(describe(p))
        if p.phase in ("indexing", "faces") and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        else:
            self.bar.setRange(0, 0)  # busy indicator: the total is not known yet

    def stopping(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Stopping…")
        self.label.setText("Stopping after the current batch…")

    def finish(self) -> None:
        self.hide()
