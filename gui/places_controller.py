"""The Places tree kept up to date with the library, and a chosen place's photos shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QStatusBar, QWidget

from core.library import Library, PhotoHit
from core.places.service import PlaceTree
from gui.dispatch import Dispatcher
from gui.navigation import Navigator
from gui.places_tree import PlaceKey, PlacesTree
from gui.view_state import PhotoEntry, Results, ViewState, taken_between
from gui.wording import count


class PlacesView:
    """Reloads the tree after the library changed; a chosen place becomes the results."""

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        navigator: Navigator,
        tree: PlacesTree,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
        dialogs_parent: QWidget | None = None,
        on_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.navigator = navigator
        self.tree = tree
        self.status = status
        self.show_error = show_error
        self.dialogs_parent = dialogs_parent
        self.on_changed = on_changed  # a photo's place changed: its details are shown again

    def reload(self, *_: object) -> None:
        """Read the country > region > city counts again (on a worker)."""

        def done(places: PlaceTree) -> None:
            self.tree.set_places(places.countries)

        self.dispatcher.call("places", self.library.place_tree, done, self.show_error)

    def ask_place(self, paths: list[str]) -> None:
        """Ask where photos were taken (a town's name), then set it: for cameras without GPS."""
        what = "was this photo" if len(paths) == 1 else f"were these {count(len(paths), 'photo')}"
        text, ok = QInputDialog.getText(
            self.dialogs_parent,
            "Set place",
            f"Where {what} taken? A town, e.g. Paris or Paris, Texas:",
        )
        if not ok or not text.strip():
            return
        library = self.library

        def done(label: str) -> None:
            self.status.showMessage(f"{count(len(paths), 'photo')} placed in {label}", 4000)
            self.reload()
            self.on_changed()

        self.dispatcher.call(
            "places:set", lambda: library.set_place(paths, text.strip()), done, self.show_error
        )

    def show(self, place: PlaceKey) -> None:
        """The photos taken at place, newest first, within the date range."""
        library = self.library
        self.status.showMessage(f"Photos taken in {place.label()}…")

        def query() -> list[PhotoHit]:
            start, end = self.state.dates
            hits = library.place_photos(place.country, place.region, place.city)
            return [h for h in hits if taken_between(h.taken, start, end)]

        def done(hits: list[PhotoHit]) -> None:
            self.status.clearMessage()
            self.navigator.clear_search_field()
            results = Results(
                hits=[PhotoEntry(h.path) for h in hits],
                taken={h.path: h.taken for h in hits},
                rerun=lambda: self.show(place),
            )
            subtitle = count(len(hits), "photo") + " taken there, newest first"
            if not hits:
                subtitle = "No photos taken there in the chosen dates"
            self.navigator.show_results(place.label(), subtitle, results)

        self.state.results.rerun = lambda: self.show(place)
        self.dispatcher.call("results", query, done, self.show_error)
