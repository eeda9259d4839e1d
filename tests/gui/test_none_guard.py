"""PySide6 6.12 drops references to None and True on Python 3.11; the app must not abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Far more void Qt calls, empty-QVariant reads and emits than None (about 5,000 references at
# start-up) or True (about 600) can lose: without the guard this aborts with none_dealloc.
HAMMER = """
import gui
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPoint, Signal
from PySide6.QtWidgets import QApplication

class Model(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()):
        return 1
    def data(self, index, role=0):
        return None

class Pinger(QObject):
    ping = Signal()

app = QApplication([])
model, pinger, point = Model(), Pinger(), QPoint()
index = model.index(0)
for _ in range(50_000):
    point.setX(1)
    index.data(1)
    pinger.ping.emit()
print("survived")
"""


def test_many_qt_calls_do_not_abort_the_process() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-c", HAMMER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "dealloc" not in run.stderr
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "survived"
