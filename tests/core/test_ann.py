"""Annoy indexes on disk (the GloVe word index): nearest items with their cosines, verified
before use, rebuilt when stale or damaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.vectors.ann import AnnStore, angular_to_cosine, unit_rows
from tests.conftest import garble, truncate


def rows(n: int = 500, dim: int = 16) -> list[tuple[np.ndarray, np.ndarray]]:
    v = np.random.default_rng(0).normal(0, 1, (n, dim)).astype(np.float32)
    return [(np.arange(0, 250) + 100, v[:250]), (np.arange(250, n) + 100, v[250:])]


def test_query_returns_external_ids_and_cosines(tmp_path: Path) -> None:
    index = AnnStore(tmp_path, "words", 16).build(rows(), {"source": "test"})
    v = np.concatenate([r[1] for r in rows()])
    hits = index.query(v[42], 5)
    assert hits[0][0] == 142 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    unit = unit_rows(v)
    for pid, cos in hits:
        assert cos == pytest.approx(float(unit[pid - 100] @ unit[42]), abs=1e-4)
    assert len(index.query(v[0], 10_000)) == 500


def test_angular_distance_converts_to_cosine() -> None:
    assert angular_to_cosine(0.0) == 1.0
    assert angular_to_cosine(np.sqrt(2)) == pytest.approx(0.0)
    assert unit_rows(np.zeros((1, 3))).tolist() == [[0.0, 0.0, 0.0]]


@pytest.mark.parametrize("damage", [garble, truncate])
@pytest.mark.parametrize("suffix", [".ann", ".ids.npy", ".json"])
def test_damaged_or_stale_index_is_rebuilt(tmp_path: Path, suffix: str, damage: object) -> None:
    store = AnnStore(tmp_path, "words", 16)
    store.build(rows(), {"source": "test"})
    damage(tmp_path / f"words{suffix}")  # type: ignore[operator]
    assert store.load() is None
    built = []
    index = store.load_or_build(lambda meta: True, lambda: built.append(1) or rows(), {})
    assert built == [1] and index.query(rows()[0][1][7], 1)[0][0] == 107
    again = store.load_or_build(lambda meta: meta["items"] == 500, lambda: [], {})
    assert again.meta["items"] == 500  # current: loaded, not rebuilt from the empty rows
