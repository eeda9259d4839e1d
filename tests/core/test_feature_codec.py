"""The catalog's 8-bit feature format, reading old float16 catalogs, and upgrading them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.storage.catalog import Catalog
from core.storage.feature_codec import decode, encode, migrate_features_v2
from tests.core.storage_helpers import MODEL, add_photos, clustered


def test_values_come_back_within_half_a_step() -> None:
    x = np.random.default_rng(0).uniform(0, 6, 1280).astype(np.float32)
    blob = encode(x)
    assert len(blob) == 1280 + 8  # half the 2,560 bytes of float16
    assert np.abs(decode(blob, 1280) - x).max() <= 6 / 255 / 2 + 1e-6
    flat = np.full(16, 2.5, np.float32)
    assert decode(encode(flat), 16) == pytest.approx(flat)


def test_a_blob_of_the_wrong_size_is_an_error_not_garbage() -> None:
    with pytest.raises(ValueError, match="does not hold"):
        decode(b"\0" * 100, 1280)


def old_catalog(path: Path, feats: np.ndarray) -> Catalog:
    """A catalog as the previous release wrote it: float16 feature blobs."""
    catalog = Catalog(path)
    ids = add_photos(catalog, feats)
    with catalog.transaction() as c:
        for pid, f in zip(ids, feats, strict=True):
            c.execute(
                "UPDATE features SET vector = ? WHERE photo_id = ?",
                (f.astype(np.float16).tobytes(), pid),
            )
    return catalog


def test_old_float16_catalogs_are_read_and_upgraded_in_place(tmp_path: Path) -> None:
    feats = clustered(np.random.default_rng(1), 50, 1280)
    catalog = old_catalog(tmp_path / "catalog.sqlite3", feats)
    before = catalog.features(list(range(1, 51)), MODEL, 1280)
    assert before == pytest.approx(feats.astype(np.float16).astype(np.float32))

    conn = sqlite3.connect(tmp_path / "catalog.sqlite3", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    assert migrate_features_v2(conn, batch=7) == 50
    conn.execute("COMMIT")
    sizes = {r[0] for r in conn.execute("SELECT length(vector) FROM features")}
    assert sizes == {1288}
    conn.close()

    after = Catalog(tmp_path / "catalog.sqlite3")
    upgraded = after.features(list(range(1, 51)), MODEL, 1280)
    assert np.abs(upgraded - before).max() <= 6 / 255
    chunks = list(after.iter_features(MODEL, 1280))
    assert np.concatenate([f for _, f in chunks]) == pytest.approx(upgraded)
