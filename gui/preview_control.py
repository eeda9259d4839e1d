"""The preview window of the main window: opened with Enter or a double-click, toggled with
Space, stepping through the gallery's photos with the arrow keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gui.gallery import PhotoModel
from gui.preview import PreviewWindow

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class PreviewControl:
    """Makes the preview window when first needed; `window` is None until then."""

    def __init__(self, main: MainWindow) -> None:
        self.main = main
        self.window: PreviewWindow | None = None

    def open(self, path: str) -> None:
        m = self.main
        if self.window is None:
            self.window = PreviewWindow(m.jobs, self.neighbour, m)
            self.window.find_similar_requested.connect(m.find_similar)
            self.window.show_in_folder_requested.connect(m.photo_menu.show_in_folder)
        self.window.show_photo(path, m.loader.pixmap(path))

    def toggle(self, path: str) -> None:
        if self.window is not None and self.window.isVisible() and self.window.path == path:
            self.window.close()
        else:
            self.open(path)

    def neighbour(self, path: str, delta: int) -> str | None:
        """The photo delta cells from path in the gallery (selected there too), if any."""
        gallery = self.main.gallery
        model = gallery.model()
        assert isinstance(model, PhotoModel)
        row = model.row_of(path)
        if row is None or not 0 <= row + delta < model.rowCount():
            return None
        gallery.setCurrentIndex(model.index(row + delta))
        return model.path_at(row + delta)
