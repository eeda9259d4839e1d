"""The thumbnail disk cache: made once, reused, renewed when the photo changes."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from core.media.decode import DecodeError
from core.media.thumbnails import ThumbnailCache


def test_thumbnail_is_made_once_and_fits_the_size(tmp_path):
    photo = tmp_path / "wide.png"
    Image.new("RGB", (1200, 600), (200, 30, 30)).save(photo)
    cache = ThumbnailCache(tmp_path / "thumbs", max_side=256)
    first = cache.thumbnail(photo)
    assert first.is_file() and first.is_relative_to(tmp_path / "thumbs")
    with Image.open(first) as im:
        assert im.format == "JPEG" and im.size == (256, 128)
    made_at = first.stat().st_mtime_ns
    assert cache.thumbnail(photo) == first
    assert first.stat().st_mtime_ns == made_at  # reused, not remade


def test_an_edited_photo_gets_a_new_thumbnail(tmp_path):
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (400, 300), (0, 0, 255)).save(photo)
    cache = ThumbnailCache(tmp_path / "thumbs")
    old = cache.thumbnail(photo)
    Image.new("RGB", (300, 400), (0, 255, 0)).save(photo)
    os.utime(photo, ns=(1, 1_000_000_000))
    new = cache.thumbnail(photo)
    assert new != old
    with Image.open(new) as im:
        assert im.size[1] > im.size[0]  # the new, portrait content
    assert cache.clear() == 2
    assert not new.exists()


def test_unreadable_photos_raise_decode_error_and_leave_nothing_behind(tmp_path):
    cache = ThumbnailCache(tmp_path / "thumbs")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(DecodeError):
        cache.thumbnail(broken)
    with pytest.raises(DecodeError, match="not found"):
        cache.thumbnail(tmp_path / "missing.jpg")
    assert not list((tmp_path / "thumbs").rglob("*.jpg"))
