"""The desktop app: the only package that imports Qt.

What the user sees is plain data in gui.view_state (no Qt: the current view, folder, sort, date
range, the query's results, selection, back/forward). gui.main_window builds the widgets and
hands each controller (navigation, queries, side_panels, photo_menu, trash, folder_actions,
indexing_controller, live_updates, library_loader, duplicates, preview_control, menus) the few
widgets and services it uses, then connects their signals; no controller imports the window
(import-linter holds that, and that gui/ has no import circles).
"""

from gui.none_guard import guard_none

# Before any widget exists: PySide6 6.12 on Python 3.11 otherwise aborts after a few thousand
# Qt calls (see gui/none_guard.py).
guard_none()
