"""Issue 10.6: bit rot in the feature cache is found on load, even with the mtime unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import core.vectors.feature_cache
from core.library import Library
from core.storage.profile import resolve_profile
from tests.conftest import make_photos, run_index


def test_a_rotten_feature_cache_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    photos = make_photos(folder, 8)
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    run_index(library, [folder])
    before = library.find_similar(photos[0], k=7, class_name="tabby cat")
    cache = library.feature_cache
    assert cache.load() is not None

    # Flip bits in the photo ids (8 photos: no sketch) and put the old mtime back, as a bad
    # sector would: the same size, the same mtime, other bytes.
    rotten = cache.paths["ids.npy"]
    st = rotten.stat()
    with open(rotten, "r+b") as f:
        f.seek(st.st_size - 16)
        f.write(np.full(2, -1, np.int64).tobytes())
    os.utime(rotten, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert rotten.stat().st_size == st.st_size
    core.vectors.feature_cache._VERIFIED.clear()  # a new process: nothing verified yet

    fresh = Library(profile)
    assert fresh.feature_cache.load() is None
    after = fresh.find_similar(photos[0], k=7, class_name="tabby cat")
    assert [h.path for h in after] == [h.path for h in before]
    assert np.allclose([h.score for h in after], [h.score for h in before], atol=1e-3)
