"""Issue 10.7: a bad settings file or profile manifest gives defaults and a one-line warning,
and the user's file is never overwritten without a copy."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from core.errors import ProfileWarning
from core.storage.settings import Settings
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.mark.parametrize("content", ["[]", "{not json", '{"backbone": 7}', "\xff\xfe"])
def test_a_bad_settings_file(cli: Cli, tmp_path: Path, content: str) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    settings = profile / "settings.json"
    settings.write_text(content, errors="surrogateescape")
    result = cli(profile, "status")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings_shown = [x for x in result.stderr.splitlines() if "warning" in x]
    assert len(warnings_shown) == 1 and "settings file" in warnings_shown[0]
    assert settings.read_text(errors="surrogateescape") == content  # left as the user wrote it


def test_saving_over_a_bad_settings_file_keeps_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("[]")
    with pytest.warns(ProfileWarning):
        settings = Settings.load(path)
    settings.backbone = "vgg16"
    with pytest.warns(ProfileWarning, match="kept as settings.json.invalid-"):
        settings.save(path)
    (kept,) = tmp_path.glob("settings.json.invalid-*")
    assert kept.read_text() == "[]"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Settings.load(path).backbone == "vgg16"


@pytest.mark.parametrize("content", ["{oops", '{"models": [1, 2]}', '{"models": {"x": 3}}', "[]"])
def test_a_malformed_profile_manifest(cli: Cli, tmp_path: Path, content: str) -> None:
    profile = tmp_path / "profile"
    (profile / "models").mkdir(parents=True)
    (profile / "models" / "manifest.json").write_text(content)
    result = cli(profile, "status", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "model manifest" in result.stderr and "ignored" in result.stderr
    # The shipped model still works.
    assert result.json()["joint_space"].startswith("word-model-efficientnet-lite0")
