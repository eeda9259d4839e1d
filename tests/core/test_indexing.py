"""Incremental indexing in-process: what is re-read, re-embedded, moved, skipped or kept."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

import core.indexing.scan
import core.media.decode
from core.errors import LibraryBusyError
from core.library import Library
from core.progress import Progress
from core.storage.lock import IndexLock
from tests.conftest import EncoderSpy, make_photo, make_photos, run_index


@pytest.fixture
def indexed(library: Library, synthetic_folder: Path) -> Library:
    """The library with the eight synthetic photos indexed."""
    library.add_folder(synthetic_folder)
    summary = run_index(library)
    assert summary.added == 8
    return library


@pytest.fixture
def decode_spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the indexer reads from disk (to hash and maybe decode)."""
    calls: list[str] = []
    real = core.media.decode.load_photo

    def counting(path: Path, size: int, known: frozenset[bytes] = frozenset()) -> Any:
        calls.append(str(path))
        return real(path, size, known)

    monkeypatch.setattr(core.indexing.scan, "load_photo", counting)
    return calls


def similar_paths(library: Library, image: Path, k: int = 50) -> list[str]:
    return [h.path for h in library.find_similar(image, k)]


def test_first_run_reports_every_photo_added(library: Library, synthetic_folder: Path) -> None:
    library.add_folder(synthetic_folder)
    summary = run_index(library)
    assert (summary.added, summary.unchanged, summary.removed, summary.skipped) == (8, 0, 0, [])
    assert library.photos() == sorted(str(p) for p in synthetic_folder.iterdir())


def test_unchanged_files_are_not_read_again(
    indexed: Library, decode_spy: list[str], encoder_spy: EncoderSpy
) -> None:
    summary = run_index(indexed)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 8)
    assert decode_spy == []
    assert encoder_spy.photos == 0


def test_touched_file_with_same_content_is_not_embedded_again(
    indexed: Library, synthetic_folder: Path, encoder_spy: EncoderSpy
) -> None:
    photo = synthetic_folder / "photo0003.jpg"
    later = time.time() + 100
    os.utime(photo, (later, later))
    summary = run_index(indexed)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 8)
    assert encoder_spy.photos == 0


def test_renamed_file_reuses_its_vector(
    indexed: Library, synthetic_folder: Path, encoder_spy: EncoderSpy
) -> None:
    query = synthetic_folder / "photo0000.jpg"
    before = similar_paths(indexed, query)
    old, new = synthetic_folder / "photo0005.jpg", synthetic_folder / "sub" / "renamed.jpg"
    new.parent.mkdir()
    old.rename(new)
    summary = run_index(indexed)
    assert (summary.moved, summary.added, summary.removed, summary.unchanged) == (1, 0, 0, 7)
    assert encoder_spy.photos == 0
    after = similar_paths(indexed, query)
    assert after == [str(new) if p == str(old) else p for p in before]


def test_deleted_file_leaves_the_results(indexed: Library, synthetic_folder: Path) -> None:
    gone = synthetic_folder / "photo0002.jpg"
    query = synthetic_folder / "photo0000.jpg"
    assert str(gone) in similar_paths(indexed, query)
    gone.unlink()
    summary = run_index(indexed)
    assert (summary.removed, summary.unchanged) == (1, 7)
    assert str(gone) not in indexed.photos()
    assert str(gone) not in similar_paths(indexed, query)
    assert len(similar_paths(indexed, query)) == 6


def test_modified_file_is_embedded_again(
    indexed: Library, synthetic_folder: Path, encoder_spy: EncoderSpy
) -> None:
    photo = synthetic_folder / "photo0004.jpg"
    stored_before = indexed.query_photo(photo).features.copy()
    make_photo(photo, seed=999, size=(120, 90))
    summary = run_index(indexed)
    assert (summary.updated, summary.added, summary.unchanged) == (1, 0, 7)
    assert encoder_spy.photos == 1
    assert not (indexed.query_photo(photo).features == stored_before).all()


def test_copied_file_is_added_without_running_the_model(
    indexed: Library, synthetic_folder: Path, encoder_spy: EncoderSpy
) -> None:
    src, copy = synthetic_folder / "photo0001.jpg", synthetic_folder / "copy of photo0001.jpg"
    shutil.copy2(src, copy)
    summary = run_index(indexed)
    assert (summary.added, summary.moved, summary.unchanged) == (1, 0, 8)
    assert encoder_spy.photos == 0
    assert {str(src), str(copy)} <= set(indexed.photos())
    # The copy looks exactly like the original: it is the best match.
    assert indexed.find_similar(src, 1)[0].path == str(copy)


