"""Near-duplicate groups from image vectors: copies group together, different photos do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import core.browse.duplicates
from core.browse.duplicates import near_duplicate_groups, similar_pairs
from core.errors import UsageError
from core.library import Library
from core.storage.profile import resolve_profile
from tests.conftest import PASCAL_DIR, PASCAL_MISSING, run_index


def planted(n: int, dim: int, copies: dict[int, list[int]], seed: int = 0) -> np.ndarray:
    """n random vectors; each row in copies[source] is source plus a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, dim)).astype(np.float32)
    for source, rows in copies.items():
        for r in rows:
            x[r] = x[source] + rng.normal(0, 0.05, dim)
    return x


def test_copies_group_and_everything_else_stays_apart() -> None:
    x = planted(300, 64, {3: [150, 299], 10: [11]})
    assert near_duplicate_groups(x, 0.9) == [[3, 150, 299], [10, 11]]
    assert near_duplicate_groups(x, 0.9999) == []


def test_every_pair_is_found_whatever_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    x = np.abs(rng.normal(0, 1, (1500, 512))).astype(np.float32)
    x[1000:1400] = np.abs(x[:400] + rng.normal(0, 0.35, (400, 512)))
    whole = sorted(similar_pairs(x, 0.95))
    assert 100 < len(whole) < 400  # some copies fall below the threshold, most do not
    monkeypatch.setattr(core.browse.duplicates, "BLOCK_SCORES", 1)  # blocks of 16 rows
    assert sorted(similar_pairs(x, 0.95)) == whole
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cosines = unit @ unit.T
    i, j = np.nonzero(np.triu(cosines >= 0.95, k=1))
    assert [(a, b) for a, b, _ in whole] == list(zip(i.tolist(), j.tolist(), strict=True))


@pytest.mark.skipif(not (PASCAL_DIR / "images").is_dir(), reason=PASCAL_MISSING)
def test_library_groups_a_resized_and_a_cropped_copy(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    sources = sorted((PASCAL_DIR / "images" / "dog").glob("*.jpg"))[:6]
    for src in sources:
        with Image.open(src) as im:
            im.save(folder / src.name, quality=95)
    with Image.open(sources[0]) as im:
        w, h = im.size
        im.resize((w // 2, h // 2)).save(folder / "small.jpg", quality=90)
        im.crop((w // 20, h // 20, w - w // 20, h - h // 20)).save(folder / "crop.jpg")
    library = Library(resolve_profile(tmp_path / "profile"))
    library.add_folder(folder)
    run_index(library)
    groups = library.near_duplicates()
    assert [sorted(Path(p).name for p in g) for g in groups] == [
        sorted([sources[0].name, "small.jpg", "crop.jpg"])
    ]
    assert (
        library.near_duplicates(threshold=0.0)[0] != groups[0]
    )  # a loose threshold: one big group
    with pytest.raises(UsageError, match="cosine"):
        library.near_duplicates(threshold=1.5)
    library.close()
