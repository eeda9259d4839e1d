"""Places in the window: real geotagged photos give a Places tree; a click shows a place's
photos; the details panel says where a photo was taken; a search by place name says so."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from core.library import Library
from core.storage.profile import Profile, resolve_profile
from tests.gui.conftest import fake_top_classes, index_now
from tests.places_helpers import EIFFEL_TOWER, LOUVRE, TIMES_SQUARE, with_gps


@pytest.fixture
def travel_profile(pascal_dir: Path, tmp_path: Path) -> Profile:
    """Real photos: two in Paris, one at Times Square, one without GPS; indexed."""
    folder = tmp_path / "Travel"
    folder.mkdir()
    cats = sorted((pascal_dir / "images/cat").glob("*.jpg"))
    dogs = sorted((pascal_dir / "images/dog").glob("*.jpg"))
    with_gps(cats[0], folder / "eiffel-cat.jpg", EIFFEL_TOWER)
    with_gps(dogs[0], folder / "louvre-dog.jpg", LOUVRE)
    with_gps(cats[1], folder / "times-square-cat.jpg", TIMES_SQUARE)
    shutil.copyfile(dogs[1], folder / "home-dog.jpg")
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(folder)
    index_now(library)
    library.close()
    return profile


def rows(window: object) -> list[str]:
    """The Places tree's rows, indented by depth, every node open."""
    tree = window.places_tree
    out: list[str] = []

    def walk(parent: QModelIndex, depth: int) -> None:
        for row in range(tree.model.rowCount(parent)):
            index = tree.model.index(row, 0, parent)
            out.append("  " * depth + str(index.data()))
            walk(index, depth + 1)

    walk(QModelIndex(), 0)
    return out


def shown(window: object) -> list[str]:
    model = window.gallery.model()
    return sorted(os.path.basename(e.path) for e in model.entries)


def library_window(qtbot, open_window, profile, monkeypatch):
    """The window once its four photos are listed; their details need no image model."""
    window = open_window(profile)
    monkeypatch.setattr(window.library, "top_classes", fake_top_classes)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 4, timeout=10_000)
    return window


def select(window, name: str) -> int:
    """Select the library photo called name; returns its row."""
    model = window.library_model
    row = next(i for i, e in enumerate(model.entries) if e.path.endswith(name))
    window.gallery.setCurrentIndex(model.index(row))
    return row


def test_the_places_tree_browses_a_place_and_details_say_where(
    qtbot, open_window, travel_profile, monkeypatch
):
    window = open_window(travel_profile)
    qtbot.waitUntil(lambda: bool(window.places_tree.keys), timeout=10_000)
    assert rows(window) == [
        "France  (2)",
        "  Île-de-France  (2)",
        "    Paris  (2)",
        "United States  (1)",
        "  New York  (1)",
        "    New York City  (1)",
    ]
    tree = window.places_tree
    france = tree.model.index(0, 0)
    tree.view.expand(france)
    region = tree.model.index(0, 0, france)
    tree.view.expand(region)
    paris = tree.model.index(0, 0, region)
    qtbot.mouseClick(
        tree.view.viewport(), Qt.MouseButton.LeftButton, pos=tree.view.visualRect(paris).center()
    )
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    assert window.header.title.text() == "Paris, Île-de-France, France"
    assert window.header.subtitle.text() == "2 photos taken there, newest first"
    assert shown(window) == ["eiffel-cat.jpg", "louvre-dog.jpg"]

    monkeypatch.setattr(window.library, "top_classes", fake_top_classes)
    window.gallery.setCurrentIndex(window.gallery.model().index(0))
    qtbot.waitUntil(lambda: window.details.name.text().endswith(".jpg"), timeout=10_000)
    qtbot.waitUntil(lambda: window.details.place.text() == "Paris, Île-de-France, France")


def test_a_photo_without_gps_has_no_place_and_a_search_by_place_says_so(
    qtbot, open_window, travel_profile, monkeypatch
):
    window = library_window(qtbot, open_window, travel_profile, monkeypatch)
    select(window, "home-dog.jpg")
    qtbot.waitUntil(lambda: window.details.name.text() == "home-dog.jpg", timeout=10_000)
    qtbot.waitUntil(lambda: window.details.place.text() == "– (no GPS position)")
    select(window, "times-square-cat.jpg")
    qtbot.waitUntil(
        lambda: (
            window.details.place.text() == "Times Square, New York City, New York, United States"
        ),
        timeout=10_000,
    )

    window.search("new york")
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    qtbot.waitUntil(lambda: shown(window) == ["times-square-cat.jpg"], timeout=10_000)
    assert window.header.title.text() == "Photos · place: New York, United States"
    understood = window.search_bar.understood.text()
    assert "[place: New York, United States]" in understood


def test_set_place_on_a_photo_without_gps_puts_it_in_the_tree_and_its_details(
    qtbot, open_window, travel_profile, monkeypatch
):
    window = library_window(qtbot, open_window, travel_profile, monkeypatch)
    row = select(window, "home-dog.jpg")
    qtbot.waitUntil(lambda: window.details.place.text() == "– (no GPS position)", timeout=10_000)
    asked: list[str] = []

    def answer(parent, title, label, *args, **kwargs):
        asked.append(label)
        return "Reykjavik", True

    monkeypatch.setattr("gui.places_controller.QInputDialog.getText", answer)
    menu = window.photo_menu.build(window.library_model.entries[row].path)
    {a.text(): a for a in menu.actions()}["Set place…"].trigger()
    assert asked == ["Where was this photo taken? A town, e.g. Paris or Paris, Texas:"]
    qtbot.waitUntil(lambda: window.details.place.text().startswith("Reykjavík"), timeout=10_000)
    qtbot.waitUntil(lambda: "Iceland  (1)" in rows(window), timeout=10_000)
