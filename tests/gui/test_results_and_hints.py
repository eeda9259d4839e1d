"""Issue 9's GUI details: shared tags, "find similar" on several photos, decent similar words,
"Try:" chips that go with their query, class entries the photo earns, and "N matches" (the
unfaded ones)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from core.library import PhotoHit, TextSearch
from core.models.glove import SimilarWords, WordHit, WordVectors
from core.models.word_filter import is_decent_word
from gui.gallery import HEADER_HEIGHT
from gui.wording import with_article
from tests.gui.conftest import fake_top_classes

PHOTOS = 8


def row_named(window, name):
    """The library row of the photo called name (the library is sorted by date)."""
    return next(i for i, e in enumerate(window.library_model.entries) if e.path.endswith(name))


def right_click(window, row):
    pos = window.gallery.visualRect(window.gallery.model().index(row, 0)).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, window.gallery.viewport().mapToGlobal(pos)
    )
    QApplication.sendEvent(window.gallery.viewport(), event)
    return window.context_menu


def texts(menu):
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def select_rows(window, rows):
    model = window.gallery.model()
    selection = window.gallery.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(model.index(row), QItemSelectionModel.SelectionFlag.Select)


def test_shared_tags_are_what_most_of_the_selection_shows(
    qtbot, open_window, indexed_profile, monkeypatch
):
    window = open_window(indexed_profile)
    words = ["cat", "sofa", "broom"] + [f"filler{i}" for i in range(500)]  # like the tag head

    def tag_scores(images):
        scores = np.random.default_rng(0).uniform(0.0, 0.02, (len(images), len(words)))
        scores[:, 0] = 0.7  # every photo shows a cat...
        scores[0, 0] = 0.0001  # ...but the model misses it in one
        scores[: len(images) // 2 + 1, 1] = 0.4  # most show a sofa
        scores[1, 2] = 0.99  # one shows a broom
        return words, scores

    monkeypatch.setattr(window.library.tagging, "_tag_scores", tag_scores)
    window.gallery.selectAll()
    qtbot.waitUntil(
        lambda: window.tag_panel.title.text() == f"Shared tags · {PHOTOS} photos", timeout=10_000
    )
    qtbot.waitUntil(lambda: bool(window.tag_panel.tag_words), timeout=10_000)
    assert window.tag_panel.tag_words[:2] == ["cat", "sofa"]
    assert "broom" not in window.tag_panel.tag_words

    def nothing_in_common(images):
        scores = np.zeros((len(images), len(words)))
        for i in range(len(images)):
            scores[i, 3 + 10 * i : 13 + 10 * i] = np.linspace(0.9, 0.5, 10)  # its own 10 tags
        return words, scores

    monkeypatch.setattr(window.library.tagging, "_tag_scores", nothing_in_common)
    select_rows(window, [0, 1, 2])
    qtbot.waitUntil(
        lambda: window.tag_panel.title.text() == "Shared tags · 3 photos", timeout=10_000
    )
    assert window.tag_panel.tag_words == []
    assert window.tag_panel.note.text() == "No tag is shared by most of them."


def test_find_similar_on_a_multi_selection_uses_every_selected_photo(
    qtbot, open_window, indexed_profile
):
    window = open_window(indexed_profile)
    select_rows(window, [1, 4])
    chosen = window.gallery.selected_paths()
    assert len(chosen) == 2
    menu = right_click(window, 4)
    assert window.gallery.selected_paths() == chosen  # right-click keeps the selection
    assert "Find similar to these 2 photos" in texts(menu)
    assert not any(t.startswith("Find similar: ") for t in texts(menu))

    next(a for a in menu.actions() if a.text() == "Find similar to these 2 photos").trigger()
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    assert window.header.title.text() == "Similar to 2 photos"
    strong = sum(not e.weak for e in window.results_model.entries)
    assert window.results_model.rowCount() == PHOTOS - 2
    assert window.header.subtitle.text().startswith(
        f"{strong} match" if strong else "No strong matches; the"
    )
    shown = [e.path for e in window.results_model.entries]
    assert not set(shown) & set(chosen)
    assert shown == [h.path for h in window.library.find_similar_to_all(chosen, 100)]


def test_try_chips_are_decent_words_the_model_knows_well(
    qtbot, open_window, indexed_profile, words_data_dir
):
    window = open_window(indexed_profile, real_words=True)
    # One GloVe neighbour index per test session, shared with tests/core/test_words.py.
    index = SimilarWords(WordVectors(words_data_dir / "cache"), words_data_dir / "indexes")
    window.library.__dict__["word_index"] = index
    # "kids" is in few captions, "child" in many: Try offers the word the model knows well,
    # not raw neighbours it knows little of ("folks", "mom") nor forms of the word ("kid").
    window.search_bar.set_text("kids")
    window.search("kids")
    qtbot.waitUntil(lambda: bool(window.search_bar.suggestion_words), timeout=60_000)
    chips = window.search_bar.suggestion_words
    assert "child" in chips
    assert all(is_decent_word(w) and not w.startswith("kid") for w in chips), chips
    assert not {"folks", "mom"} & set(chips)


def test_try_chips_go_away_with_their_query(qtbot, open_window, indexed_profile, monkeypatch):
    window = open_window(indexed_profile)
    bar = window.search_bar
    bar.set_text("red")
    window.search("red")
    qtbot.waitUntil(lambda: bool(bar.suggestion_words), timeout=10_000)
    assert bar.suggestions_label.isVisible()

    bar.set_text("qwxzvq")  # an unknown word: the search fails at once
    window.search("qwxzvq")
    qtbot.waitUntil(lambda: "No known word" in bar.understood.text(), timeout=10_000)
    assert bar.suggestion_words == []
    assert not bar.suggestions_label.isVisible()

    # Suggestions still being looked up when the next query comes must not show up after it.
    gate = threading.Event()

    def slow_similar_words(word, k=10):
        gate.wait(10)
        return [WordHit("green", 0.9)]

    monkeypatch.setattr(window.library, "similar_words", slow_similar_words)
    bar.set_text("blue")
    window.search("blue")
    qtbot.waitUntil(lambda: window.header.title.text() == "Photos matching “blue”", timeout=10_000)
    bar.set_text("zzkqj")
    window.search("zzkqj")
    qtbot.waitUntil(lambda: "No known word" in bar.understood.text(), timeout=10_000)
    gate.set()
    window.jobs.pool("words").waitForDone(10_000)
    qtbot.wait(100)  # let the finished lookup's signal arrive
    assert bar.suggestion_words == []
    assert not bar.suggestions_label.isVisible()


def test_class_entries_only_for_classes_the_photo_shows_with_the_right_article(
    qtbot, open_window, indexed_profile, monkeypatch
):
    window = open_window(indexed_profile)
    monkeypatch.setattr(window.library, "top_classes", fake_top_classes)
    menu = right_click(window, 0)
    qtbot.waitUntil(lambda: not any("finding subjects" in t for t in texts(menu)), timeout=10_000)
    entries = [a for a in menu.actions() if a.text().startswith("Find similar: ")]
    assert [a.text() for a in entries] == ["Find similar: Egyptian cat", "Find similar: tabby"]
    assert "as an “Egyptian cat”" in entries[0].toolTip()
    assert "shows an Egyptian cat" in entries[0].toolTip()
    assert "as a “tabby”" in entries[1].toolTip()
    qtbot.waitUntil(lambda: window.details.class_names == ["Egyptian cat", "tabby"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("owl", "an owl"),
        ("tabby", "a tabby"),
        ("Egyptian cat", "an Egyptian cat"),
        ("umbrella", "an umbrella"),
        ("unicycle", "a unicycle"),
        ("European fire salamander", "a European fire salamander"),
        ("hourglass", "an hourglass"),
        ("hammer", "a hammer"),
        ("sunglasses", "sunglasses"),
        ("swimming trunks", "swimming trunks"),
    ],
)
def test_class_names_get_the_right_article(name, expected):
    assert with_article(name) == expected


@dataclass(frozen=True)
class CalibratedHit(PhotoHit):
    """A hit as the calibrated core marks it (issue 9, section 3)."""

    weak: bool = False


def _cell_image(qtbot, window):
    window.loader.wait()
    qtbot.waitUntil(lambda: not window.results_model.pixmap_at(0).isNull(), timeout=10_000)
    qtbot.wait(50)
    rect = window.gallery.visualRect(window.results_model.index(0))
    image = window.gallery.viewport().grab(rect).toImage()
    band = HEADER_HEIGHT if window.results_model.has_headers else 0  # "Weaker matches" above
    return np.array(
        [
            [image.pixelColor(x, y).lightness() for x in range(image.width())]
            for y in range(band, band + 60)
        ]
    )


def test_results_say_how_many_match_and_weak_matches_fade(
    qtbot, open_window, indexed_profile, photo_folder, monkeypatch
):
    window = open_window(indexed_profile)
    photo = str(Path(photo_folder) / "photo_00.jpg")
    others = [str(Path(photo_folder) / f"photo_0{i}.jpg") for i in (1, 2)]

    def search(terms, k, **_dates):
        weak = terms == ["faded"]
        hits = [CalibratedHit(photo, 0.3, weak=weak)]
        hits += [CalibratedHit(p, 0.2, weak=True) for p in others]
        return TextSearch(hits=hits, words=list(terms))

    monkeypatch.setattr(window.library, "search", search)
    window.search("clear")
    qtbot.waitUntil(lambda: window.showing_results, timeout=10_000)
    # The count is what is drawn as a match: one, then the faded ones after a divider.
    assert window.header.subtitle.text() == "1 match, best match first · 2 weaker ones, faded"
    assert [e.weak for e in window.results_model.entries] == [False, True, True]
    assert [e.header for e in window.results_model.entries] == ["", "Weaker matches", ""]
    window.gallery.selectionModel().clear()
    clear = _cell_image(qtbot, window)

    window.search("faded")
    qtbot.waitUntil(lambda: window.results_model.entries[0].weak, timeout=10_000)
    assert window.header.subtitle.text() == "No strong matches; the 3 closest are shown"
    assert not any(e.header for e in window.results_model.entries)  # nothing to divide
    faded = _cell_image(qtbot, window)
    background = window.gallery.viewport().palette().color(window.gallery.backgroundRole())
    # A faded photo sits closer to the background: less contrast with it.
    assert (
        np.abs(faded - background.lightness()).mean()
        < 0.8 * np.abs(clear - background.lightness()).mean()
    )


def test_side_panels_forget_a_photo_that_left_the_gallery(qtbot, open_window, indexed_profile):
    window = open_window(indexed_profile)
    window.gallery.setCurrentIndex(window.library_model.index(row_named(window, "photo_00.jpg")))
    qtbot.waitUntil(lambda: window.details.name.text() == "photo_00.jpg", timeout=10_000)
    qtbot.waitUntil(lambda: len(window.tag_panel.tag_words) >= 3, timeout=10_000)

    window.search_bar.set_text("qwxzvq")
    window.search("qwxzvq")  # no results: the selected photo is no longer shown
    qtbot.waitUntil(lambda: "No photos" in window.header.title.text(), timeout=10_000)
    qtbot.waitUntil(lambda: window.tag_panel.tag_words == [], timeout=5000)
    assert window.details.name.isHidden()
    assert window.details.hint.text() == "Select a photo to see its details."


def test_weak_matches_are_divided_from_strong_ones_only_when_they_come_after_them() -> None:
    from gui.view_state import PhotoEntry, with_divider

    best_first = [PhotoEntry("a", 0.9), PhotoEntry("b", 0.2, True), PhotoEntry("c", 0.1, True)]
    assert [e.header for e in with_divider(best_first)] == ["", "Weaker matches", ""]
    by_date = [best_first[1], best_first[0], best_first[2]]
    assert [e.header for e in with_divider(by_date)] == ["", "", ""]


def test_calibrated_scores_below_the_weak_bar_are_faded() -> None:
    from core.library import PhotoHit
    from gui.queries import WEAK_SCORE, is_weak

    assert is_weak(PhotoHit("/p/a.jpg", WEAK_SCORE - 0.01))
    assert not is_weak(PhotoHit("/p/b.jpg", WEAK_SCORE + 0.01))
    assert not is_weak(PhotoHit("/p/c.jpg", 0.9))


def test_a_photo_shows_no_unlikely_tags_but_always_its_best_few(
    qtbot, open_window, indexed_profile, monkeypatch
):
    window = open_window(indexed_profile)
    words = ["beach", "sea", "sand", "penguin", "runway", "sheep"] + [f"w{i}" for i in range(50)]
    sure = {"beach": 0.8, "sea": 0.4, "sand": 0.05, "penguin": 0.012, "runway": 0.011}

    def tag_scores(images):
        scores = np.full((len(images), len(words)), 0.001)
        for word, score in sure.items():
            scores[:, words.index(word)] = score
        return words, scores

    monkeypatch.setattr(window.library.tagging, "_tag_scores", tag_scores)
    window.gallery.setCurrentIndex(window.library_model.index(row_named(window, "photo_00.jpg")))
    qtbot.waitUntil(lambda: bool(window.tag_panel.tag_words), timeout=10_000)
    assert window.tag_panel.tag_words == ["beach", "sea", "sand"]  # not penguin at 0.012

    sure.update({"beach": 0.015, "sea": 0.014, "sand": 0.003})  # nothing sure: the best 3
    window.gallery.setCurrentIndex(window.library_model.index(row_named(window, "photo_01.jpg")))
    qtbot.waitUntil(lambda: window.details.name.text() == "photo_01.jpg", timeout=10_000)
    qtbot.waitUntil(
        lambda: window.tag_panel.tag_words == ["beach", "sea", "penguin"], timeout=10_000
    )
