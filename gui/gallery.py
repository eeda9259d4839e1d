"""The thumbnail grid: a list model of photos, a painting delegate and an icon-mode list view.

One model row per photo and no widget per photo, so 10,000 photos scroll like 10. Thumbnails
are asked for only when a cell is painted (see ThumbnailLoader).
"""

from __future__ import annotations

import math
import os

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from core.media.decode import media_kind
from gui.thumbnail_loader import ThumbnailLoader
from gui.view_state import PhotoEntry, duration_text

THUMBNAIL_SIZE = 160  # the default; View > Thumbnail size, Ctrl+plus/minus and Ctrl+wheel set it
THUMBNAIL_SIZES = (96, 128, 160, 200, 256)
CELL_MARGIN = 16
HEADER_HEIGHT = 26  # the band above each cell where a month header ("March 2024") is painted
CELL_SIZE = QSize(THUMBNAIL_SIZE + CELL_MARGIN, THUMBNAIL_SIZE + CELL_MARGIN)

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SCORE_ROLE = Qt.ItemDataRole.UserRole + 2
FAILURE_ROLE = Qt.ItemDataRole.UserRole + 3
WEAK_OPACITY = 0.4  # a weak match stays visible but reads as "probably not it"

AnyIndex = QModelIndex | QPersistentModelIndex


