"""Searches and "find similar": what the window asks the Library, and how results are shown."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UnknownWordsError, UsageError
from core.library import PhotoHit, TextSearch
from gui.gallery import PhotoEntry, with_divider
from gui.results_header import match_summary
from gui.wording import count, with_article

if TYPE_CHECKING:
    from gui.main_window import MainWindow

RESULT_COUNT = 100  # photos shown for a search or a "find similar"
SUGGESTIONS_PER_WORD = 4
SIMILAR_TO_ALL_MAX_PHOTOS = 200  # a bigger selection queries with its first 200 photos


class Queries:
    """Text searches, similar-word suggestions and "find similar", for one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.header_photo: str | None = None  # the query photo pictured in the results header
        self.hits: list[PhotoEntry] = []  # the latest results, best match first
        self.taken: dict[str, str | None] = {}  # when each of them was taken (ISO), if known
        self.rerun: Callable[[], None] | None = None  # the latest query, for a new date range

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Run a text search for the words in text; "-word" avoids a word."""
        w = self.window
        terms = text.split()
        if not terms:
            w.search_bar.set_message("Type a word to search for, e.g. beach or cat sofa")
            return
        library = w.library
        self.drop_suggestions()  # the last query's, even if they are still on their way
        w.statusBar().showMessage(f"Searching for “{text.strip()}”…")

        def done(result: TextSearch) -> None:
            w.statusBar().clearMessage()
            w.search_bar.set_understood(result.words, result.negated, result.unknown)
            query = " ".join(result.words + ["-" + x for x in result.negated])
            subtitle = match_summary([is_weak(h) for h in result.hits], "best match first")
            if result.unknown:
                subtitle += " · ignored: " + ", ".join(result.unknown)
            if not result.hits:
                subtitle = "The library has no photos yet: add a folder first"
            self.show_results(f"Photos matching “{query}”", subtitle, result.hits)
            self.suggest(result.words)

        def failed(e: Exception) -> None:
            w.statusBar().clearMessage()
            if isinstance(e, UnknownWordsError):
                w.search_bar.set_understood([], [], e.words)
                w.search_bar.set_message(
                    f"No known word in “{text.strip()}”. Try simpler or more common words, "
                    "like dog, beach or car."
                )
                self.show_results(
                    f"No photos for “{text.strip()}”",
                    "These words are not in the vocabulary: try simpler or more common words",
                    [],
                )
            elif isinstance(e, UsageError):
                w.search_bar.set_message(str(e).capitalize())
            else:
                w.show_error(e)

        start, end = w.date_filter.range()
        self.rerun = lambda: self.search(text)
        w.dispatcher.call(
            "results",
            lambda: library.search(terms, RESULT_COUNT, taken_from=start, taken_to=end),
            done,
            failed,
        )

    def suggest(self, words: list[str]) -> None:
        """Similar words to try, on their own worker: the first call builds a word index."""
        library = self.window.library

        def load() -> list[tuple[str, str]]:
            # Words the model knows well near each query word, or none (core/search/text.py).
            per_word = max(1, SUGGESTIONS_PER_WORD // max(1, len(words)))
            return library.words_to_try(words, per_word)

        self.drop_suggestions()
        if words:
            bar = self.window.search_bar
            self.window.dispatcher.call("words", load, bar.set_suggestions, lambda e: None)

    def drop_suggestions(self) -> None:
        """Remove the "Try:" chips, and drop any still being looked up."""
        self.window.dispatcher.supersede("words")
        self.window.search_bar.set_suggestions([])

    # -- find similar ------------------------------------------------------------------------

    def find_similar(self, path: str, class_name: str | None = None) -> None:
        """Photos that look like path (in the library or not), optionally as a class_name."""
        w = self.window
        library = w.library
        name = os.path.basename(path)
        outside = not any(Path(path).is_relative_to(f) for f in w.folders)
        w.statusBar().showMessage(f"Finding photos similar to {name}…")

        def done(hits: list[PhotoHit]) -> None:
            w.statusBar().clearMessage()
            title = f"Similar to {name}"
            if class_name:
                title += " as " + with_article(class_name, quote=True)
            subtitle = match_summary([is_weak(h) for h in hits], "most similar first")
            if outside:
                subtitle += " · the photo is not in the library"
            if not hits:
                subtitle = "No other photos in the library yet"
            self._clear_search_field()
            self.show_results(title, subtitle, hits, picture_of=path)

        def failed(e: Exception) -> None:
            w.statusBar().clearMessage()
            w.show_error(e)

        start, end = w.date_filter.range()
        self.rerun = lambda: self.find_similar(path, class_name)
        w.dispatcher.call(
            "results",
            lambda: library.find_similar(
                path, RESULT_COUNT, class_name, taken_from=start, taken_to=end
            ),
            done,
            failed,
        )

    def find_similar_to_all(self, paths: list[str]) -> None:
        """Photos that look like all of paths together (one query: the mean of the photos)."""
        w = self.window
        library = w.library
        chosen = paths[:SIMILAR_TO_ALL_MAX_PHOTOS]
        w.statusBar().showMessage(f"Finding photos similar to {count(len(chosen), 'photo')}…")

        def done(hits: list[PhotoHit]) -> None:
            w.statusBar().clearMessage()
            subtitle = match_summary([is_weak(h) for h in hits], "most similar to all first")
            if len(paths) > len(chosen):
                subtitle += f" · the first {len(chosen):,} of {len(paths):,} selected photos"
            self._clear_search_field()
            self.show_results(
                f"Similar to {count(len(chosen), 'photo')}", subtitle, hits, picture_of=chosen[0]
            )

        def failed(e: Exception) -> None:
            w.statusBar().clearMessage()
            w.show_error(e)

        start, end = w.date_filter.range()
        self.rerun = lambda: self.find_similar_to_all(paths)

        def query() -> list[PhotoHit]:
            hits = library.find_similar_to_all(chosen, RESULT_COUNT)
            return [h for h in hits if taken_between(h.taken, start, end)]

        w.dispatcher.call("results", query, done, failed)

    def _clear_search_field(self) -> None:
        self.drop_suggestions()
        bar = self.window.search_bar
        bar.blockSignals(True)
        bar.set_text("")
        bar.blockSignals(False)
        bar.clear_hints()

    # -- results -----------------------------------------------------------------------------

    def show_results(
        self, title: str, subtitle: str, hits: list[PhotoHit], picture_of: str | None = None
    ) -> None:
        w = self.window
        w.history.leaving()
        self.hits = [PhotoEntry(h.path, h.score, is_weak(h)) for h in hits]
        self.taken = {h.path: h.taken for h in hits}
        w.results_model.set_entries(with_divider(w.browser.results_order(self.hits, self.taken)))
        w.set_mode("results")
        self.header_photo = picture_of
        picture = w.loader.pixmap(picture_of) if picture_of else None
        w.header.show_results(title, subtitle, picture)
        w.gallery.scrollToTop()

    def show_entries(self, title: str, subtitle: str, entries: list[PhotoEntry]) -> None:
        """Photos in a given order (near-duplicate groups), not sorted again."""
        w = self.window
        w.history.leaving()
        self._clear_search_field()
        self.hits, self.taken, self.rerun = [], {}, None
        w.results_model.set_entries(entries)
        w.set_mode("results")
        self.header_photo = None
        w.header.show_results(title, subtitle, None)
        w.gallery.scrollToTop()

    def forget(self, paths: set[str]) -> None:
        """Photos gone from the disk leave the results kept for re-sorting too."""
        self.hits = [e for e in self.hits if e.path not in paths]

    def on_dates_changed(self) -> None:
        """The date range changed: ask the shown search again, within the new range."""
        if self.window.showing_results and self.rerun is not None:
            self.rerun()

    def reorder(self) -> None:
        """Results again, in the order now chosen (best match first, or newest first)."""
        w = self.window
        if w.showing_results:
            w.results_model.set_entries(
                with_divider(w.browser.results_order(self.hits, self.taken))
            )

    def on_thumbnail(self, path: str) -> None:
        if path == self.header_photo:
            self.window.header.set_picture(self.window.loader.pixmap(path))


def taken_between(taken: str | None, start: date | None, end: date | None) -> bool:
    """Whether an ISO capture time lies in [start, end]; an unknown date only with no range."""
    if start is None and end is None:
        return True
    if not taken:
        return False
    day = date.fromisoformat(taken[:10])
    return (start is None or day >= start) and (end is None or day <= end)


# Search and similar scores are calibrated probabilities that a photo is relevant (README,
# "Where a list ends"): below 0.3 a match is more likely wrong than right, and a list cut
# there is as precise as the old fixed top 10 while finding more of the relevant photos.
WEAK_SCORE = 0.3


def is_weak(hit: PhotoHit) -> bool:
    """Whether a hit is a weak match (its calibrated score is low): drawn faded."""
    return bool(getattr(hit, "weak", hit.score < WEAK_SCORE))
