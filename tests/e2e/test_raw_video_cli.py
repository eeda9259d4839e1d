"""RAW files and videos through the real command line: what is indexed, what is skipped and
why, dates, RAW+JPEG pairs, and a video's poster frame found by look and by word."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import CliResult, IndexedLibrary, run_cli
from tests.core.test_raw import RAW_SAMPLES
from tests.media_files import CAMERA_MAKES, write_raw, write_video

pytest.importorskip("av", reason="the `video` extra (PyAV) is not installed")

Cli = Callable[..., CliResult]
USABLE = [
    "blackmagic_pocket_cinema_4k.dng",
    "fujifilm_s5pro_exiftool_stripped.raf",
    "nikon_coolscan_iv_ed_scanner.nef",
    "nikon_d70s_issue247-1_truncated.nef",
    "nikon_d70s_issue247-2_truncated.nef",
]
UNUSABLE = {
    "apple_iphone12pro_exiv2_stripped.dng": "no preview and no raw data",
    "canon_350d_exiftool_stripped.dng": "no preview and no raw data",
    "panasonic_dmc-lx3_exiftool_stripped.rw2": "placeholder preview (8x8 pixels)",
    "sigma_dp2_exiftool_stripped.x3f": "placeholder preview (8x8 pixels)",
}


@pytest.fixture(scope="module")
def media_library(
    pascal_photos: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> IndexedLibrary:
    """Real photos as JPEG, as generated RAW files and inside generated videos."""
    folder = tmp_path_factory.mktemp("media") / "library"
    folder.mkdir()
    dog, cat, boat, person = (pascal_photos[c] for c in ("dog", "cat", "boat", "person"))
    shutil.copyfile(dog[0], folder / "dog.jpg")
    with Image.open(dog[0]) as d, Image.open(cat[1]) as c:
        write_video(folder / "dog-clip.mp4", [d], seconds=3)
        write_video(folder / "cat-clip.mkv", [c], seconds=3)
    shutil.copyfile(cat[0], folder / "IMG_0001.JPG")
    with Image.open(cat[0]) as c, Image.open(boat[0]) as b, Image.open(person[0]) as p:
        write_raw(folder / "IMG_0001.CR2", c, CAMERA_MAKES[0])
        write_raw(folder / "boat.arw", b, CAMERA_MAKES[3], taken="2016:08:09 07:05:00")
        write_raw(folder / "person.dng", p, CAMERA_MAKES[-1], preview_side=None)
    data_dir = tmp_path_factory.mktemp("media-profile")
    result = run_cli(data_dir, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return IndexedLibrary(data_dir, folder, {"dog": dog, "cat": cat, "person": person})


def test_raw_files_and_videos_are_indexed_and_counted(cli: Cli, media_library: IndexedLibrary):
    status = cli(media_library.data_dir, "status", "--json").json()
    # dog.jpg, IMG_0001.JPG (with its CR2), boat.arw, person.dng and the two videos.
    assert status["photos"] == 6 and status["skipped"] == []
    assert status["kinds"] == {"photo": 2, "raw": 2, "video": 2}
    assert status["companions"] == {"raw": 1, "video": 0}  # IMG_0001.CR2 with IMG_0001.JPG
    text = cli(media_library.data_dir, "status")
    assert "photos: 6 indexed (2 RAW, 2 videos; 1 RAW file shown with their JPEG)" in text.stdout
    again = cli(media_library.data_dir, "index", "--json").json()
    assert again["unchanged"] == 6 and again["companions"] == 1


def test_a_video_is_found_by_the_photo_its_poster_shows(cli: Cli, media_library: IndexedLibrary):
    query = media_library.folder / "dog.jpg"
    hits = cli(media_library.data_dir, "similar", str(query), "-k", "1", "--json").json()
    assert hits[0]["path"] == str(media_library.folder / "dog-clip.mp4")
    assert hits[0]["kind"] == "video" and hits[0]["duration"] == pytest.approx(3, abs=0.2)
    assert hits[0]["taken"].startswith("2018-05-04")
    words = cli(media_library.data_dir, "search", "cat", "-k", "2", "--json").json()
    assert {h["path"] for h in words} == {
        str(media_library.folder / "cat-clip.mkv"),
        str(media_library.folder / "IMG_0001.JPG"),
    }


def test_a_raw_and_its_jpeg_are_one_photo_listing_both_files(
    cli: Cli, media_library: IndexedLibrary
):
    hits = cli(media_library.data_dir, "search", "cat", "-k", "10", "--json").json()
    paths = [h["path"] for h in hits]
    assert str(media_library.folder / "IMG_0001.CR2") not in paths
    pair = next(h for h in hits if h["path"].endswith("IMG_0001.JPG"))
    assert pair["kind"] == "photo"
    assert pair["companions"] == [str(media_library.folder / "IMG_0001.CR2")]


def test_raw_files_carry_their_own_date_and_a_demosaiced_one_is_found(
    cli: Cli, media_library: IndexedLibrary
):
    boat = media_library.folder / "boat.arw"
    hits = cli(media_library.data_dir, "similar", str(boat), "-k", "10", "--json").json()
    by_path = {h["path"]: h for h in hits}
    assert all(h["kind"] in ("photo", "raw", "video") for h in hits)
    # A query file outside the library: the person photo the DNG without preview was made of.
    query = media_library.photos["person"][0]
    top = cli(media_library.data_dir, "similar", str(query), "-k", "1", "--json").json()[0]
    assert top["path"] == str(media_library.folder / "person.dng") and top["kind"] == "raw"
    assert top["taken"].startswith("2019-07-14T10:30:00")
    assert str(boat) not in by_path  # the query itself is left out
    # The RAW's EXIF date, not the file's mtime.
    dated = cli(media_library.data_dir, "similar", str(query), "-k", "10", "--json").json()
    boat_hit = next(h for h in dated if h["path"] == str(boat))
    assert datetime.fromisoformat(boat_hit["taken"]).replace(tzinfo=None) == datetime(
        2016, 8, 9, 7, 5
    )


def test_removing_the_jpeg_makes_the_raw_a_photo_of_its_own(cli: Cli, tmp_path, pascal_photos):
    folder = tmp_path / "pair"
    folder.mkdir()
    shutil.copyfile(pascal_photos["cat"][0], folder / "DSC_1.jpg")
    with Image.open(pascal_photos["cat"][0]) as c:
        write_raw(folder / "DSC_1.NEF", c, CAMERA_MAKES[1])
    data_dir = tmp_path / "profile"
    first = cli(data_dir, "index", str(folder), "--json").json()
    assert (first["added"], first["companions"]) == (1, 1)
    (folder / "DSC_1.jpg").unlink()
    second = cli(data_dir, "index", "--json").json()
    assert (second["added"], second["removed"], second["companions"]) == (1, 1, 0)
    hits = cli(data_dir, "search", "cat", "--json").json()
    assert [(h["path"], h["kind"]) for h in hits] == [(str(folder / "DSC_1.NEF"), "raw")]


def test_a_live_photos_clip_is_shown_with_its_still(cli: Cli, tmp_path, pascal_photos):
    """An iPhone export: IMG_0005.HEIC/JPG and its 3-second IMG_0005.MOV are one photo; a film
    beside its thumbnail, and a clip alone, stay videos of their own."""
    folder = tmp_path / "iphone"
    folder.mkdir()
    dog, cat = pascal_photos["dog"], pascal_photos["cat"]
    shutil.copyfile(dog[0], folder / "IMG_0005.JPG")
    with Image.open(dog[0]) as d, Image.open(cat[0]) as c, Image.open(cat[1]) as c2:
        write_video(folder / "IMG_0005.MOV", [d], seconds=3)
        write_video(folder / "IMG_0006.MOV", [c], seconds=3)  # a clip alone: a video
        write_video(folder / "film.mp4", [c2], seconds=3)
        c2.save(folder / "film.jpg")  # a film's thumbnail does not hide the film
    data_dir = tmp_path / "profile"
    summary = cli(data_dir, "index", str(folder), "--json").json()
    assert (summary["added"], summary["companions"]) == (4, 1)
    status = cli(data_dir, "status", "--json").json()
    assert status["kinds"] == {"photo": 2, "raw": 0, "video": 2}
    assert status["companions"] == {"raw": 0, "video": 1}
    text = cli(data_dir, "status").stdout
    assert "photos: 4 indexed (2 videos; 1 Live Photo clip shown with their still)" in text
    again = cli(data_dir, "index").stdout
    assert "1 file (RAW, Live Photo clips) shown with the picture of the same name" in again
    hits = cli(data_dir, "search", "dog", "-k", "10", "--json").json()
    still = next(h for h in hits if h["path"].endswith("IMG_0005.JPG"))
    assert still["companions"] == [str(folder / "IMG_0005.MOV")]
    assert str(folder / "IMG_0005.MOV") not in [h["path"] for h in hits]


@pytest.mark.shared_data
def test_the_raw_samples_are_indexed_or_skipped_with_their_reason(cli: Cli, tmp_path):
    if not RAW_SAMPLES.is_dir():
        pytest.skip(f"needs the shared RAW samples in {RAW_SAMPLES}, which are absent")
    folder = tmp_path / "samples"
    shutil.copytree(RAW_SAMPLES, folder)
    data_dir = tmp_path / "profile"
    summary = cli(data_dir, "index", str(folder), "--json").json()
    assert (summary["added"], summary["raw"]) == (len(USABLE), len(USABLE))
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert reasons.keys() == UNUSABLE.keys()
    for name, reason in UNUSABLE.items():
        assert reason in reasons[name]
    status = cli(data_dir, "status", "--json").json()
    assert {Path(s["path"]).name: s["reason"] for s in status["skipped"]} == reasons
    text = cli(data_dir, "status")
    assert "placeholder preview (8x8 pixels)" in text.stdout


def test_without_pyav_videos_are_counted_and_the_extra_is_named(cli: Cli, tmp_path, pascal_photos):
    folder = tmp_path / "videos"
    folder.mkdir()
    with Image.open(pascal_photos["dog"][0]) as d:
        write_video(folder / "a.mp4", [d])
        write_video(folder / "b.webm", [d])
    # A package named av that fails to import stands in for a missing PyAV.
    fake = tmp_path / "no-av" / "av"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('PyAV hidden by the test')\n")
    hidden = {"PYTHONPATH": str(fake.parent)}
    data_dir = tmp_path / "profile"
    summary = cli(data_dir, "index", str(folder), "--json", env=hidden).json()
    assert summary["videos_unsupported"] == 2 and summary["added"] == 0
    text = cli(data_dir, "index", env=hidden)
    assert "2 videos not indexed: video support is not installed: " in text.stdout
    assert "pip install 'photo-search[video]'" in text.stdout
    installed = cli(data_dir, "index", "--json").json()
    assert (installed["added"], installed["videos"], installed["videos_unsupported"]) == (2, 2, 0)
