"""Searches and "find similar": what the window asks the Library, and how results are shown."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UnknownWordsError, UsageError
from core.library import PhotoHit, TextSearch
from core.words import WordHit
from gui.gallery import PhotoEntry

if TYPE_CHECKING:
    from gui.main_window import MainWindow

RESULT_COUNT = 100  # photos shown for a search or a "find similar"
SUGGESTIONS_PER_WORD = 4


class Queries:
    """Text searches, similar-word suggestions and "find similar", for one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.header_photo: str | None = None  # the query photo pictured in the results header

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Run a text search for the words in text; "-word" avoids a word."""
        w = self.window
        terms = text.split()
        if not terms:
            w.search_bar.set_message("Type a word to search for, e.g. beach or cat sofa")
            return
        library = w.library
        w.statusBar().showMessage(f"Searching for “{text.strip()}”…")

        def done(result: TextSearch) -> None:
            w.statusBar().clearMessage()
            w.search_bar.set_understood(result.words, result.negated, result.unknown)
            query = " ".join(result.words + ["-" + x for x in result.negated])
            subtitle = count(len(result.hits), "photo") + ", best match first"
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

        w.dispatcher.call("results", lambda: library.search(terms, RESULT_COUNT), done, failed)

    def suggest(self, words: list[str]) -> None:
        """Similar words to try, on their own worker: the first call builds a word index."""
        library = self.window.library

        def load() -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            per_word = max(2, SUGGESTIONS_PER_WORD * 2 // max(1, len(words)))
            for word in words[:3]:
                hits: list[WordHit] = library.similar_words(word, per_word)
                out.extend((word, h.word) for h in hits if h.word not in words)
            return out

        bar = self.window.search_bar
        bar.set_suggestions([])
        if words:
            self.window.dispatcher.call("words", load, bar.set_suggestions, lambda e: None)

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
                title += f" as a “{class_name}”"
            subtitle = count(len(hits), "photo") + ", most similar first"
            if outside:
                subtitle += " · the photo is not in the library"
            if not hits:
                subtitle = "No other photos in the library yet"
            self._clear_search_field()
            self.show_results(title, subtitle, hits, picture_of=path)

        def failed(e: Exception) -> None:
            w.statusBar().clearMessage()
            w.show_error(e)

        w.dispatcher.call(
            "results", lambda: library.find_similar(path, RESULT_COUNT, class_name), done, failed
        )

    def _clear_search_field(self) -> None:
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
        w.results_model.set_entries([PhotoEntry(h.path, h.score) for h in hits])
        w.set_mode("results")
        self.header_photo = picture_of
        picture = w.loader.pixmap(picture_of) if picture_of else None
        w.header.show_results(title, subtitle, picture)
        w.gallery.scrollToTop()

    def on_thumbnail(self, path: str) -> None:
        if path == self.header_photo:
            self.window.header.set_picture(self.window.loader.pixmap(path))


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"
