"""Browsing the library: capture dates, sorting, the folder tree, date filters, trash and undo."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from core.errors import PhotoSearchError, UsageError
from core.library import Library
from tests.conftest import EncoderSpy, make_photo, run_index

EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 36867


def with_exif_date(path: Path, when: str | None) -> Path:
    """Rewrite a JPEG with an EXIF DateTimeOriginal ("2019:07:14 09:30:00"), or without."""
    im = Image.open(path)
    im.load()
    exif = Image.Exif()
    if when is not None:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = when
    im.save(path, exif=exif.tobytes(), quality=90)
    return path


def set_mtime(path: Path, day: str) -> None:
    t = datetime.fromisoformat(day).timestamp()
    os.utime(path, (t, t))


@pytest.fixture
def dated(library: Library, tmp_path: Path) -> Library:
    """Five photos in nested folders: three with EXIF dates, two dated by their mtime."""
    root = tmp_path / "photos"
    (root / "2019" / "summer").mkdir(parents=True)
    (root / "2021" / "trip" / "day1").mkdir(parents=True)
    with_exif_date(make_photo(root / "2019" / "summer" / "beach.jpg", 1), "2019:07:14 09:30:00")
    with_exif_date(make_photo(root / "2019" / "summer" / "Alps.jpg", 2), "2019:08:02 16:00:00")
    with_exif_date(make_photo(root / "2021" / "trip" / "day1" / "a.jpg", 3), "2021:03:01 12:00:00")
    set_mtime(
        with_exif_date(make_photo(root / "2021" / "trip" / "day1" / "b.jpg", 4), None),
        "2020-01-05T10:00:00",
    )
    set_mtime(make_photo(root / "scan.jpg", 5), "2018-12-24T18:00:00")
    library.add_folder(root)
    run_index(library)
    return library


def names(photos: list[object]) -> list[str]:
    return [os.path.basename(p.path) for p in photos]  # type: ignore[attr-defined]


def test_photos_sort_by_capture_date_newest_first(dated: Library) -> None:
    photos = dated.browse()
    assert names(photos) == ["a.jpg", "b.jpg", "Alps.jpg", "beach.jpg", "scan.jpg"]
    # EXIF wins over the file's mtime (written today); without EXIF, the mtime is the date.
    assert photos[0].taken == datetime(2021, 3, 1, 12, 0).astimezone()
    assert photos[1].taken == datetime(2020, 1, 5, 10, 0).astimezone()
    assert photos[0].folder.endswith(os.path.join("2021", "trip", "day1"))


def test_photos_sort_by_name_and_by_folder(dated: Library, tmp_path: Path) -> None:
    assert names(dated.browse(sort="name")) == [
        "a.jpg",
        "Alps.jpg",
        "b.jpg",
        "beach.jpg",
        "scan.jpg",
    ]
    # A folder's own photos come before its subfolders' photos.
    by_folder = ["scan.jpg", "Alps.jpg", "beach.jpg", "a.jpg", "b.jpg"]
    assert names(dated.browse(sort="folder")) == by_folder
    assert names(dated.browse(tmp_path / "photos" / "2019")) == ["Alps.jpg", "beach.jpg"]
    with pytest.raises(UsageError, match="unknown sort"):
        dated.browse(sort="size")


def test_folder_tree_nests_with_counts_and_collapses_empty_chains(
    dated: Library, tmp_path: Path
) -> None:
    (root,) = dated.folder_tree()
    assert (root.path, root.name, root.count) == (tmp_path / "photos", "photos", 5)
    assert [(c.name, c.count) for c in root.children] == [("2019/summer", 2), ("2021/trip/day1", 2)]
    assert root.children[1].path == tmp_path / "photos" / "2021" / "trip" / "day1"


def test_hits_carry_their_capture_date(dated: Library, tmp_path: Path) -> None:
    hits = dated.find_similar(tmp_path / "photos" / "scan.jpg", k=10)
    by_name = {os.path.basename(h.path): h for h in hits}
    assert by_name["beach.jpg"].taken == datetime(2019, 7, 14, 9, 30).astimezone().isoformat()
    assert by_name["beach.jpg"].to_json()["taken"] == by_name["beach.jpg"].taken


def test_date_filter_keeps_k_results_from_the_range(dated: Library, tmp_path: Path) -> None:
    query = tmp_path / "photos" / "scan.jpg"
    hits = dated.find_similar(query, k=2, taken_from=date(2019, 7, 14), taken_to=date(2020, 1, 5))
    # Three photos fall in the range (both ends inclusive): the best two of them, never fewer.
    assert len(hits) == 2
    assert {os.path.basename(h.path) for h in hits} <= {"beach.jpg", "Alps.jpg", "b.jpg"}
    only = dated.find_similar(query, k=10, taken_from=date(2021, 1, 1))
    assert names(only) == ["a.jpg"]
    assert names(dated.search(["beach"], k=10, taken_to=date(2018, 12, 24)).hits) == ["scan.jpg"]
    assert dated.search(["beach"], k=10, taken_to=date(2018, 12, 23)).hits == []
    with pytest.raises(UsageError, match="date range is empty"):
        dated.search(["beach"], taken_from=date(2021, 1, 2), taken_to=date(2021, 1, 1))


def test_forgotten_photos_leave_browsing_and_results(dated: Library, tmp_path: Path) -> None:
    gone = tmp_path / "photos" / "2019" / "summer" / "beach.jpg"
    assert dated.forget_photos([str(gone)]) == 1
    assert "beach.jpg" not in names(dated.browse())
    assert str(gone) not in [
        h.path for h in dated.find_similar(tmp_path / "photos" / "scan.jpg", 10)
    ]
    assert dated.folder_tree()[0].count == 4


def test_removing_a_folder_can_be_undone_without_embedding_again(
    dated: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "photos"
    before = names(dated.browse())
    assert dated.remove_folder(root) == 5
    assert dated.browse() == [] and dated.folder_tree() == []

    def no_encoding(*args: object) -> None:
        raise AssertionError("restoring a folder must not run the model")

    monkeypatch.setattr(type(dated.encoder), "encode", no_encoding)
    assert dated.restore_folder(root) == 5
    assert names(dated.browse()) == before and dated.folders() == [root]
    assert len(dated.find_similar(root / "scan.jpg", k=10)) == 4
    with pytest.raises(PhotoSearchError, match="already a library folder"):
        dated.restore_folder(root)


def test_vanished_photos_are_not_brought_back_by_an_undo(dated: Library, tmp_path: Path) -> None:
    root = tmp_path / "photos"
    (root / "scan.jpg").unlink()
    run_index(dated)  # scan.jpg is marked deleted: it vanished, no removal took it
    dated.remove_folder(root)
    assert dated.restore_folder(root) == 4
    assert "scan.jpg" not in names(dated.browse())


def test_a_copy_found_by_its_content_gets_its_own_date(
    dated: Library, tmp_path: Path, encoder_spy: EncoderSpy
) -> None:
    source = tmp_path / "photos" / "2019" / "summer" / "beach.jpg"
    copy = tmp_path / "photos" / "copy.jpg"
    shutil.copyfile(source, copy)
    set_mtime(copy, "2023-03-03T03:03:03")
    phases = []
    run = dated.index()
    try:
        while True:
            phases.append(next(run).phase)
    except StopIteration:
        pass
    assert encoder_spy.photos == 0  # known content: its stored vector is reused
    assert "dates" in phases  # the copy's EXIF date was read after the index run
    taken = {os.path.basename(p.path): p.taken for p in dated.browse()}
    assert taken["copy.jpg"] == datetime(2019, 7, 14, 9, 30).astimezone()
