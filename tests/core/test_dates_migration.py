"""A catalog from before capture dates upgrades in place: nothing lost, dates filled in."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from core.library import Library
from core.media.dates import exif_taken, parse_exif_time
from core.storage.profile import resolve_profile
from core.storage.schema import SCHEMA_VERSION
from tests.conftest import EncoderSpy, make_photo, run_index
from tests.core.test_browse import set_mtime, with_exif_date


def downgrade_to_v2(catalog_path: Path) -> None:
    """Turn a catalog back into schema 2, the one before the `taken` column (and faces)."""
    conn = sqlite3.connect(catalog_path)
    conn.executescript(
        "DROP TRIGGER faces_remembered; DROP TABLE face_memory; "
        "DROP TABLE face_rejections; DROP TABLE face_scans; DROP TABLE faces; DROP TABLE persons;"
        "DROP INDEX photos_taken; ALTER TABLE photos DROP COLUMN taken; PRAGMA user_version = 2;"
    )
    conn.close()


def test_an_old_catalog_keeps_every_photo_and_vector_and_gains_dates(
    tmp_path: Path, encoder_spy: EncoderSpy
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    with_exif_date(make_photo(folder / "exif.jpg", 1), "2015:05:30 08:15:00")
    plain = make_photo(folder / "plain.jpg", 2)
    for n in range(3, 6):
        make_photo(folder / f"more{n}.jpg", n)
    set_mtime(plain, "2012-02-03T04:05:06")
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(folder)
    run_index(library)
    photos = library.photos()
    model = library.backbone
    features = library.catalog.features(library.catalog.ok_ids(model).tolist(), model, 1280)
    library.close()
    downgrade_to_v2(profile.catalog_path)
    embedded = encoder_spy.photos

    upgraded = Library(profile)
    version = upgraded.catalog.conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION and not upgraded.catalog.created
    assert upgraded.photos() == photos
    again = upgraded.catalog.features(upgraded.catalog.ok_ids(model).tolist(), model, 1280)
    assert (again == features).all()
    # Before the next index, old rows show their file's mtime.
    taken = {os.path.basename(p.path): p.taken for p in upgraded.browse()}
    assert taken["plain.jpg"] == datetime(2012, 2, 3, 4, 5, 6).astimezone()
    mtime = (folder / "exif.jpg").stat().st_mtime_ns / 1e9
    assert taken["exif.jpg"] == datetime.fromtimestamp(mtime).astimezone()

    summary = run_index(upgraded)
    assert summary.unchanged == 5 and encoder_spy.photos == embedded  # nothing embedded again
    taken = {os.path.basename(p.path): p.taken for p in upgraded.browse()}
    assert taken["exif.jpg"] == datetime(2015, 5, 30, 8, 15).astimezone()
    assert taken["plain.jpg"] == datetime(2012, 2, 3, 4, 5, 6).astimezone()
    assert [os.path.basename(p.path) for p in upgraded.browse()][-2:] == ["exif.jpg", "plain.jpg"]
    upgraded.close()


def test_exif_dates_that_are_blank_garbage_or_offset() -> None:
    assert parse_exif_time("0000:00:00 00:00:00") is None
    assert parse_exif_time("    :  :     :  :  ") is None
    assert parse_exif_time(b"2019:07:14 09:30:00\x00") == datetime(2019, 7, 14, 9, 30).timestamp()
    utc = parse_exif_time("2019:07:14 09:30:00", "+02:00")
    assert utc == datetime.fromisoformat("2019-07-14T07:30:00+00:00").timestamp()
    from PIL import Image

    assert exif_taken(Image.Exif()) is None
