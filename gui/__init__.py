"""The desktop app: the only package that imports Qt."""

from gui.none_guard import guard_none

# Before any widget exists: PySide6 6.12 on Python 3.11 otherwise aborts after a few thousand
# Qt calls (see gui/none_guard.py).
guard_none()
