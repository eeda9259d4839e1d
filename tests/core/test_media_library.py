"""The library's view of RAW files and videos: durations for the gallery, companions for the
details panel, headers read without decoding, and the catalog step that holds them."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from PIL import Image

from core.media.header import read_header
from core.storage.schema import SCHEMA_VERSION
from tests.conftest import make_photo, run_index
from tests.media_files import CAMERA_MAKES, write_raw, write_video

pytest.importorskip("av", reason="the `video` extra (PyAV) is not installed")


@pytest.fixture
def media_folder(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    jpeg = make_photo(folder / "IMG_7.jpg", 7, size=(320, 240))
    with Image.open(jpeg) as im:
        write_raw(folder / "IMG_7.RW2", im, CAMERA_MAKES[5])
        write_raw(folder / "solo.pef", im, CAMERA_MAKES[6], orientation=6)
    rng = np.random.default_rng(1)
    frame = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    write_video(folder / "clip.mov", [frame], seconds=4)
    return folder


def test_the_library_lists_video_durations_and_raw_companions(library, media_folder):
    summary = run_index(library, [media_folder])
    assert (summary.added, summary.raw, summary.videos, summary.companions) == (3, 1, 1, 1)
    durations = library.video_durations()
    assert list(durations) == [str(media_folder / "clip.mov")]
    assert durations[str(media_folder / "clip.mov")] == pytest.approx(4, abs=0.2)
    assert library.companions(str(media_folder / "IMG_7.jpg")) == [str(media_folder / "IMG_7.RW2")]
    assert library.companions(str(media_folder / "solo.pef")) == []
    # The video's row moves with the file; a copy gets the duration too.
    (media_folder / "clip.mov").rename(media_folder / "moved.mov")
    (media_folder / "copy.mov").write_bytes((media_folder / "moved.mov").read_bytes())
    again = run_index(library, [media_folder])
    assert (again.moved, again.added) == (1, 1)
    assert sorted(library.video_durations()) == [
        str(media_folder / "copy.mov"),
        str(media_folder / "moved.mov"),
    ]


def test_headers_give_size_date_and_duration_without_decoding(media_folder):
    raw = read_header(media_folder / "solo.pef")
    assert (raw.kind, raw.width, raw.height) == ("raw", 240, 320)  # turned upright
    assert raw.taken is not None
    clip = read_header(media_folder / "clip.mov")
    assert (clip.kind, clip.width, clip.height) == ("video", 352, 288)
    assert clip.duration == pytest.approx(4, abs=0.2) and clip.taken is not None
    photo = read_header(media_folder / "IMG_7.jpg")
    assert (photo.kind, photo.width, photo.height, photo.duration) == ("photo", 320, 240, None)
    broken = media_folder / "broken.mp4"
    broken.write_bytes(b"nothing")
    assert read_header(broken).kind == "video" and read_header(broken).duration is None


def test_the_catalog_step_adds_the_media_tables(library):
    conn = sqlite3.connect(library.catalog.path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"video_info", "companions"} <= tables
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
