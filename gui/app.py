"""Starts the desktop app (placeholder until the GUI lands)."""

from __future__ import annotations


def run_app(data_dir: str | None, backbone: str | None) -> int:
    """Open the main window; returns the process exit code."""
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([])
    label = QLabel("Photo Search: the gallery is coming. Use the command line meanwhile.")
    label.resize(480, 120)
    label.show()
    return int(app.exec())
