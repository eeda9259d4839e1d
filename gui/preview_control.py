"""The preview window of the main window: opened with Enter or a double-click, toggled with
Space, stepping through the gallery's photos with the arrow keys.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from core.media.decode import media_kind
from gui.banner import MessageBanner
from gui.desktop import open_externally, show_in_folder
from gui.gallery import GalleryView, PhotoModel
from gui.preview import FaceBoxes, PreviewWindow
from gui.thumbnail_loader import ThumbnailLoader
from gui.workers import Jobs


class PreviewControl:
    """Makes the preview window when first needed; `window` is None until then."""

    def __init__(
        self,
        jobs: Jobs,
        loader: ThumbnailLoader,
        gallery: GalleryView,
        parent: QWidget,
        banner: MessageBanner,
        find_similar: Callable[[str], None],
        faces: FaceBoxes | None = None,
    ) -> None:
        self.faces = faces
        self.jobs = jobs
        self.loader = loader
        self.gallery = gallery
        self.parent_widget = parent  # the preview window belongs to it
        self.banner = banner
        self.find_similar = find_similar
        self.window: PreviewWindow | None = None

    def open(self, path: str) -> None:
        """Show path large; a video plays in the system's default player instead."""
        if media_kind(path) == "video":
            open_externally(path, self.banner)
            return
        if self.window is None:
            self.window = PreviewWindow(self.jobs, self.neighbour, self.parent_widget, self.faces)
            self.window.find_similar_requested.connect(self.find_similar)
            self.window.show_in_folder_requested.connect(lambda p: show_in_folder(p, self.banner))
        self.window.show_photo(path, self.loader.pixmap(path))

    def toggle(self, path: str) -> None:
        if self.window is not None and self.window.isVisible() and self.window.path == path:
            self.window.close()
        else:
            self.open(path)

    def neighbour(self, path: str, delta: int) -> str | None:
        """The photo delta cells from path in the gallery (selected there too), if any."""
        gallery = self.gallery
        model = gallery.model()
        assert isinstance(model, PhotoModel)
        row = model.row_of(path)
        if row is None or not 0 <= row + delta < model.rowCount():
            return None
        gallery.setCurrentIndex(model.index(row + delta))
        return model.path_at(row + delta)
