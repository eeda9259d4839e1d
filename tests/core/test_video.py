"""Videos: a poster frame, the duration and the creation time of every container, from videos
encoded here with PyAV (tests/media_files.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from core.media import video
from core.media.decode import DecodeError, load_photo, load_thumbnail, media_kind, retry
from tests.media_files import VIDEO_CODECS, turn_for_display, write_video

pytest.importorskip("av", reason="the `video` extra (PyAV) is not installed")

RED, BLUE = Image.new("RGB", (64, 48), (230, 20, 20)), Image.new("RGB", (64, 48), (20, 20, 230))
WHEN = datetime(2018, 5, 4, 12, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("ext", sorted(VIDEO_CODECS))
def test_each_container_gives_its_poster_duration_and_date(tmp_path, ext):
    # Ten seconds: red for the first five, blue after. The poster comes from 10%: red.
    path = write_video(tmp_path / f"clip{ext}", [RED, BLUE], seconds=10, fps=5)
    assert media_kind(path) == "video"
    photo = load_photo(path, 224)
    assert photo.duration == pytest.approx(10, abs=0.3)
    assert (photo.width, photo.height) == (352, 288)
    assert photo.pixels is not None
    r, _, b = photo.pixels.reshape(-1, 3).mean(axis=0)
    assert r > 150 and b < 80
    if ext == ".avi":
        assert photo.taken is None  # AVI has no creation_time: indexing uses the mtime
    else:
        assert photo.taken == WHEN


@pytest.mark.parametrize("clockwise", [90, 270])
def test_a_phones_portrait_video_gets_an_upright_portrait_poster(tmp_path, clockwise):
    """A phone stores a portrait video's frames on their side with a display matrix; the poster,
    its size and so its thumbnail must be the way the video plays, not on its side."""
    upright = Image.new("RGB", (48, 64), (20, 20, 230))
    upright.paste((230, 20, 20), (0, 0, 48, 16))  # red at the top of the picture
    stored = upright.rotate(clockwise, expand=True)  # on its side, as the sensor keeps it
    path = write_video(tmp_path / "portrait.mp4", [stored], seconds=2, size=(64, 48))
    turn_for_display(path, clockwise)
    poster = video.read_poster(path)
    assert (poster.width, poster.height) == (48, 64)
    pixels = np.asarray(poster.image, np.float32)
    top, bottom = pixels[:10].mean(axis=(0, 1)), pixels[-30:].mean(axis=(0, 1))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    photo = load_photo(path, 224)  # what the catalog records and the details panel shows
    assert (photo.width, photo.height) == (48, 64)


def test_a_black_opening_is_passed_over_for_a_later_poster(tmp_path):
    black = Image.new("RGB", (64, 48))
    path = write_video(tmp_path / "fade.mp4", [black, black, BLUE, BLUE], seconds=8, fps=5)
    image = load_thumbnail(path, 128)
    b = np.asarray(image)[..., 2].mean()
    assert b > 150 and image.size == (128, 105)


def test_undated_and_clockless_videos_have_no_date(tmp_path):
    undated = write_video(tmp_path / "undated.mov", [RED], creation_time=None)
    assert load_photo(undated, 224).taken is None
    epoch = write_video(tmp_path / "epoch.mp4", [RED], creation_time="1970-01-01T00:00:00Z")
    assert load_photo(epoch, 224).taken is None


def test_broken_videos_are_refused_with_a_reason(tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01not a video" * 500)
    with pytest.raises(DecodeError, match="not a video FFmpeg can read"):
        load_photo(garbage, 224)
    good = write_video(tmp_path / "cut.mkv", [RED], seconds=4)
    cut = tmp_path / "cut2.mkv"
    cut.write_bytes(good.read_bytes()[:300])
    with pytest.raises(DecodeError):
        load_photo(cut, 224)


def test_without_pyav_videos_name_the_extra_and_are_retried_once_it_is_there(tmp_path, monkeypatch):
    path = write_video(tmp_path / "clip.mp4", [RED])
    monkeypatch.setattr(video, "available", lambda: False)
    with pytest.raises(DecodeError) as failed:
        load_photo(path, 224)
    assert str(failed.value) == video.NOT_INSTALLED
    assert "pip install 'photo-search[video]'" in video.NOT_INSTALLED
    assert not retry(video.NOT_INSTALLED)
    monkeypatch.setattr(video, "available", lambda: True)
    assert retry(video.NOT_INSTALLED)


def test_a_moved_video_is_recognised_by_its_digest(tmp_path):
    path = write_video(tmp_path / "a.webm", [RED, BLUE])
    first = load_photo(path, 224)
    moved = path.rename(tmp_path / "b.webm")
    again = load_photo(moved, 224, known_hashes={first.content_hash})
    assert again.content_hash == first.content_hash and again.pixels is None
