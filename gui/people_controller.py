"""People in the window: the sidebar list, browsing a person's photos, the People rows of the
details column, and the user's corrections (name, merge, hide, "not them", "yes" to a face held
back from a named person's search).

Every Library call runs on a worker (gui.dispatch); this controller gets the widgets and
services it uses, never the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QInputDialog, QStatusBar, QWidget

from core.errors import PhotoSearchError
from core.library import Library
from core.people.service import FaceInPhoto, Person, face_thumbnail
from core.search.results import PhotoHit
from gui.confirm import confirmed
from gui.dispatch import Dispatcher
from gui.people_panel import FACE_SIDE, PeopleModel, PeoplePanel, PersonEntry
from gui.photo_people import PhotoPeople
from gui.preview import FaceBoxes
from gui.view_state import ViewState

MAX_FACES_LOADED = 200  # face pictures cut per reload (the list's first people)


class ShowResults(Protocol):
    """Queries.show_results: hits under a header, weak ones faded after a divider."""

    def __call__(
        self,
        title: str,
        subtitle: str,
        hits: list[PhotoHit],
        rerun: Callable[[], None] | None,
        *,
        weak_header: str = ...,
    ) -> None: ...


class PeopleController(QObject):
    """Keeps the People list current and turns its actions into Library calls."""

    def __init__(
        self,
        library: Library,
        dispatcher: Dispatcher,
        state: ViewState,
        model: PeopleModel,
        panel: PeoplePanel,
        photo_people: PhotoPeople,
        show_results: ShowResults,
        dialogs_parent: QWidget,
        status: QStatusBar,
        show_error: Callable[[Exception], None],
    ) -> None:
        super().__init__(dialogs_parent)
        self.library = library
        self.dispatcher = dispatcher
        self.state = state
        self.model = model
        self.panel = panel
        self.photo_people = photo_people
        self.show_results = show_results
        self.dialogs_parent = dialogs_parent
        self.status = status
        self.show_error = show_error
        panel.person_chosen.connect(self.show_person)
        panel.name_requested.connect(self.ask_name)
        panel.merge_requested.connect(self.ask_merge)
        panel.hide_requested.connect(self.hide)
        photo_people.person_chosen.connect(self.show_person)
        photo_people.not_this_person.connect(self.not_this_person)
        photo_people.is_this_person.connect(self.is_this_person)
        # The person whose photos the window shows (and how to show them again), if any.
        self._shown: tuple[int, Callable[[], None]] | None = None

    # -- the list ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the people again (after indexing or a correction), then their faces."""
        library = self.library

        def load() -> list[PersonEntry]:
            if not library.people.enabled:
                return []
            return [
                PersonEntry(p.id, p.name, p.photo_count, p.photos[0].path, p.photos[0].box)
                for p in library.people.all(max_photos=1)
                if p.photos
            ]

        self.dispatcher.call("people", load, self._loaded)

    def _loaded(self, entries: list[PersonEntry]) -> None:
        self.model.set_entries(entries)
        wanted = [e for e in entries[:MAX_FACES_LOADED] if not self.model.has_face(e.id)]
        if wanted:
            self.dispatcher.call("people:faces", lambda: _face_images(wanted), self._faces)

    def _faces(self, images: list[tuple[int, QImage]]) -> None:
        for person_id, image in images:
            self.model.set_face(person_id, image)

    # -- browsing ----------------------------------------------------------------------------

    def people_in(self, path: str) -> list[tuple[int, str]]:
        """(person id, label) of each grouped face in the photo, left to right, once each."""
        found: dict[int, str] = {}
        for face in self.library.people.faces_in(path):
            if face.person_id is not None:
                found.setdefault(face.person_id, face.name or f"Person {face.person_id}")
        return list(found.items())

    def show_person(self, person_id: int) -> None:
        """That person's photos as results, newest first ("find similar" on a face); a named
        person's held-back photos (faces unlike the ones they were named from) follow, faded,
        for the user to say yes or no to."""
        library = self.library

        def load() -> tuple[Person, list[PhotoHit], list[PhotoHit]]:
            person = library.people.get(person_id)
            ids = library.newest_first(library.people.photos_of(person_id))
            held = library.newest_first(library.people.held_back_photos(person_id))
            return (
                person,
                library.hits([(i, 1.0) for i in ids]),
                library.hits([(i, 0.0) for i in held]),
            )

        def done(found: tuple[Person, list[PhotoHit], list[PhotoHit]]) -> None:
            person, hits, held = found
            count = f"{len(hits):,} photo{'s' if len(hits) != 1 else ''}"
            if held:
                count += (
                    f" · {len(held):,} more that may be {person.label}, faded: select one, "
                    "then Yes or Not them in its details"
                )

            def rerun() -> None:
                self.show_person(person_id)

            self._shown = (person_id, rerun)
            self.show_results(
                f"Photos of {person.label}",
                count,
                hits + held,  # held back: score 0, so shown as weak (faded, after the divider)
                rerun,
                weak_header=f"Is this {person.label}?",
            )

        self.dispatcher.call("results", load, done, self.show_error)

    def on_selection(self) -> None:
        """The People rows for the one selected photo (none for several)."""
        paths = self.state.selection
        if len(paths) != 1 or not self.library.people.enabled:
            self.photo_people.show_faces("", [])
            return
        path = paths[0]
        people = self.library.people

        def done(faces: list[FaceInPhoto]) -> None:
            if self.state.selection == [path]:
                self.photo_people.show_faces(path, faces)

        def failed(_e: Exception) -> None:  # not indexed yet: no faces to show
            self.photo_people.show_faces(path, [])

        self.dispatcher.call("photo-people", lambda: people.faces_in(path), done, failed)

    # -- the setting -------------------------------------------------------------------------

    def set_enabled(self, on: bool, then: Callable[[], None] = lambda: None) -> bool:
        """Face recognition on (then: find the faces) or off, which deletes every face,
        person and name once the user says yes; returns whether it went ahead."""
        if not on and not confirmed(
            self.dialogs_parent,
            "Turn off face recognition",
            "This deletes every face found, every person and every name in this library, "
            "and stops looking for faces. Turn face recognition off?",
        ):
            return False

        def done(_result: object) -> None:
            self.status.showMessage(
                "Face recognition is on" if on else "Face recognition is off; faces deleted", 4000
            )
            self.reload()
            self.on_selection()
            if on:
                then()

        self.dispatcher.call(
            "people:change", lambda: self.library.people.set_enabled(on), done, self.show_error
        )
        return True

    # -- corrections -------------------------------------------------------------------------

    def ask_name(self, person_id: int) -> None:
        entry = self.model.entry(person_id)
        current = (entry.name or "") if entry is not None else ""
        text, ok = QInputDialog.getText(
            self.dialogs_parent, "Name this person", "Name (empty: no name):", text=current
        )
        if ok:
            self._change(lambda: self.library.people.name(person_id, text), "Named")

    def ask_merge(self, person_id: int) -> None:
        others = [e for e in self.model.entries if e.id != person_id]
        if not others:
            self.status.showMessage("There is no other person to merge with", 3000)
            return
        labels = [f"{e.label} ({e.photo_count})" for e in others]
        entry = self.model.entry(person_id)
        who = entry.label if entry is not None else f"Person {person_id}"
        choice, ok = QInputDialog.getItem(
            self.dialogs_parent, "Merge people", f"{who} is the same person as:", labels, 0, False
        )
        if ok and choice in labels:
            keep = others[labels.index(choice)].id
            self._change(lambda: self.library.people.merge(keep, person_id), "Merged")

    def hide(self, person_id: int) -> None:
        self._change(lambda: self.library.people.hide(person_id), "Hidden")

    def is_this_person(self, path: str, person_id: int) -> None:
        """Yes to a held-back face: the photo joins the person's search (and their list)."""

        def then() -> None:
            self.on_selection()
            self._refresh_person(person_id)

        self._change(lambda: self.library.people.confirm(path, person_id), "Confirmed", then)

    def _refresh_person(self, person_id: int) -> None:
        """The person's photos again, if they are what the window shows."""
        shown = self._shown
        if (
            shown is not None
            and shown[0] == person_id
            and self.state.showing_results
            and self.state.results.rerun is shown[1]
        ):
            shown[1]()

    def not_this_person(self, path: str, person_id: int) -> None:
        def then() -> None:
            self.on_selection()
            self._refresh_person(person_id)

        self._change(lambda: self.library.people.remove_face(path, person_id), "Taken out", then)

    def _change(
        self, call: Callable[[], object], done_text: str, then: Callable[[], None] | None = None
    ) -> None:
        def done(_result: object) -> None:
            self.status.showMessage(done_text, 2000)
            self.reload()
            if then is not None:
                then()

        self.dispatcher.call("people:change", call, done, self.show_error)


def _face_images(entries: list[PersonEntry]) -> list[tuple[int, QImage]]:
    """Face pictures as QImages (made on a worker: QImage, unlike QPixmap, may be)."""
    out = []
    for e in entries:
        try:
            im = face_thumbnail(e.face_path, e.face_box, FACE_SIDE * 2)
        except PhotoSearchError:
            continue
        data = im.tobytes()
        image = QImage(data, im.width, im.height, 3 * im.width, QImage.Format.Format_RGB888)
        out.append((e.id, image.copy()))  # copy: the QImage must own its pixels
    return out


def face_boxes(library: Library) -> FaceBoxes:
    """The faces the preview boxes: (box, who) of each face in a photo (on a worker)."""

    def boxes(path: str) -> list[tuple[tuple[int, int, int, int], str]]:
        if not library.people.enabled:
            return []
        try:
            faces = library.people.faces_in(path)
        except PhotoSearchError:  # not indexed: no faces known
            return []
        return [(f.box, f.name or (f"Person {f.person_id}" if f.person_id else "")) for f in faces]

    return boxes
