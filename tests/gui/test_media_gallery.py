"""RAW files and videos in the window: a play badge with the duration on video tiles, the RAW
of a RAW+JPEG pair listed in the details, the large preview of a RAW, and a video that plays
in the default player."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from core.library import Library
from core.storage.profile import resolve_profile
from gui.gallery import PhotoDelegate, PhotoModel
from gui.view_state import duration_text
from tests.gui.conftest import index_now, make_photos
from tests.media_files import CAMERA_MAKES, write_raw, write_video

pytest.importorskip("av", reason="the `video` extra (PyAV) is not installed")

SHOTS = (
    Path(os.environ.get("PHOTOSEARCH_SHOTS", "")) if os.environ.get("PHOTOSEARCH_SHOTS") else None
)


@pytest.fixture
def media_profile(tmp_path):
    """Two photos, a RAW+JPEG pair, a RAW of its own and a 7-second video, indexed."""
    folder = tmp_path / "Camera"
    photos = make_photos(folder, 4, broken=False)
    shutil.move(photos[2], folder / "IMG_0001.JPG")
    with Image.open(folder / "IMG_0001.JPG") as im:
        write_raw(folder / "IMG_0001.CR2", im, CAMERA_MAKES[0])
    with Image.open(photos[3]) as im:
        write_raw(folder / "DSC_0002.NEF", im, CAMERA_MAKES[1], orientation=6)
        write_video(folder / "clip.mp4", [im], seconds=7)
    photos[3].unlink()
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(folder)
    index_now(library)
    library.close()
    return profile, folder


def row_of(window, name):
    return next(i for i, e in enumerate(window.library_model.entries) if e.path.endswith(name))


def test_video_tiles_carry_their_duration_and_pairs_show_once(qtbot, open_window, media_profile):
    profile, _ = media_profile
    window = open_window(profile)
    names = sorted(Path(e.path).name for e in window.library_model.entries)
    assert names == ["DSC_0002.NEF", "IMG_0001.JPG", "clip.mp4", "photo_00.jpg", "photo_01.jpg"]
    clip = window.library_model.entry_at(row_of(window, "clip.mp4"))
    assert clip.duration == pytest.approx(7, abs=0.2) and duration_text(clip.duration) == "0:07"
    tip = window.library_model.data(
        window.library_model.index(row_of(window, "clip.mp4")), Qt.ItemDataRole.ToolTipRole
    )
    assert "video, 0:07" in tip


def test_the_badge_is_painted_on_the_video_tile(qtbot, open_window, media_profile):
    profile, _ = media_profile
    window = open_window(profile)
    model: PhotoModel = window.library_model
    row = row_of(window, "clip.mp4")
    qtbot.waitUntil(lambda: not model.pixmap_at(row).isNull(), timeout=10_000)
    rect = window.gallery.visualRect(model.index(row))
    shot = window.gallery.viewport().grab(rect).toImage()
    assert isinstance(window.gallery.itemDelegate(), PhotoDelegate)
    # The badge: a dark box with white text at the thumbnail's bottom left.
    corner = [
        shot.pixelColor(x, y)
        for x in range(10, min(60, shot.width()))
        for y in range(shot.height() - 40, shot.height() - 8)
    ]
    assert sum(c.red() > 230 and c.green() > 230 and c.blue() > 230 for c in corner) >= 10
    assert sum(c.value() < 60 for c in corner) >= 40


def test_a_live_photo_is_one_tile_that_says_live(qtbot, open_window, tmp_path):
    folder = tmp_path / "iPhone"
    still = make_photos(folder, 2, broken=False)[0]
    shutil.move(still, folder / "IMG_0005.JPG")
    with Image.open(folder / "IMG_0005.JPG") as im:
        write_video(folder / "IMG_0005.MOV", [im], seconds=3)
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(folder)
    index_now(library)
    library.close()
    window = open_window(profile)
    model: PhotoModel = window.library_model
    names = sorted(Path(e.path).name for e in model.entries)
    assert names == ["IMG_0005.JPG", "photo_01.jpg"]  # the clip is no tile of its own
    row = row_of(window, "IMG_0005.JPG")
    assert model.entry_at(row).live and not model.entry_at(row_of(window, "photo_01.jpg")).live
    tip = model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert "Live Photo" in tip
    qtbot.waitUntil(lambda: not model.pixmap_at(row).isNull(), timeout=10_000)
    shot = window.gallery.viewport().grab(window.gallery.visualRect(model.index(row))).toImage()
    # The badge: a dark box with white text at the thumbnail's bottom right.
    corner = [
        shot.pixelColor(x, y)
        for x in range(max(0, shot.width() - 60), shot.width() - 10)
        for y in range(shot.height() - 40, shot.height() - 8)
    ]
    assert sum(c.red() > 230 and c.green() > 230 and c.blue() > 230 for c in corner) >= 10
    assert sum(c.value() < 60 for c in corner) >= 40
    # A search or "find similar" result knows it too: the clip is among the hit's companions.
    still_id = window.library.catalog.photo_by_path(folder / "IMG_0005.JPG").id
    assert [h.live for h in window.library.hits([(still_id, 1.0)])] == [True]


def test_details_list_the_raw_of_a_pair_and_a_videos_length(qtbot, open_window, media_profile):
    profile, folder = media_profile
    window = open_window(profile)
    window.gallery.setCurrentIndex(window.library_model.index(row_of(window, "IMG_0001.JPG")))
    qtbot.waitUntil(lambda: window.details.name.text() == "IMG_0001.JPG", timeout=10_000)
    assert window.details.companions.text() == "IMG_0001.CR2"
    assert window.details.companions.toolTip() == str(folder / "IMG_0001.CR2")
    assert window.details.companions.isVisibleTo(window.details)
    assert not window.details.length.isVisibleTo(window.details)

    window.gallery.setCurrentIndex(window.library_model.index(row_of(window, "clip.mp4")))
    qtbot.waitUntil(lambda: window.details.name.text() == "clip.mp4", timeout=10_000)
    assert window.details.length.text() == "0:07"
    assert window.details.length.isVisibleTo(window.details)
    assert not window.details.companions.isVisibleTo(window.details)
    assert window.details.taken.text() == "04 May 2018 " + _local_hm(2018, 5, 4, 12, 30)

    window.gallery.setCurrentIndex(window.library_model.index(row_of(window, "DSC_0002.NEF")))
    qtbot.waitUntil(lambda: window.details.name.text() == "DSC_0002.NEF", timeout=10_000)
    assert window.details.dimensions.text() == "240 × 320"  # upright: the camera was turned
    assert window.details.taken.text() == "14 Jul 2019 10:30"


def _local_hm(*utc: int) -> str:
    import datetime as dt

    when = dt.datetime(*utc, tzinfo=dt.UTC).astimezone()
    return when.strftime("%H:%M")


def test_a_raw_opens_large_and_a_video_plays_in_the_default_player(
    qtbot, open_window, media_profile, monkeypatch
):
    profile, folder = media_profile
    window = open_window(profile)
    opened = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True)
    )
    window.gallery.setFocus()
    window.gallery.setCurrentIndex(window.library_model.index(row_of(window, "DSC_0002.NEF")))
    qtbot.keyClick(window.gallery, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible())
    preview = window.preview
    qtbot.waitUntil(lambda: not preview._pixmap.isNull(), timeout=10_000)
    assert preview._pixmap.height() > preview._pixmap.width()  # upright portrait
    preview.close()

    window.gallery.setCurrentIndex(window.library_model.index(row_of(window, "clip.mp4")))
    qtbot.keyClick(window.gallery, Qt.Key.Key_Return)
    assert opened == [QUrl.fromLocalFile(str(folder / "clip.mp4"))]
    assert not preview.isVisible()


def test_screenshot_of_a_library_with_raw_and_video(qtbot, open_window, media_profile, tmp_path):
    profile, _ = media_profile
    window = open_window(profile)
    model = window.library_model
    qtbot.waitUntil(
        lambda: all(not model.pixmap_at(r).isNull() for r in range(model.rowCount())),
        timeout=15_000,
    )
    window.gallery.setCurrentIndex(model.index(row_of(window, "IMG_0001.JPG")))
    qtbot.waitUntil(lambda: window.details.companions.text() == "IMG_0001.CR2", timeout=10_000)
    qtbot.wait(50)
    target = (SHOTS or tmp_path) / "media-gallery.png"
    assert window.grab().save(str(target))
    pixels = np.asarray(Image.open(target).convert("RGB"))
    assert pixels.shape == (800, 1200, 3) and pixels.std() > 20


def test_without_pyav_a_banner_names_the_video_extra(qtbot, open_window, tmp_path, monkeypatch):
    from core.media import video

    folder = tmp_path / "Clips"
    folder.mkdir()
    write_video(folder / "a.mov", [Image.new("RGB", (64, 48), (200, 40, 40))])
    write_video(folder / "b.mkv", [Image.new("RGB", (64, 48), (40, 40, 200))])
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(folder)
    library.close()
    monkeypatch.setattr(video, "available", lambda: False)
    window = open_window(profile, rescan=True)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)
    assert window.banner.text() == (
        "2 videos not indexed: video support is not installed: pip install 'photo-search[video]'."
    )
