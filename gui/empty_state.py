"""What a new user sees first: a friendly invitation to add a folder, not an empty grid."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    add_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        icon = QLabel(self)
        icon.setPixmap(_photo_icon(96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("Your photo library is empty", self)
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(
            "Add a folder of photos to get started. Photo Search looks at each photo on this "
            "computer (nothing is uploaded); then find photos by words like <i>beach</i> or "
            "<i>cat sofa</i>, or right-click a photo to find similar ones.",
            self,
        )
        self.text.setObjectName("emptyText")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setMaximumWidth(460)
        self.button = QPushButton("Add folder…", self)
        self.button.setObjectName("primaryButton")
        self.button.setToolTip("Choose a folder of photos to add to the library")
        self.button.clicked.connect(self.add_folder_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(icon)
        layout.addWidget(self.title)
        layout.addSpacing(6)
        # Stretches instead of an alignment flag, so the wrapped text gets the height it needs.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text, 4)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(14)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)


def _photo_icon(size: int) -> QPixmap:
    """A drawn "photo" glyph (frame, hills, sun): no icon theme or emoji font needed."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    frame = QRectF(size * 0.08, size * 0.18, size * 0.84, size * 0.64)
    clip = QPainterPath()
    clip.addRoundedRect(frame, size * 0.08, size * 0.08)
    p.fillPath(clip, QColor("#e8eefb"))
    p.setClipPath(clip)
    hills = QPolygonF(
        [
            QPointF(frame.left(), frame.bottom()),
            QPointF(frame.left() + frame.width() * 0.35, frame.top() + frame.height() * 0.45),
            QPointF(frame.left() + frame.width() * 0.55, frame.top() + frame.height() * 0.7),
            QPointF(frame.left() + frame.width() * 0.72, frame.top() + frame.height() * 0.5),
            QPointF(frame.right(), frame.bottom()),
        ]
    )
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#7fa4ea"))
    p.drawPolygon(hills)
    p.setBrush(QColor("#f5b942"))
    p.drawEllipse(
        QPointF(frame.left() + frame.width() * 0.75, frame.top() + frame.height() * 0.27),
        size * 0.07,
        size * 0.07,
    )
    p.setClipping(False)
    p.setPen(QPen(QColor("#2f6fdf"), size * 0.04))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(frame, size * 0.08, size * 0.08)
    p.end()
    return pixmap
