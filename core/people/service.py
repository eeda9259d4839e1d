"""The library's people: who is in which photo, names, merges and the user's corrections.

Every correction is stored (core/storage/faces.py), so it survives re-indexing and the next
grouping: a face taken out of a person never goes back to them, and people are never merged
except by the user.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from core.errors import PhotoSearchError, UsageError
from core.media.decode import check_file, decode_image
from core.people.face_pass import FaceSummary, find_faces, group_faces
from core.people.grouping import kept_for_name
from core.progress import Progress
from core.storage.catalog import Catalog
from core.storage.faces import BLURRED, CONFIRMED, SMALL, FaceRow, FaceStore, PersonSummary
from core.storage.lock import IndexLock
from core.storage.settings import Settings

# Photos listed per person by `people` (the count is always whole).
MAX_LISTED = 1000
BUSY = "change people when it is done"


@dataclass(frozen=True)
class PersonPhoto:
    path: str
    box: tuple[int, int, int, int]  # x, y, w, h in the photo's upright pixels


@dataclass(frozen=True)
class Person:
    """A person and the photos their faces are in (one face each, the first found)."""

    id: int
    name: str | None
    hidden: bool
    photo_count: int
    photos: list[PersonPhoto]
    # Photos of a named person that search for the name does not give: faces unlike the
    # ones they were named from (look-alikes grouped with them), listed for the user to see.
    held_back: int = 0

    @property
    def label(self) -> str:
        return self.name or f"Person {self.id}"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "hidden": self.hidden,
            "photo_count": self.photo_count,
            "held_back": self.held_back,
            "photos": [{"path": p.path, "box": list(p.box)} for p in self.photos],
        }


@dataclass(frozen=True)
class FaceInPhoto:
    """One face in a photo, and who it is (None: not grouped, too small or blurred)."""

    face_id: int
    box: tuple[int, int, int, int]
    person_id: int | None
    name: str | None
    flags: int = 0
    # A named person's face unlike the faces they were named from: `search NAME` leaves the
    # photo out until the user says yes (People.confirm) or no (People.remove_face).
    held_back: bool = False

    @property
    def why_alone(self) -> str | None:
        """Why the face is in no person (None: it is in one)."""
        if self.person_id is not None:
            return None
        if self.flags & SMALL:
            return "too small to group"
        if self.flags & BLURRED:
            return "too blurred to group"
        return "not grouped yet"

    def to_json(self) -> dict[str, object]:
        return {
            "box": list(self.box),
            "person": self.person_id,
            "name": self.name,
            "ungrouped": self.why_alone,
            "held_back": self.held_back,
        }


def face_thumbnail(path: str, box: tuple[int, int, int, int], side: int = 96) -> Image.Image:
    """A square side x side crop around a face, with a margin; raises DecodeError."""
    x, y, w, h = box
    check_file(Path(path))
    with Image.open(path) as im:
        short = min(im.size)
    # Decode only as large as the crop needs (JPEG decodes at 1/2, 1/4 or 1/8 scale).
    need = max(1, round(short * 2 * side / max(w, h, 1)))
    image, (width, _), _ = decode_image(Path(path), draft_size=min(short, need))
    s = image.width / width
    cx, cy, half = (x + w / 2) * s, (y + h / 2) * s, max(w, h) * 0.8 * s
    crop = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
    return image.crop(crop).resize((side, side), Image.Resampling.BILINEAR)


def normalise_name(name: str) -> str:
    """How names are compared: words, case-folded, one space apart."""
    return " ".join(name.casefold().split())


class People:
    """Faces and people of one library; face recognition can be switched off (and forgotten)."""

    def __init__(self, catalog: Catalog, settings: Settings, settings_path: Path, lock_path: Path):
        self.catalog = catalog
        self.store = FaceStore(catalog)
        self.settings = settings
        self.settings_path = settings_path
        self.lock_path = lock_path

    @property
    def enabled(self) -> bool:
        return self.settings.face_recognition

    def find_faces(self, workers: int | None = None) -> Generator[Progress, None, FaceSummary]:
        """The face pass over photos not looked at yet (core/people/face_pass.py)."""
        return find_faces(self.catalog, self.lock_path, workers)

    def set_enabled(self, on: bool) -> None:
        """Turn face recognition on or off; off deletes every face, person and correction."""
        with IndexLock(self.lock_path, busy="change the setting when it is done"):
            if not on:
                self.store.forget_all()
            self.settings.face_recognition = on
            self.settings.save(self.settings_path)

    # -- questions --------------------------------------------------------------------------

    def all(self, include_hidden: bool = False, max_photos: int = MAX_LISTED) -> list[Person]:
        """Every person, most photos first, each with (up to max_photos of) their photos."""
        summaries = self.store.people(include_hidden)
        faces: dict[int, list[FaceRow]] = {}
        for face in self.store.faces_of([p.id for p in summaries]) if summaries else []:
            faces.setdefault(face.person_id or 0, []).append(face)
        return [self._person(s, faces.get(s.id, []), max_photos) for s in summaries]

    def get(self, person_id: int) -> Person:
        """One person with their photos; an unknown id is a clear error."""
        summary = self.store.person(person_id)
        return self._person(summary, self.store.faces_of([person_id]), MAX_LISTED)

    def _person(self, s: PersonSummary, faces: Sequence[FaceRow], max_photos: int) -> Person:
        seen: dict[str, PersonPhoto] = {}
        # The faces they were named from first: the People list pictures a person by their
        # first photo, which must not be a look-alike grouped with them.
        for f in sorted(faces, key=lambda f: not f.flags & CONFIRMED):
            if f.path not in seen and len(seen) < max_photos:
                seen[f.path] = PersonPhoto(f.path, f.box)
        held = s.photo_count - len(self.photos_of(s.id)) if s.name is not None else 0
        return Person(s.id, s.name, s.hidden, s.photo_count, list(seen.values()), held)

    def photos_of(self, person_id: int) -> set[int]:
        """Ids of the indexed photos a person is in; for a named person, only the faces near
        the ones they were named from (a look-alike grouped with them is held back)."""
        if person_id not in self.store.named():
            return self.store.photos_with(person_id)
        photos, flags, vectors = self.store.vectors_of(person_id)
        confirmed = np.array([bool(f & CONFIRMED) for f in flags], bool)
        if len(confirmed) and not confirmed.any():
            confirmed[0] = True  # named before faces were confirmed: the face shown first
        keep = kept_for_name(vectors, confirmed, self.store.rejected_vectors(person_id))
        return {p for p, k in zip(photos, keep, strict=True) if k}

    def faces_in(self, photo: str | os.PathLike[str]) -> list[FaceInPhoto]:
        """The faces in one indexed photo, left to right, with who they are."""
        photo_id = self.catalog.indexed_id(photo)
        names = self.store.named()
        faces = self.store.faces_in(photo_id)
        held = {
            p
            for p in {f.person_id for f in faces}
            if p in names and photo_id not in self.photos_of(p)
        }
        return [
            FaceInPhoto(
                f.id, f.box, f.person_id, names.get(f.person_id or 0), f.flags, f.person_id in held
            )
            for f in faces
        ]

    def held_back_photos(self, person_id: int) -> set[int]:
        """Ids of a named person's photos that `search NAME` leaves out (faces unlike the ones
        they were named from), for the user to say yes or no to; none for an unnamed person."""
        if person_id not in self.store.named():
            return set()
        return self.store.photos_with(person_id) - self.photos_of(person_id)

    def names(self) -> dict[int, str]:
        """{person id: name} of every named person (search reads names here)."""
        return self.store.named()

    def named(self) -> dict[str, int]:
        """{normalised name: person id} of every named person."""
        return {normalise_name(n): i for i, n in self.store.named().items()}

    # -- corrections ------------------------------------------------------------------------

    def name(
        self, person_id: int, name: str, photo: str | os.PathLike[str] | None = None
    ) -> Person:
        """Give a person a name ("" takes it away); two people cannot share one name.

        The face the user names them from (theirs in `photo`, else the one shown first) is
        confirmed: search for the name gives the faces near the confirmed ones."""
        clean = " ".join(name.split())
        if photo is not None:
            faces = self._faces_in_photo(person_id, photo)
        else:
            self.store.person(person_id)
            faces = self.store.faces_of([person_id])
        if clean:
            other = self.named().get(normalise_name(clean))
            if other is not None and other != person_id:
                raise PhotoSearchError(
                    f"person {other} is already called {clean!r}; "
                    f"to make them one person: people merge {other} {person_id}"
                )
        self.store.set_name(person_id, clean or None)  # harmless beside a running pass
        if clean and faces:
            self.store.confirm(faces[0].id)
        return self.get(person_id)

    def merge(self, keep: int, other: int) -> Person:
        """Make two people one (the first id stays; it takes the second's name if it has none)."""
        if keep == other:
            raise UsageError(f"cannot merge person {keep} with itself")
        a, b = self.store.person(keep), self.store.person(other)
        # The user says both are one person: the faces shown for each are confirmed.
        shown = []
        for p in (keep, other):
            faces = self.store.faces_of([p])
            if faces and not any(f.flags & CONFIRMED for f in faces):
                shown.append(faces[0].id)
        with IndexLock(self.lock_path, busy=BUSY):
            for face_id in shown:
                self.store.confirm(face_id)
            self.store.merge(keep, other)
            if a.name is None and b.name is not None:
                self.store.set_name(keep, b.name)
            if a.hidden and not b.hidden:
                self.store.set_hidden(keep, False)
        return self.get(keep)

    def confirm(self, photo: str | os.PathLike[str], person_id: int) -> Person:
        """Yes, the person's face in photo is them: it is confirmed like the face they were
        named from, so `search NAME` gives the photo (and the faces near it) from now on."""
        faces = self._faces_in_photo(person_id, photo)
        for f in faces:
            self.store.confirm(f.id)  # harmless beside a running pass, as naming is
        return self.get(person_id)

    def remove_face(self, photo: str | os.PathLike[str], person_id: int) -> None:
        """Take a person's face in one photo out of them ("not Anna"), for good; it joins
        another person (or a new one) at once."""
        faces = self._faces_in_photo(person_id, photo)
        with IndexLock(self.lock_path, busy=BUSY):
            for f in faces:
                self.store.remove_face(f.id, person_id)
            group_faces(self.store)

    def _faces_in_photo(self, person_id: int, photo: str | os.PathLike[str]) -> list[FaceRow]:
        """The person's faces in one photo; an unknown person, or none of their faces there, is
        a clear error."""
        self.store.person(person_id)
        path = os.path.abspath(os.fspath(photo))
        faces = [f for f in self.store.faces_of([person_id]) if f.path == path]
        if not faces:
            raise PhotoSearchError(f"person {person_id} has no face in {photo}")
        return faces

    def hide(self, person_id: int, hidden: bool = True) -> Person:
        """Hide a person from the people list (their faces stay theirs)."""
        self.store.person(person_id)
        self.store.set_hidden(person_id, hidden)
        return self.get(person_id)

    def counts(self) -> dict[str, int]:
        return self.store.counts()
