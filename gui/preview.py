"""A large preview of one photo in its own window, with arrows to step through the gallery."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.workers import CallWorker, Jobs

PREVIEW_MAX_SIDE = 2048


# The faces of a photo as (box in its upright pixels, who), for the boxes drawn on it.
FaceBoxes = Callable[[str], list[tuple[tuple[int, int, int, int], str]]]


def load_preview_image(path: str, faces: FaceBoxes | None = None) -> QImage:
    """Decode a photo upright at screen size, its faces boxed (worker thread; QImage is safe
    off the GUI thread)."""
    from PIL import Image, ImageDraw

    from core.media.decode import check_file, decode_image

    check_file(Path(path))
    im, (width, _), _ = decode_image(Path(path), draft_size=PREVIEW_MAX_SIDE)
    im.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.BILINEAR)
    boxes = faces(path) if faces is not None else []
    if boxes:
        draw = ImageDraw.Draw(im)
        s = im.width / width
        line = max(2, round(im.width / 400))
        for (x, y, w, h), who in boxes:
            box = (x * s, y * s, (x + w) * s, (y + h) * s)
            draw.rectangle(box, outline=(255, 210, 0), width=line)
            draw.text((box[0] + line, box[3] + line), who, fill=(255, 210, 0))
    data = im.tobytes("raw", "RGB")
    image = QImage(data, im.width, im.height, 3 * im.width, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: `data` goes away with this frame


class PreviewWindow(QDialog):
    """Shows one photo big; Left/Right step through `neighbour(path, ±1)`; Esc closes."""

    find_similar_requested = Signal(str)
    show_in_folder_requested = Signal(str)

    def __init__(
        self,
        jobs: Jobs,
        neighbour: Callable[[str, int], str | None],
        parent: QWidget | None = None,
        faces: FaceBoxes | None = None,
    ) -> None:
        super().__init__(parent)
        self._faces = faces
        self.setObjectName("preview")
        self.setModal(False)
        self.resize(1000, 760)
        self._jobs = jobs
        self._neighbour = neighbour
        self._path = ""
        self._pixmap = QPixmap()
        self.image = QLabel(self)
        self.image.setObjectName("previewImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(QSize(200, 150))
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.caption = QLabel(self)
        self.caption.setObjectName("previewCaption")
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        prev_button = QPushButton("‹", self)
        prev_button.setToolTip("Previous photo (Left arrow)")
        prev_button.clicked.connect(lambda: self.step(-1))
        next_button = QPushButton("›", self)
        next_button.setToolTip("Next photo (Right arrow)")
        next_button.clicked.connect(lambda: self.step(1))
        similar = QPushButton("Find similar", self)
        similar.setToolTip("Show photos that look like this one")
        similar.clicked.connect(lambda: self.find_similar_requested.emit(self._path))
        folder = QPushButton("Show in folder", self)
        folder.setToolTip("Open the folder that holds this photo")
        folder.clicked.connect(lambda: self.show_in_folder_requested.emit(self._path))
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Close the preview (Esc or Space)")
        self.close_button.clicked.connect(self.close)
        bar = QHBoxLayout()
        bar.addWidget(prev_button)
        bar.addWidget(next_button)
        bar.addWidget(self.caption, 1)
        bar.addWidget(similar)
        bar.addWidget(folder)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addWidget(self.image, 1)
        inner = QWidget(self)
        inner.setLayout(bar)
        layout.addWidget(inner)
        QShortcut(QKeySequence(Qt.Key.Key_Left), self, lambda: self.step(-1))
        QShortcut(QKeySequence(Qt.Key.Key_Right), self, lambda: self.step(1))
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.close)

    @property
    def path(self) -> str:
        return self._path

    def show_photo(self, path: str, placeholder: QPixmap | None = None) -> None:
        """Show path now (the thumbnail, if given), then the full image once decoded."""
        self._path = path
        self.setWindowTitle(f"{os.path.basename(path)} — Photo Search")
        self.caption.setText(path)
        self._pixmap = placeholder if placeholder is not None else QPixmap()
        self.image.setText("" if placeholder is not None else "Loading…")
        self._fit()
        worker = CallWorker(lambda: load_preview_image(path, self._faces))
        worker.signals.returned.connect(lambda image, p=path: self._on_loaded(p, image))
        worker.signals.errored.connect(lambda e, p=path: self._on_failed(p, e))
        self._jobs.start("files", worker)
        self.show()
        self.raise_()
        self.activateWindow()

    def step(self, delta: int) -> None:
        target = self._neighbour(self._path, delta)
        if target:
            self.show_photo(target)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _on_loaded(self, path: str, image: QImage) -> None:
        if path == self._path:
            self._pixmap = QPixmap.fromImage(image)
            self.image.setText("")
            self._fit()

    def _on_failed(self, path: str, error: Exception) -> None:
        if path == self._path:
            self._pixmap = QPixmap()
            self.image.setPixmap(QPixmap())
            self.image.setText(f"Cannot show this photo: {error}")

    def shown_size(self) -> QSize:
        """The photo's size on screen, in device-independent pixels."""
        pixmap = self.image.pixmap()
        if pixmap.isNull():
            return QSize()
        return (pixmap.size().toSizeF() / pixmap.devicePixelRatio()).toSize()

    def _fit(self) -> None:
        """Shrink the photo to the window; never enlarge it past 100% (one pixel, one pixel)."""
        if self._pixmap.isNull():
            self.image.setPixmap(QPixmap())
            return
        ratio = max(1.0, self.devicePixelRatioF())
        room = self.image.size() * ratio
        pixmap = self._pixmap
        if pixmap.width() > room.width() or pixmap.height() > room.height():
            pixmap = pixmap.scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        else:
            pixmap = QPixmap(pixmap)  # a copy: its ratio is set below, the original's is kept
        pixmap.setDevicePixelRatio(ratio)
        self.image.setPixmap(pixmap)