def test_bad_files_are_skipped_with_a_reason_and_the_rest_indexed(
    library: Library, synthetic_folder: Path
) -> None:
    good = make_photo(synthetic_folder / "good.png", 50)
    (synthetic_folder / "empty.jpg").write_bytes(b"")
    (synthetic_folder / "notes.png").write_text("not a photo at all")
    data = (synthetic_folder / "photo0000.jpg").read_bytes()
    (synthetic_folder / "cut.jpg").write_bytes(data[: len(data) // 3])
    (synthetic_folder / "random.gif").write_bytes(os.urandom(3000))
    (synthetic_folder / "readme.txt").write_text("not a photo extension: ignored")
    library.add_folder(synthetic_folder)

    summary = run_index(library)
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    assert set(reasons) == {"empty.jpg", "notes.png", "cut.jpg", "random.gif"}
    assert "empty" in reasons["empty.jpg"]
    assert "not an image" in reasons["notes.png"]
    assert "truncated" in reasons["cut.jpg"]
    assert summary.added == 9
    assert str(good) in library.photos()
    assert {Path(s["path"]).name for s in library.status()["skipped"]} == set(reasons)

    # Known bad files are reported again without being read again.
    again = run_index(library)
    assert {Path(s.path).name for s in again.skipped} == set(reasons)
    assert (again.added, again.unchanged) == (0, 9)


def test_a_fixed_file_is_indexed_on_the_next_run(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    broken = folder / "later.jpg"
    broken.write_bytes(b"")
    library.add_folder(folder)
    assert [s.reason for s in run_index(library).skipped] == ["empty file (0 bytes)"]
    make_photo(broken, 3)
    summary = run_index(library)
    assert (summary.added, summary.skipped) == (1, [])
    assert library.photos() == [str(broken)]


def test_unreadable_file_is_skipped(
    library: Library, synthetic_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = synthetic_folder / "photo0006.jpg"
    real_open = open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    # We run as root in CI, where chmod 000 does not stop reads: refuse the open instead.
    monkeypatch.setattr(core.media.decode, "open", guarded_open, raising=False)
    library.add_folder(synthetic_folder)
    summary = run_index(library)
    assert [(s.path, s.reason) for s in summary.skipped] == [(str(locked), "permission denied")]
    assert summary.added == 7


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file"
)
def test_chmod_000_file_is_skipped(library: Library, synthetic_folder: Path) -> None:
    locked = synthetic_folder / "photo0006.jpg"
    locked.chmod(0)
    try:
        library.add_folder(synthetic_folder)
        summary = run_index(library)
    finally:
        locked.chmod(0o644)
    assert [(s.path, s.reason) for s in summary.skipped] == [(str(locked), "permission denied")]
    assert summary.added == 7


def test_symlink_loop_does_not_hang_or_duplicate(library: Library, synthetic_folder: Path) -> None:
    sub = synthetic_folder / "sub"
    sub.mkdir()
    make_photo(sub / "inner.jpg", 70)
    (sub / "loop").symlink_to("..", target_is_directory=True)
    (synthetic_folder / "self").symlink_to(".", target_is_directory=True)
    library.add_folder(synthetic_folder)
    start = time.monotonic()
    summary = run_index(library)
    assert time.monotonic() - start < 60
    assert summary.added == 9
    assert sorted(Path(p).name for p in library.photos()) == sorted(
        [f"photo{i:04d}.jpg" for i in range(8)] + ["inner.jpg"]
    )


def test_awkward_file_names_work_end_to_end(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "my photos"
    folder.mkdir()
    names = [b"caf\xe9.jpg", "naïve été.jpg".encode(), b"with space.png", b"plain.jpg"]
    paths = [os.fsdecode(os.path.join(os.fsencode(folder), n)) for n in names]
    for i, p in enumerate(paths):
        make_photo(p, 100 + i)
    library.add_folder(folder)
    summary = run_index(library)
    assert (summary.added, summary.skipped) == (4, [])
    assert sorted(library.photos()) == sorted(paths)
    latin1 = paths[0]
    hits = library.find_similar(latin1, 10)
    assert sorted(h.path for h in hits) == sorted(p for p in paths if p != latin1)
    # A second run recognises every name, including the one that is not UTF-8.
    assert run_index(library).unchanged == 4


def test_missing_folder_keeps_its_photos(indexed: Library, synthetic_folder: Path) -> None:
    unplugged = synthetic_folder.with_name("unplugged")
    synthetic_folder.rename(unplugged)
    summary = run_index(indexed)
    assert summary.missing_folders == [str(synthetic_folder)]
    assert summary.removed == 0
    assert len(indexed.photos()) == 8


def test_removed_folder_leaves_the_results(indexed: Library, synthetic_folder: Path) -> None:
    other = synthetic_folder.with_name("other")
    make_photos(other, 3, first_seed=40)
    indexed.add_folder(other)
    run_index(indexed)
    assert indexed.remove_folder(synthetic_folder) == 8
    hits = indexed.find_similar(other / "photo0040.jpg", 20)
    assert sorted(h.path for h in hits) == [
        str(other / "photo0041.jpg"),
        str(other / "photo0042.jpg"),
    ]


def catalog_check(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_interrupted_run_keeps_finished_batches_and_continues(
    library: Library, tmp_path: Path, encoder_spy: EncoderSpy
) -> None:
    folder = tmp_path / "many"
    make_photos(folder, 2 * core.indexing.scan.BATCH + 5)
    total = 2 * core.indexing.scan.BATCH + 5
    library.add_folder(folder)
    run = library.index()
    while len(library.photos()) == 0:
        step = next(run)
        assert isinstance(step, Progress)
    run.close()  # what the GUI's cancel button and the CLI's Ctrl+C do
    done = len(library.photos())
    assert 0 < done < total
    assert catalog_check(library.profile.catalog_path) == "ok"
    assert library.status()["photos"] == done

    encoder_spy.photos = 0
    summary = run_index(library)
    assert (summary.added, summary.unchanged) == (total - done, done)
    assert encoder_spy.photos == total - done
    assert len(library.photos()) == total


def test_second_indexer_is_refused_and_changes_nothing(
    indexed: Library, synthetic_folder: Path
) -> None:
    make_photo(synthetic_folder / "new.jpg", 77)
    with (
        IndexLock(indexed.profile.lock_path),
        pytest.raises(LibraryBusyError, match="being indexed"),
    ):
        run_index(indexed)
    assert len(indexed.photos()) == 8
    assert run_index(indexed).added == 1  # and the lock is free again afterwards


def test_new_photos_are_found_before_the_index_is_rebuilt(
    indexed: Library, synthetic_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Library, "refresh_indexes", lambda self, force=False: None)
    new = make_photos(synthetic_folder, 3, first_seed=20, prefix="new")
    assert run_index(indexed).added == 3
    status = indexed.image_index.status()
    assert status["pending"] == 3 and not status["fresh"]
    hits = {h.path for h in indexed.find_similar(synthetic_folder / "photo0000.jpg", 20)}
    assert {str(p) for p in new} <= hits
    assert len(hits) == 10
    # A copy of a new photo is its best match, found although neither is in the Annoy index.
    twin = synthetic_folder / "twin.jpg"
    shutil.copy(new[0], twin)
    run_index(indexed)
    assert indexed.find_similar(new[0], 1)[0].path == str(twin)
    searched = {h.path for h in indexed.search(["colour"], 20).hits}
    assert {str(p) for p in new} <= searched


def test_removed_photos_never_appear_before_the_index_is_rebuilt(
    indexed: Library, synthetic_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Library, "refresh_indexes", lambda self, force=False: None)
    gone = [synthetic_folder / f"photo000{i}.jpg" for i in (1, 2)]
    for p in gone:
        p.unlink()
    assert run_index(indexed).removed == 2
    assert indexed.image_index.status()["removed_since_build"] == 2
    for k in (1, 3, 10):
        hits = [h.path for h in indexed.find_similar(synthetic_folder / "photo0000.jpg", k)]
        assert len(hits) == min(k, 5)
        assert not {str(p) for p in gone} & set(hits)
        words = [h.path for h in indexed.search(["colour"], k).hits]
        assert len(words) == min(k, 6)
        assert not {str(p) for p in gone} & set(words)


def test_removing_a_folder_keeps_library_folders_nested_in_it(
    library: Library, tmp_path: Path
) -> None:
    outer, inner = tmp_path / "trips", tmp_path / "trips" / "2020"
    make_photos(outer, 3)
    kept = make_photos(inner, 3, first_seed=10)
    library.add_folder(outer)
    library.add_folder(inner)
    assert run_index(library).added == 6
    assert library.remove_folder(outer) == 3
    assert library.photos() == sorted(str(p) for p in kept)
    hits = library.find_similar(kept[0], 10)
    assert sorted(h.path for h in hits) == [str(p) for p in kept[1:]]
    summary = run_index(library)
    assert (summary.added, summary.removed, summary.unchanged) == (0, 0, 3)


def test_removing_a_folder_inside_another_library_folder_keeps_its_photos(
    library: Library, tmp_path: Path
) -> None:
    outer, inner = tmp_path / "trips", tmp_path / "trips" / "2020"
    make_photos(outer, 2)
    make_photos(inner, 2, first_seed=10)
    library.add_folder(outer)
    library.add_folder(inner)
    run_index(library)
    assert library.remove_folder(inner) == 0
    assert len(library.photos()) == 4
