"""What a new user sees first: a friendly invitation to add a folder, not an empty grid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    add_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        icon = QLabel("🖼", self)
        icon.setObjectName("emptyIcon")
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("Your photo library is empty", self)
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(
            "Add a folder of photos to get started. Photo Search looks at every photo on this "
            "computer (nothing is uploaded), then you can find photos by words like "
            "<i>beach</i> or <i>cat on a sofa</i>, or right-click a photo to find similar ones.",
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
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(14)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
