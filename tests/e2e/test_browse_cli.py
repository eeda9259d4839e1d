"""The real command line: capture dates in the JSON, --from/--to, and `duplicates`."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from core.media.dates import read_taken
from tests.conftest import CliResult, IndexedLibrary

Cli = Callable[..., CliResult]
YEARS = (2011, 2013, 2015, 2017)


@pytest.fixture(scope="module")
def dated_library(
    pascal_photos: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> IndexedLibrary:
    """Sixteen real photos without EXIF dates, four from each of YEARS (by mtime), plus a
    half-size copy and a JPEG quality 60 copy of the first cat."""
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("dated") / "photos"
    folder.mkdir()
    sources = [p for ps in pascal_photos.values() for p in ps if read_taken(p) is None][:16]
    for n, src in enumerate(sources):
        dst = folder / src.name
        shutil.copyfile(src, dst)
        t = datetime(YEARS[n % 4], 6, 1 + n, 12).timestamp()
        os.utime(dst, (t, t))
    cat = pascal_photos["cat"][0]
    with Image.open(cat) as im:
        im.resize((im.width // 2, im.height // 2)).save(folder / "cat-small.jpg", quality=92)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=60)
    (folder / "cat-q60.jpg").write_bytes(buf.getvalue())
    data_dir = tmp_path_factory.mktemp("dated-profile")
    result = run_cli(data_dir, "index", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    return IndexedLibrary(data_dir, folder, {"all": sorted(folder.iterdir())})


def year(hit: dict[str, object]) -> int:
    return datetime.fromisoformat(str(hit["taken"])).year


def test_similar_and_search_json_carry_the_capture_date(
    cli: Cli, dated_library: IndexedLibrary
) -> None:
    query = dated_library.folder / "cat-small.jpg"
    hits = cli(dated_library.data_dir, "similar", str(query), "-k", "30", "--json").json()
    keys = {"path", "score", "taken", "place", "kind", "companions"}
    assert len(hits) == 17 and all(set(h) == keys for h in hits)
    assert {year(h) for h in hits} >= set(YEARS)
    found = cli(dated_library.data_dir, "search", "cat", "-k", "3", "--json").json()
    assert all(datetime.fromisoformat(h["taken"]).tzinfo is not None for h in found)


def test_from_and_to_narrow_results_to_whole_days_and_keep_k(
    cli: Cli, dated_library: IndexedLibrary
) -> None:
    query = dated_library.folder / "cat-small.jpg"
    args = ["similar", str(query), "--from", "2013-01-01", "--to", "2015-12-31", "-k", "5"]
    hits = cli(dated_library.data_dir, *args, "--json").json()
    # Eight photos were taken in 2013-2015: the best five of them, however the others rank.
    assert len(hits) == 5 and {year(h) for h in hits} <= {2013, 2015}
    words = ["search", "--to", "2011-12-31", "cat", "-people", "-k", "10", "--json"]
    found = cli(dated_library.data_dir, *words).json()
    assert len(found) == 4 and {year(h) for h in found} == {2011}


@pytest.mark.parametrize("bad", ["2021-13-01", "yesterday", "2021/01/05"])
def test_a_bad_date_is_a_usage_error(cli: Cli, pascal_library: IndexedLibrary, bad: str) -> None:
    result = cli(pascal_library.data_dir, "search", "cat", "--from", bad)
    assert result.returncode == 2 and "not a date (YYYY-MM-DD)" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_date_range_is_a_usage_error(cli: Cli, pascal_library: IndexedLibrary) -> None:
    query = str(pascal_library.photos["dog"][0])
    result = cli(
        pascal_library.data_dir, "similar", query, "--from", "2020-02-01", "--to", "2020-01-01"
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: the date range is empty: --from 2020-02-01 is after --to 2020-01-01" in (
        result.stderr
    )


def test_duplicates_groups_the_copies_of_a_photo(
    cli: Cli, dated_library: IndexedLibrary, pascal_photos: dict[str, list[Path]]
) -> None:
    result = cli(dated_library.data_dir, "duplicates", "--json")
    assert result.returncode == 0, result.stderr
    groups = result.json()
    names = [sorted(Path(p).name for p in g) for g in groups]
    assert [pascal_photos["cat"][0].name, "cat-q60.jpg", "cat-small.jpg"] in names
    assert sum(len(g) for g in groups) <= 5  # different photos stay apart
    text = cli(dated_library.data_dir, "duplicates")
    assert "cat-q60.jpg" in text.stdout and text.stdout.startswith("group 1")
