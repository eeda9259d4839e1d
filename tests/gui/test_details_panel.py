"""The details panel shows when a photo was taken (its camera date), not only the file's date."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PIL import Image

from gui.details_panel import DetailsPanel, photo_facts

EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 36867


def _jpeg(path: Path, taken: str | None) -> Path:
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    Image.new("RGB", (64, 48), (90, 120, 200)).save(path, exif=exif)
    when = dt.datetime(2024, 3, 9, 8, 30).timestamp()
    os.utime(path, (when, when))
    return path


def test_camera_date_and_file_date_are_both_shown(qtbot, tmp_path: Path) -> None:
    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.show_facts(photo_facts(str(_jpeg(tmp_path / "beach.jpg", "2019:07:14 16:05:00")), []))
    assert panel.taken.text() == "14 Jul 2019 16:05"
    assert panel.modified.text() == "09 Mar 2024 08:30"
    assert panel.dimensions.text() == "64 × 48"


def test_a_photo_without_a_camera_date_says_so(qtbot, tmp_path: Path) -> None:
    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.show_facts(photo_facts(str(_jpeg(tmp_path / "scan.jpg", None)), []))
    assert panel.taken.text() == "– (no camera date)"
    assert panel.modified.text() == "09 Mar 2024 08:30"
