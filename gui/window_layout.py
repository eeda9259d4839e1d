"""How the main window's widgets sit together: the top bar, the gallery page, the scrollable
column of panels on the right, the splitter and the window's centre. Arrangement only: the
widgets are made and connected by the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)


def top_bar(parent: QWidget, search_bar: QWidget, date_filter: QWidget) -> QWidget:
    """The app's name, the search field (stretching) and the date range."""
    app_name = QLabel("Photo Search", parent)
    app_name.setObjectName("appName")
    top = QWidget(parent)
    top.setObjectName("topBar")
    layout = QHBoxLayout(top)
    layout.setContentsMargins(16, 10, 16, 8)
    layout.addWidget(app_name, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(search_bar, 1)
    layout.addWidget(date_filter, 0, Qt.AlignmentFlag.AlignTop)
    return top


def column(parent: QWidget, *widgets: QWidget) -> QWidget:
    """widgets one above the other, without margins."""
    page = QWidget(parent)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget in widgets[:-1]:
        layout.addWidget(widget)
    layout.addWidget(widgets[-1], 1)  # the last one takes the room left
    return page


def panel_column(parent: QWidget, *panels: QWidget) -> QScrollArea:
    """The right-hand panels one above the other, scrolling when they are taller."""
    inner = QWidget(parent)
    inner.setObjectName("rightInner")
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.setSpacing(18)
    for panel in panels:
        layout.addWidget(panel)
    layout.addStretch(1)
    area = QScrollArea(parent)
    area.setObjectName("rightPanel")
    area.setWidget(inner)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def side_column(parent: QWidget, folders: QWidget, places: QWidget) -> QSplitter:
    """The left column: the library's folders above the places, each as tall as dragged."""
    splitter = QSplitter(Qt.Orientation.Vertical, parent)
    splitter.setObjectName("sideColumn")
    splitter.addWidget(folders)
    splitter.addWidget(places)
    splitter.setStretchFactor(0, 1)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([400, 400])  # half each to start with
    splitter.setChildrenCollapsible(False)
    splitter.setHandleWidth(3)
    return splitter


def main_splitter(parent: QWidget, left: QWidget, centre: QWidget, right: QWidget) -> QSplitter:
    """Sidebar, gallery and panels; only the centre grows with the window."""
    splitter = QSplitter(Qt.Orientation.Horizontal, parent)
    splitter.setObjectName("mainSplitter")
    splitter.addWidget(left)
    splitter.addWidget(centre)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 1)
    splitter.setCollapsible(1, False)
    splitter.setSizes([240, 780, 260])
    splitter.setHandleWidth(3)
    return splitter
