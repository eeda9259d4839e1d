"""The right-hand panels' contents: tags (shared tags for several photos) and photo details."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from core.errors import PhotoSearchError
from core.library import Library
from core.models.glove import WordHit
from gui.details_panel import DetailsPanel, PhotoFacts, photo_facts
from gui.dispatch import Dispatcher
from gui.places_tree import describe_place
from gui.tag_panel import TagPanel
from gui.view_state import ViewState

TAG_COUNT = 10
# A photo's tags below this score are left out of the sidebar, beyond its TAG_MIN_SHOWN best.
# Of the 10 best tags of the 1,064 held-out Flickr8k test photos, a caption uses 5% of those
# under 0.01 and 12% of those at 0.01-0.02, against 23-68% above (23% of all top-10 tags are
# under 0.02); on photos unlike any caption set (an ImageNet sample's ladybug) they are
# "penguin", "snowboarder", "runway" at 0.01. `python -m benchmarks.tag_precision`.
TAG_MIN_SCORE = 0.02
TAG_MIN_SHOWN = 3
# ImageNet classes offered for a photo ("Looks like", "Find similar: tabby"): at most 3, each
# with a probability of at least 0.15: on the 800 Pascal photos 85% of photos get at least one
# (1.16 on average), and what it drops on cat photos is unsure breeds and things that are not
# there (mouse, quilt, paper towel). `python -m benchmarks.class_entries` prints the figures.
CLASS_COUNT = 3
CLASS_MIN_PROBABILITY = 0.15
SHARED_TAGS_MAX_PHOTOS = 200  # beyond this a multi-selection's shared tags are not worth the wait
SELECTION_SETTLE_MS = 120  # arrow keys held down: load the panels once the selection settles


def worth_showing(hits: list[WordHit]) -> list[WordHit]:
    """A photo's tags without the unlikely ones (TAG_MIN_SCORE), but at least its best few."""
    return [h for i, h in enumerate(hits) if i < TAG_MIN_SHOWN or h.score >= TAG_MIN_SCORE]


class SidePanels:
    """Loads tags and details for the state's selection once it settles."""

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        tag_panel: TagPanel,
        details: DetailsPanel,
        parent: QObject,
    ) -> None:
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.tag_panel = tag_panel
        self.details = details
        self.classes: dict[str, list[tuple[str, float]]] = {}  # top classes known per photo
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SELECTION_SETTLE_MS)
        self._timer.timeout.connect(self.update)

    def on_selection(self) -> None:
        self._timer.start()

    def update(self) -> None:
        paths = self.state.selection
        library = self.library
        tag_panel = self.tag_panel
        if not paths:
            tag_panel.show_hint("Select a photo to see its tags.")
            self.details.show_nothing()
            return
        if len(paths) == 1:
            path = paths[0]
            tag_panel.show_loading(1)
            self.dispatcher.call(
                "tags",
                lambda: worth_showing(library.tags(path, TAG_COUNT)),
                tag_panel.show_tags,
                self._failed,
            )
            self.fetch_details(path, None)
            return
        chosen = paths[:SHARED_TAGS_MAX_PHOTOS]
        tag_panel.show_loading(len(chosen))
        self.details.show_nothing(f"{len(paths):,} photos selected")

        def shared_done(hits: list[WordHit]) -> None:
            tag_panel.show_tags(hits, shared_by=len(chosen))

        self.dispatcher.call(
            "tags", lambda: library.shared_tags(chosen, TAG_COUNT), shared_done, self._failed
        )

    def _failed(self, e: Exception) -> None:
        self.tag_panel.show_hint(
            f"No tags: {e}" if isinstance(e, PhotoSearchError) else "No tags: unexpected error"
        )

    def fetch_details(self, path: str, then: Callable[[], None] | None) -> None:
        """Top classes and file facts of path; fills the details panel if still selected."""
        library = self.library

        def load() -> PhotoFacts:
            top = library.top_classes(path, CLASS_COUNT)
            classes = [(c.name, p) for c, p in top if p >= CLASS_MIN_PROBABILITY]
            place = describe_place(library.place_of(path))
            return photo_facts(path, classes, place, library.companions(path))

        def done(facts: PhotoFacts) -> None:
            self.classes[path] = facts.classes
            if self.state.selection == [path]:
                self.details.show_facts(facts)
            if then is not None:
                then()

        def failed(e: Exception) -> None:
            self.classes[path] = []
            if self.state.selection == [path]:
                self.details.show_facts(photo_facts(path, []))
            if then is not None:
                then()

        channel = "details" if then is None else f"details:{path}"
        self.dispatcher.call(channel, load, done, failed)
