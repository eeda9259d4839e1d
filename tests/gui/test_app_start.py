"""What the app shows when it opens a profile whose settings it had to ignore."""

from __future__ import annotations

from pathlib import Path

from core.storage.profile import resolve_profile
from gui.app import open_library


def test_a_bad_settings_file_is_reported_for_the_banner_and_kept(tmp_path: Path) -> None:
    profile = resolve_profile(tmp_path / "profile")
    profile.ensure()
    profile.settings_path.write_text("[]")
    library, ignored = open_library(profile, None)
    try:
        assert len(ignored) == 1
        assert "settings" in ignored[0] and ignored[0][0].isupper()
        assert library.backbone == "efficientnet-lite0"  # the defaults are in use
        assert profile.settings_path.read_text() == "[]"  # the user's file is not overwritten
    finally:
        library.close()


def test_a_good_profile_opens_without_a_word(tmp_path: Path) -> None:
    library, ignored = open_library(resolve_profile(tmp_path / "profile"), None)
    library.close()
    assert ignored == []
