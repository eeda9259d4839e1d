"""Issue 10.3: a 196 MP 16-bit PNG (under the pixel cap) decodes within 1 GiB of address space.

The indexer's whole-process peak is in benchmarks/decode_memory.py; here the decode runs under
a hard ceiling (RLIMIT_AS), so a float64 or full-size 8-bit copy makes it fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.decode_memory import write_big_png, write_sparse
from tests.conftest import REPO_ROOT

CEILING = 1 << 30

CHILD = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({ceiling}, {ceiling}))
from core.media.decode import load_photo
loaded = load_photo(Path(sys.argv[1]), 224)
print(loaded.width, loaded.height, loaded.pixels.shape, loaded.pixels.dtype, loaded.pixels.mean())
"""


def decode_under_ceiling(path: Path) -> subprocess.CompletedProcess[str]:
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", CHILD.format(ceiling=CEILING), str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "scan.png"
    return write_big_png(path, 14000, 14000, "grey", 16)


def test_a_196_megapixel_16_bit_png_decodes_under_a_1_gib_ceiling(huge_png: Path) -> None:
    done = decode_under_ceiling(huge_png)
    assert done.returncode == 0, done.stderr[-2000:]
    width, height, *_, mean = done.stdout.split()
    assert (int(width), int(height)) == (14000, 14000)  # the file's own size is recorded
    assert "(224, 224, 3) uint8" in done.stdout
    # A left-to-right ramp from black to white: the centre crop averages mid grey.
    assert 110 < float(mean) < 145


def test_a_sparse_500_mb_file_is_hashed_without_reading_it_into_memory(tmp_path: Path) -> None:
    path = write_sparse(tmp_path / "sparse.png", 500 * 2**20)
    done = decode_under_ceiling(path)
    assert done.returncode == 1
    assert "MemoryError" not in done.stderr
    assert "DecodeError: not an image" in done.stderr
