"""Searches and "find similar": what the window asks the Library, and how results are shown."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import QStatusBar

from core.errors import UnknownWordsError, UsageError
from core.library import Library, PhotoHit, TextSearch
from gui.dispatch import Dispatcher
from gui.navigation import Navigator
from gui.results_header import match_summary
from gui.search_bar import SearchBar
from gui.view_state import WEAKER_HEADER, PhotoEntry, Results, ViewState, taken_between
from gui.wording import count, with_article

RESULT_COUNT = 100  # photos shown for a search or a "find similar"
SUGGESTIONS_PER_WORD = 4
SIMILAR_TO_ALL_MAX_PHOTOS = 200  # a bigger selection queries with its first 200 photos


class Queries:
    """Text searches, similar-word suggestions and "find similar", for one window."""

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        navigator: Navigator,
        search_bar: SearchBar,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
    ) -> None:
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.navigator = navigator
        self.search_bar = search_bar
        self.status = status
        self.show_error = show_error

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Run a text search for the words in text; "-word" avoids a word."""
        bar = self.search_bar
        terms = text.split()
        if not terms:
            bar.set_message("Type a word to search for, e.g. beach or cat sofa")
            return
        library = self.library
        self.navigator.drop_suggestions()  # the last query's, even if still on their way
        self.status.showMessage(f"Searching for “{text.strip()}”…")
        rerun = partial(self.search, text)

        def done(result: TextSearch) -> None:
            self.status.clearMessage()
            bar.set_understood(result.words, result.negated, result.unknown, result.terms)
            query = " ".join(result.words + ["-" + x for x in result.negated])
            subtitle = match_summary([is_weak(h) for h in result.hits], "best match first")
            title = f"Photos matching “{query}”" if query else "Photos"
            if result.terms:  # names of places: "Photos matching “snow” · place: Japan"
                title += " · " + " · ".join(result.terms)
            if not result.words:
                subtitle = count(len(result.hits), "photo") + ", newest first"
            if result.unknown:
                subtitle += " · ignored: " + ", ".join(result.unknown)
            if not result.hits:
                subtitle = "The library has no photos yet: add a folder first"
            self.show_results(title, subtitle, result.hits, rerun)
            self.suggest(result.words)

        def failed(e: Exception) -> None:
            self.status.clearMessage()
            if isinstance(e, UnknownWordsError):
                bar.set_understood([], [], e.words)
                bar.set_message(
                    f"No known word in “{text.strip()}”. Try simpler or more common words, "
                    "like dog, beach or car."
                )
                self.show_results(
                    f"No photos for “{text.strip()}”",
                    "These words are not in the vocabulary: try simpler or more common words",
                    [],
                    rerun,
                )
            elif isinstance(e, UsageError):
                bar.set_message(str(e).capitalize())
            else:
                self.show_error(e)

        start, end = self.state.dates
        self.state.results.rerun = rerun
        self.dispatcher.call(
            "results",
            lambda: library.search(terms, RESULT_COUNT, taken_from=start, taken_to=end),
            done,
            failed,
        )

    def suggest(self, words: list[str]) -> None:
        """Similar words to try, on their own worker: the first call builds a word index."""
        library = self.library

        def load() -> list[tuple[str, str]]:
            # Words the model knows well near each query word, or none (core/search/text.py).
            per_word = max(1, SUGGESTIONS_PER_WORD // max(1, len(words)))
            return library.words_to_try(words, per_word)

        self.navigator.drop_suggestions()
        if words:
            self.dispatcher.call("words", load, self.search_bar.set_suggestions, lambda e: None)

    # -- find similar ------------------------------------------------------------------------

    def find_similar(self, path: str, class_name: str | None = None) -> None:
        """Photos that look like path (in the library or not), optionally as a class_name."""
        library = self.library
        name = os.path.basename(path)
        outside = not any(Path(path).is_relative_to(f) for f in self.state.folders)
        self.status.showMessage(f"Finding photos similar to {name}…")
        rerun = partial(self.find_similar, path, class_name)

        def done(hits: list[PhotoHit]) -> None:
            self.status.clearMessage()
            title = f"Similar to {name}"
            if class_name:
                title += " as " + with_article(class_name, quote=True)
            subtitle = match_summary([is_weak(h) for h in hits], "most similar first")
            if outside:
                subtitle += " · the photo is not in the library"
            if not hits:
                subtitle = "No other photos in the library yet"
            self.navigator.clear_search_field()
            self.show_results(title, subtitle, hits, rerun, picture_of=path)

        start, end = self.state.dates
        self.state.results.rerun = rerun
        self.dispatcher.call(
            "results",
            lambda: library.find_similar(
                path, RESULT_COUNT, class_name, taken_from=start, taken_to=end
            ),
            done,
            self._failed,
        )

    def find_similar_to_all(self, paths: list[str]) -> None:
        """Photos that look like all of paths together (one query: the mean of the photos)."""
        library = self.library
        chosen = paths[:SIMILAR_TO_ALL_MAX_PHOTOS]
        self.status.showMessage(f"Finding photos similar to {count(len(chosen), 'photo')}…")
        rerun = partial(self.find_similar_to_all, paths)

        def done(hits: list[PhotoHit]) -> None:
            self.status.clearMessage()
            subtitle = match_summary([is_weak(h) for h in hits], "most similar to all first")
            if len(paths) > len(chosen):
                subtitle += f" · the first {len(chosen):,} of {len(paths):,} selected photos"
            self.navigator.clear_search_field()
            title = f"Similar to {count(len(chosen), 'photo')}"
            self.show_results(title, subtitle, hits, rerun, picture_of=chosen[0])

        start, end = self.state.dates
        self.state.results.rerun = rerun

        def query() -> list[PhotoHit]:
            hits = library.find_similar_to_all(chosen, RESULT_COUNT)
            return [h for h in hits if taken_between(h.taken, start, end)]

        self.dispatcher.call("results", query, done, self._failed)

    def _failed(self, e: Exception) -> None:
        self.status.clearMessage()
        self.show_error(e)

    # -- results -----------------------------------------------------------------------------

    def show_results(
        self,
        title: str,
        subtitle: str,
        hits: list[PhotoHit],
        rerun: Callable[[], None] | None,
        picture_of: str | None = None,
        weak_header: str = WEAKER_HEADER,
    ) -> None:
        results = Results(
            hits=[
                PhotoEntry(h.path, h.score, is_weak(h), duration=h.duration, live=h.live)
                for h in hits
            ],
            taken={h.path: h.taken for h in hits},
            picture_of=picture_of,
            rerun=rerun,
            weak_header=weak_header,
        )
        self.navigator.show_results(title, subtitle, results)

    def on_dates_changed(self) -> None:
        """The date range changed: ask the shown search again, within the new range."""
        rerun = self.state.results.rerun
        if self.state.showing_results and rerun is not None:
            rerun()


# Search and similar scores are calibrated probabilities that a photo is relevant (README,
# "Where a list ends"): below 0.3 a match is more likely wrong than right, and a list cut
# there is as precise as the old fixed top 10 while finding more of the relevant photos.
WEAK_SCORE = 0.3


def is_weak(hit: PhotoHit) -> bool:
    """Whether a hit is a weak match (its calibrated score is low): drawn faded."""
    return bool(getattr(hit, "weak", hit.score < WEAK_SCORE))
