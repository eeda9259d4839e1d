"""The package as a user installs it: a wheel in a fresh virtualenv, run from outside the checkout.

`pip install .` must give `photosearch` and `photosearch-gui` commands that work on their own,
models and word lists included. To stay fast and offline-safe the wheel is built without
build isolation (setuptools from the dev dependencies) and installed with --no-deps; the new
virtualenv sees this one's site-packages through a .pth file instead of downloading again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from main import __version__
from tests.conftest import REPO_ROOT, make_photos

pytestmark = pytest.mark.slow

# What `pip install .` needs from the checkout (benchmarks/, tests/ and docs/ stay behind).
PACKAGE_FILES = ["pyproject.toml", "README.md", "main.py", "cli.py"]
PACKAGE_DIRS = ["core", "gui", "export", "evaluation", "resources"]


def run(cmd: list[str | Path], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PHOTOSEARCH_DATA_DIR")}
    return subprocess.run(
        [os.fspath(c) for c in cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtualenv with the package's wheel installed."""
    pytest.importorskip("setuptools", minversion="77", reason="building the wheel needs it")
    root = tmp_path_factory.mktemp("install")
    src = root / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGE_DIRS:
        shutil.copytree(REPO_ROOT / name, src / name, ignore=ignore)
    for name in PACKAGE_FILES:
        shutil.copy2(REPO_ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", root / "wheels", src], root
    )
    assert built.returncode == 0, built.stderr
    venv = root / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", venv], root)
    assert made.returncode == 0, made.stderr
    wheel = next((root / "wheels").glob("photo_search-*.whl"))
    python = venv / "bin" / "python"
    done = run([*pip, "--python", python, "install", "--no-deps", wheel], root)
    assert done.returncode == 0, done.stderr
    # The dependencies come from this environment, after the venv's own site-packages. Only
    # now: had pip seen this environment's (editable) photo-search, it would replace it.
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib.stdout.strip(), "_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return venv / "bin"


def test_installed_commands_report_their_version(installed: Path, tmp_path: Path) -> None:
    for command in ("photosearch", "photosearch-gui"):
        result = run([installed / command, "--version"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"photosearch {__version__}"


def test_installed_photosearch_indexes_and_searches(installed: Path, tmp_path: Path) -> None:
    photos = make_photos(tmp_path / "photos", 6)
    profile = tmp_path / "profile"
    ps = [installed / "photosearch", "--data-dir", profile]

    indexed = run([*ps, "index", tmp_path / "photos", "--json"], tmp_path)
    assert indexed.returncode == 0, indexed.stderr
    assert json.loads(indexed.stdout)["added"] == 6

    found = run([*ps, "search", "sky", "--json"], tmp_path)
    assert found.returncode == 0, found.stderr
    assert sorted(h["path"] for h in json.loads(found.stdout)) == sorted(map(str, photos))

    similar = run([*ps, "similar", photos[2], "-k", "1", "--json"], tmp_path)
    assert similar.returncode == 0, similar.stderr
    [hit] = json.loads(similar.stdout)
    assert hit["path"] in map(str, photos) and hit["path"] != str(photos[2])


def test_commands_start_without_the_export_tools(installed: Path, tmp_path: Path) -> None:
    """Only `train` needs TensorFlow (the export extra): nothing else may load it."""
    probe = (
        "import sys, main; rc = main.main(sys.argv[1:]); "
        "print(rc, sorted({m.split('.')[0] for m in sys.modules} & "
        "{'export', 'tensorflow', 'keras', 'tf2onnx', 'benchmarks'}))"
    )
    make_photos(tmp_path / "photos", 2)
    for args in (["index", tmp_path / "photos"], ["search", "dog"], ["status"]):
        result = run([installed / "python", "-c", probe, "--data-dir", tmp_path, *args], tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "0 []", args


def test_installed_app_uses_its_own_models_not_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    where = run(
        [
            installed / "python",
            "-c",
            "import core.storage.profile as p, main; print(p.MODELS_DIR, main.__file__)",
        ],
        tmp_path,
    )
    assert where.returncode == 0, where.stderr
    models, main_file = where.stdout.split()
    venv = installed.parent
    assert Path(models).is_relative_to(venv) and Path(main_file).is_relative_to(venv)
    assert (Path(models) / "manifest.json").is_file()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_install_desktop_adds_a_launcher_entry_with_its_icon(tmp_path: Path) -> None:
    # -o: the checkout's .venv counts as set up, so the test installs nothing into it.
    result = run(
        ["make", "-s", "-o", ".venv/.runtime", "install-desktop", f"XDG_DATA_HOME={tmp_path}"],
        REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    entry = (tmp_path / "applications" / "photosearch.desktop").read_text().splitlines()
    assert entry[0] == "[Desktop Entry]"
    assert "Name=Photo Search" in entry and "Icon=photosearch" in entry
    assert f"Exec={REPO_ROOT / '.venv' / 'bin' / 'photosearch-gui'}" in entry
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "photosearch.svg"
    assert icon.read_bytes() == (REPO_ROOT / "resources" / "photosearch.svg").read_bytes()