class PhotoModel(QAbstractListModel):
    """Photos in display order; cells repaint as their thumbnails arrive."""

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._entries: list[PhotoEntry] = []
        self._rows: dict[str, int] = {}
        self.has_headers = False  # cells keep a band on top for month headers
        loader.loaded.connect(self._on_thumbnail)

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # PySide6 6.12 drops a reference to None each time Python reads an empty QVariant
        # (index.data() of a role whose answer is None) and aborts once None's count reaches 0,
        # so the roles that Python code reads always have a value: a null pixmap, "", NaN.
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self.pixmap_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(entry.path)
        if role == PATH_ROLE:
            return entry.path
        if role == SCORE_ROLE:
            return entry.score if entry.score is not None else math.nan
        if role == FAILURE_ROLE:
            return self._loader.failure(entry.path) or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [os.path.basename(entry.path), os.path.dirname(entry.path)]
            if entry.duration is not None:
                lines.append(f"video, {duration_text(entry.duration)}")
            if entry.live:
                lines.append("Live Photo: its clip is listed in the details (Also)")
            if entry.score is not None:
                weak = " (a weak match)" if entry.weak else ""
                lines.append(f"similarity {entry.score:.2f}{weak}")
            failure = self._loader.failure(entry.path)
            if failure:
                lines.append(f"no preview: {failure}")
            lines.append("Double-click or Enter to open · right-click for more")
            return "\n".join(lines)
        return None

    # -- contents ----------------------------------------------------------------------------

    @property
    def entries(self) -> list[PhotoEntry]:
        return list(self._entries)

    def path_at(self, row: int) -> str:
        return self._entries[row].path

    def entry_at(self, row: int) -> PhotoEntry:
        return self._entries[row]

    def pixmap_at(self, row: int) -> QPixmap:
        """The row's thumbnail, or a null pixmap while it loads (loading starts here)."""
        return self._loader.pixmap(self._entries[row].path) or QPixmap()

    def failure_at(self, row: int) -> str:
        """Why the row's photo has no thumbnail; "" when it has one or it is still loading."""
        return self._loader.failure(self._entries[row].path) or ""

    def row_of(self, path: str) -> int | None:
        return self._rows.get(path)

    def set_entries(self, entries: list[PhotoEntry]) -> None:
        """Show entries; photos only added (indexing in progress) keep scroll and selection."""
        old = self._entries
        if old and len(entries) > len(old) and _is_subsequence(old, entries):
            self._insert_runs(entries)
        elif entries != old:
            self.beginResetModel()
            self._entries = list(entries)
            self._reindex()
            self.endResetModel()

    def _insert_runs(self, entries: list[PhotoEntry]) -> None:
        """Insert the new entries run by run, so views keep their place."""
        row = 0
        j = 0
        while j < len(entries):
            if row < len(self._entries) and self._entries[row] == entries[j]:
                row += 1
                j += 1
                continue
            start = j
            while j < len(entries) and (
                row >= len(self._entries) or self._entries[row] != entries[j]
            ):
                j += 1
            self.beginInsertRows(QModelIndex(), row, row + (j - start) - 1)
            self._entries[row:row] = entries[start:j]
            self.endInsertRows()
            row += j - start
        self._reindex()

    def _reindex(self) -> None:
        self._rows = {e.path: i for i, e in enumerate(self._entries)}
        self.has_headers = any(e.header for e in self._entries)

    def remove_paths(self, paths: set[str]) -> None:
        """Drop these photos (deleted, forgotten) and keep everything else in place."""
        for row in sorted((r for p in paths if (r := self._rows.get(p)) is not None), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._entries[row]
            self.endRemoveRows()
        self._reindex()

    def _on_thumbnail(self, path: str) -> None:
        row = self._rows.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _is_subsequence(short: list[PhotoEntry], long: list[PhotoEntry]) -> bool:
    it = iter(long)
    return all(any(e == x for x in it) for e in short)


class PhotoDelegate(QStyledItemDelegate):
    """Paints a thumbnail centred in its cell, a soft placeholder while it loads."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        view = self.parent()
        if isinstance(view, QListView) and view.gridSize().isValid():
            return view.gridSize()  # the cell fills its grid slot, so the photo sits centred
        return CELL_SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        state = option.state
        palette: QPalette = option.palette
        model = index.model()
        if isinstance(model, PhotoModel) and model.has_headers:
            band = QRect(rect.left(), rect.top(), rect.width(), HEADER_HEIGHT)
            rect = rect.adjusted(0, HEADER_HEIGHT, 0, 0)
            if 0 <= index.row() < model.rowCount() and model.entry_at(index.row()).header:
                font = painter.font()
                font.setBold(True)
                painter.setFont(font)
                painter.setPen(palette.color(QPalette.ColorRole.Text))
                painter.drawText(  # a long header runs on over the next cells' empty bands
                    band.adjusted(8, 4, 0, 0),
                    Qt.AlignmentFlag.AlignLeft
                    | Qt.AlignmentFlag.AlignVCenter
                    | Qt.TextFlag.TextDontClip,
                    model.entry_at(index.row()).header,
                )
        cell = rect.adjusted(3, 3, -3, -3)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            colour = palette.color(QPalette.ColorRole.Highlight)
            colour.setAlpha(70 if selected else 25)
            path = QPainterPath()
            path.addRoundedRect(cell, 8, 8)
            painter.fillPath(path, colour)
        inner = rect.adjusted(8, 8, -8, -8)
        if not isinstance(model, PhotoModel) or not 0 <= index.row() < model.rowCount():
            painter.restore()
            return
        # Asked of the model directly, not through index.data(): no QVariant round trip.
        row = index.row()
        entry = model.entry_at(row)
        pixmap = model.pixmap_at(row)
        if entry.weak:
            painter.setOpacity(WEAK_OPACITY)
        if not pixmap.isNull():
            ratio = pixmap.devicePixelRatio()
            size = pixmap.size() / ratio
            if size.width() > inner.width() or size.height() > inner.height():
                # Only ever scaled down: a thumbnail blown up to a wide cell looks blurred.
                size = size.scaled(inner.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(inner.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)
            if selected:
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
                painter.drawRoundedRect(target.adjusted(-1, -1, 1, 1), 3, 3)
            _paint_kind_badge(painter, target, entry)
        else:
            failure = model.failure_at(row)
            box = inner.adjusted(10, 10, -10, -10)
            path = QPainterPath()
            path.addRoundedRect(box, 6, 6)
            painter.fillPath(path, QColor(0, 0, 0, 18))
            if failure:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    box.adjusted(6, 6, -6, -6),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    "No preview\n" + os.path.basename(entry.path),
                )
        painter.restore()


def _paint_kind_badge(painter: QPainter, target: QRect, entry: PhotoEntry) -> None:
    """A video's play badge and duration, bottom left; "RAW" on a camera RAW and "LIVE" on a
    Live Photo's still, bottom right."""
    kind = media_kind(entry.path)
    if kind == "photo" and not entry.live:
        return
    text = f"\u25b6 {duration_text(entry.duration)}".strip() if kind == "video" else "RAW"
    text = "LIVE" if kind == "photo" else text
    font = painter.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    box = QRect(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 4)
    if box.width() + 8 > target.width() or box.height() + 8 > target.height():
        return  # a thumbnail too small to carry it
    if kind == "video":
        box.moveBottomLeft(target.bottomLeft() + QPoint(5, -5))
    else:
        box.moveBottomRight(target.bottomRight() + QPoint(-5, -5))
    path = QPainterPath()
    path.addRoundedRect(box, 4, 4)
    painter.fillPath(path, QColor(0, 0, 0, 160))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class GalleryView(QListView):
    """The grid itself; emits `open_requested` for Enter and double-click."""

    open_requested = Signal(str)
    preview_requested = Signal(str)  # Space
    zoom_requested = Signal(int)  # Ctrl+wheel: +1 larger thumbnails, -1 smaller

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnail_size = THUMBNAIL_SIZE
        self._watched: set[int] = set()
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setGridSize(CELL_SIZE)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(40)
        self.setMouseTracking(True)
        self.setItemDelegate(PhotoDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setDragEnabled(False)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.doubleClicked.connect(self._open_index)
        self.setToolTip("")

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if isinstance(model, PhotoModel) and id(model) not in self._watched:
            self._watched.add(id(model))  # month headers come and go with the model's contents
            model.modelReset.connect(self.update_grid)
        self.update_grid()

    def set_thumbnail_size(self, size: int) -> None:
        """Cells of size px (plus a margin, plus a header band when months are shown)."""
        self.thumbnail_size = max(THUMBNAIL_SIZES[0], min(THUMBNAIL_SIZES[-1], size))
        self.update_grid()

    def cell_size(self) -> QSize:
        side = self.thumbnail_size + CELL_MARGIN
        model = self.model()
        band = HEADER_HEIGHT if isinstance(model, PhotoModel) and model.has_headers else 0
        return QSize(side, side + band)

    def update_grid(self) -> None:
        """Spread the columns over the whole width instead of leaving a gap on the right."""
        cell = self.cell_size()
        width = self.viewport().width() - 2  # a full-width row would wrap by one pixel
        columns = max(1, width // cell.width())
        grid = QSize(max(cell.width(), width // columns), cell.height())
        if grid != self.gridSize():
            self.setGridSize(grid)
            self.keep_current_in_view()

    def keep_current_in_view(self) -> None:
        current = self.currentIndex()
        if current.isValid() and self.selectionModel().isSelected(current):
            self.scrollTo(current, QAbstractItemView.ScrollHint.EnsureVisible)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.update_grid()
        self.keep_current_in_view()  # the selected photo stays in view as the window resizes

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom_requested.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            self._open_index(current)
            return
        if event.key() == Qt.Key.Key_Space and current.isValid():
            path = self.path_of(current)
            if path:
                self.preview_requested.emit(path)
            return
        super().keyPressEvent(event)

    def _open_index(self, index: QModelIndex) -> None:
        path = self.path_of(index)
        if path:
            self.open_requested.emit(path)

    def path_of(self, index: AnyIndex) -> str | None:
        """The photo of a cell, None for an invalid index."""
        model = self.model()
        if not index.isValid() or not isinstance(model, PhotoModel):
            return None
        return model.path_at(index.row()) if 0 <= index.row() < model.rowCount() else None

    def selected_paths(self) -> list[str]:
        model = self.model()
        if not isinstance(model, PhotoModel):
            return []
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [model.path_at(r) for r in rows if r < model.rowCount()]
