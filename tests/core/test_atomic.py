"""The one atomic-write helper: all or nothing, private by default, safe under concurrency."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from core.storage.atomic import atomic_path, atomic_write_bytes


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "index.ann"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.ann"]


def test_files_are_private_unless_asked_otherwise(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "catalog-paths.json", b"{}")
    atomic_write_bytes(tmp_path / "manifest.json", b"{}", mode=0o644)
    assert stat.S_IMODE((tmp_path / "catalog-paths.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "manifest.json").stat().st_mode) == 0o644


def test_concurrent_writers_never_collide(tmp_path: Path) -> None:
    target = tmp_path / "features.npy"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(50):
                with atomic_path(target, durable=False) as tmp:
                    tmp.write_bytes(bytes([n]) * 1000)
        except BaseException as e:  # collected: a thread's exception would be lost
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    data = target.read_bytes()
    assert len(data) == 1000 and len(set(data)) == 1  # one writer's whole file, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["features.npy"]
