"""The gallery model: rows, lazy thumbnails, and growing without a reset while indexing."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt

from core.media.thumbnails import ThumbnailCache
from core.progress import Progress
from gui.gallery import PATH_ROLE, SCORE_ROLE, PhotoModel
from gui.index_status import describe
from gui.thumbnail_loader import ThumbnailLoader
from gui.view_state import PhotoEntry
from tests.gui.conftest import make_photos


def test_model_loads_thumbnails_lazily_and_keeps_rows_when_photos_are_added(qtbot, tmp_path):
    photos = [str(p) for p in make_photos(tmp_path / "photos", count=4, broken=True)]
    broken = str(tmp_path / "photos" / "broken.jpg")
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs"), QSize(160, 160))
    model = PhotoModel(loader)
    model.set_entries([PhotoEntry(photos[0]), PhotoEntry(photos[2])])
    assert model.rowCount() == 2
    index = model.index(0)
    assert index.data(Qt.ItemDataRole.DecorationRole).isNull()  # placeholder; loading begins
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert pixmap is not None and pixmap.width() == 160 and pixmap.height() == 120
    assert index.data(PATH_ROLE) == photos[0]
    assert "photo_00.jpg" in index.data(Qt.ItemDataRole.ToolTipRole)

    resets, inserts = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    model.set_entries([PhotoEntry(p) for p in photos[:4]])
    assert resets == [] and inserts == [(1, 1), (3, 3)]
    assert [model.path_at(r) for r in range(4)] == photos[:4]

    model.set_entries([PhotoEntry(photos[3], 0.9), PhotoEntry(broken, 0.5)])
    assert resets == [1]
    assert model.index(0).data(SCORE_ROLE) == 0.9
    model.index(1).data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: loader.failure(broken) is not None, timeout=5000)
    assert "no preview" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    loader.shutdown()


def test_progress_line_shows_done_total_rate_and_time_left():
    assert describe(Progress("scanning", 1000, 0)) == "Looking for photos… 1,000 found"
    line = describe(Progress("indexing", 1200, 10000, 40.0, 220.0))
    assert line == "Indexing 1,200 of 10,000 photos · 40.0/s · 3 min 40 s left"
    assert describe(Progress("building", 0, 1)) == "Updating search indexes…"
