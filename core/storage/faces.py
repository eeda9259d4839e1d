"""The catalog's face tables: faces found in photos, the people they are grouped into, and the
user's corrections. SQL only; core/people decides what goes in.

Face writes leave the catalog's generation alone: no derived photo index reads these tables,
so naming a person or a face pass must not make the search indexes look stale.
Faces hang off photo ids: a moved photo keeps its row and so its faces, a changed photo gets
a new row (core/indexing/scan.py) and its faces are found again. Every write is one
transaction, so a killed face pass loses at most the batch in flight.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.errors import PhotoSearchError

EMBEDDING_DIM = 128
# flags: why a face is kept out of automatic grouping.
SMALL = 1  # too few pixels for a trustworthy embedding
BLURRED = 2
UNGROUPED = SMALL | BLURRED
# The user named the face's person from this face: a named person's search results are the
# faces near their confirmed ones (core/people/grouping.py: kept_for_name).
CONFIRMED = 4

FACES_SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS faces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    w INTEGER NOT NULL,
    h INTEGER NOT NULL,
    score REAL NOT NULL,
    sharpness REAL NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    embedding BLOB NOT NULL,
    person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS faces_photo ON faces(photo_id);
CREATE INDEX IF NOT EXISTS faces_person ON faces(person_id);
CREATE TABLE IF NOT EXISTS face_scans (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    scanned_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS face_rejections (
    face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
) WITHOUT ROWID;
"""


# The user's corrections outlive an edit: a changed photo gets a new row (its old faces go with
# the old one), so before a photo row is deleted its corrected faces (a confirmed face, a "not
# them") are remembered by path; the face pass gives them back to the same face found again.
FACE_MEMORY_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS face_memory (
        path BLOB NOT NULL,
        embedding BLOB NOT NULL,
        person_id INTEGER,  -- the person of a confirmed face
        rejected TEXT  -- the people the user said it is not: comma-separated ids
    )""",
    "CREATE INDEX IF NOT EXISTS face_memory_path ON face_memory(path)",
    f"""CREATE TRIGGER IF NOT EXISTS faces_remembered BEFORE DELETE ON photos
    BEGIN
        INSERT INTO face_memory(path, embedding, person_id, rejected)
        SELECT OLD.path, f.embedding,
            CASE WHEN f.flags & {CONFIRMED} THEN f.person_id END,
            (SELECT group_concat(r.person_id) FROM face_rejections r WHERE r.face_id = f.id)
        FROM faces f WHERE f.photo_id = OLD.id AND (f.flags & {CONFIRMED}
            OR EXISTS (SELECT 1 FROM face_rejections r WHERE r.face_id = f.id));
    END""",
)
# A face found again in the edited photo is the remembered one when its embedding lies this
# near (an edit moves it by a few hundredths; two people lie 0.6 apart, core/people/grouping).
SAME_FACE_DISTANCE = 0.3


def create_face_memory(conn: sqlite3.Connection) -> None:
    """The migration step that remembers corrections through edits (core/storage/schema.py)."""
    for statement in FACE_MEMORY_SCHEMA:
        conn.execute(statement)


def create_face_tables(conn: sqlite3.Connection) -> None:
    """The migration step that adds the face tables (core/storage/schema.py runs it)."""
    for statement in FACES_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


@dataclass(frozen=True)
class FoundFace:
    """A face as the detector found it; the box is in pixels of the photo as shown (upright)."""

    box: tuple[int, int, int, int]  # x, y, w, h
    score: float
    sharpness: float
    flags: int
    embedding: np.ndarray  # float32 [EMBEDDING_DIM]


@dataclass(frozen=True)
class PersonSummary:
    id: int
    name: str | None
    hidden: bool
    photo_count: int


@dataclass(frozen=True)
class FaceRow:
    id: int
    photo_id: int
    path: str
    box: tuple[int, int, int, int]
    person_id: int | None
    flags: int = 0


def embedding_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, "<f4").tobytes()


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, "<f4")


class CatalogConnection(Protocol):
    """What FaceStore needs of core.storage.catalog.Catalog (which imports this module's
    schema step through core.storage.schema, so this module cannot import it)."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    def transaction(self, bump: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...


class FaceStore:
    """The face tables of one catalog."""

    def __init__(self, catalog: CatalogConnection) -> None:
        self.catalog = catalog

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.catalog.conn

    # -- the face pass ----------------------------------------------------------------------

    def photos_to_scan(self, model: str) -> list[tuple[int, str]]:
        """(id, path) of indexed photos whose faces this model has not looked for yet."""
        with self.catalog.transaction(bump=False) as c:  # corrections of photos now gone
            c.execute("DELETE FROM face_memory WHERE path NOT IN (SELECT path FROM photos)")
        rows = self._conn.execute(
            "SELECT p.id, p.path FROM photos p LEFT JOIN face_scans s "
            "ON s.photo_id = p.id AND s.model = ? "
            "WHERE p.status = 'ok' AND s.photo_id IS NULL ORDER BY p.id",
            (model,),
        ).fetchall()
        return [(int(i), os.fsdecode(p)) for i, p in rows]

    def store_scans(self, model: str, scans: Sequence[tuple[int, list[FoundFace]]]) -> None:
        """Record the faces found in some photos (replacing any older ones): one transaction."""
        now = time.time()
        with self.catalog.transaction(bump=False) as c:
            for photo_id, faces in scans:
                if c.execute("SELECT 1 FROM photos WHERE id = ?", (photo_id,)).fetchone() is None:
                    continue  # the photo changed or left while its faces were being found
                c.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))
                ids = [
                    int(
                        c.execute(
                            "INSERT INTO faces(photo_id, x, y, w, h, score, sharpness, flags, "
                            "embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                photo_id,
                                *f.box,
                                f.score,
                                f.sharpness,
                                f.flags,
                                embedding_blob(f.embedding),
                            ),
                        ).lastrowid
                        or 0
                    )
                    for f in faces
                ]
                _give_back_corrections(c, photo_id, ids, [f.embedding for f in faces])
                c.execute(
                    "INSERT OR REPLACE INTO face_scans(photo_id, model, scanned_at) "
                    "VALUES (?, ?, ?)",
                    (photo_id, model, now),
                )

    def scanned_count(self) -> int:
        row = self._conn.execute("SELECT count(*) FROM face_scans").fetchone()
        return int(row[0])

    # -- grouping ---------------------------------------------------------------------------

    def ungrouped(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, embeddings) of faces waiting for a person, oldest first: not flagged small or
        blurred, in an indexed photo. Read into one array, row by row (no list of rows)."""
        where = (
            "FROM faces f JOIN photos p ON p.id = f.photo_id "
            "WHERE f.person_id IS NULL AND f.flags & ? = 0 AND p.status = 'ok'"
        )
        n = int(self._conn.execute(f"SELECT count(*) {where}", (UNGROUPED,)).fetchone()[0])
        ids = np.zeros(n, np.int64)
        vectors = np.zeros((n, EMBEDDING_DIM), np.float32)
        cur = self._conn.execute(f"SELECT f.id, f.embedding {where} ORDER BY f.id", (UNGROUPED,))
        i = 0
        for face_id, blob in cur:
            if i == n:
                break  # a face written since the count waits for the next pass
            ids[i], vectors[i] = face_id, _vector(blob)
            i += 1
        return ids[:i], vectors[:i]

    def grouped(self) -> Iterator[tuple[int, np.ndarray]]:
        """(person id, embedding) of every grouped face, by person then age: streamed."""
        cur = self._conn.execute(
            "SELECT person_id, embedding FROM faces WHERE person_id IS NOT NULL "
            "ORDER BY person_id, id"
        )
        for person_id, blob in cur:
            yield int(person_id), _vector(blob)

    def rejections(self) -> dict[int, set[int]]:
        """{face id: the people the user said it is not}."""
        out: dict[int, set[int]] = {}
        for face_id, person_id in self._conn.execute(
            "SELECT face_id, person_id FROM face_rejections"
        ):
            out.setdefault(int(face_id), set()).add(int(person_id))
        return out

    def assign(self, face_ids: Sequence[int], people: Sequence[int], new_people: int) -> list[int]:
        """Put faces into people; people[i] < 0 means the (-people[i])-th new person, created
        here. One transaction; returns the new people's ids."""
        with self.catalog.transaction(bump=False) as c:
            now = time.time()
            created = [
                int(c.execute("INSERT INTO persons(created_at) VALUES (?)", (now,)).lastrowid or 0)
                for _ in range(new_people)
            ]
            c.executemany(
                "UPDATE faces SET person_id = ? WHERE id = ? AND person_id IS NULL",
                [
                    (created[-p - 1] if p < 0 else p, int(f))
                    for f, p in zip(face_ids, people, strict=True)
                ],
            )
        return created

    def mergeable(self) -> set[int]:
        """People grouping may join: unnamed and not hidden."""
        rows = self._conn.execute("SELECT id FROM persons WHERE name IS NULL AND hidden = 0")
        return {int(r[0]) for r in rows}

    def kept_apart(self) -> list[tuple[int, int]]:
        """(person now holding a face, person the user said it is not) pairs."""
        rows = self._conn.execute(
            "SELECT f.person_id, r.person_id FROM face_rejections r "
            "JOIN faces f ON f.id = r.face_id WHERE f.person_id IS NOT NULL"
        )
        return [(int(a), int(b)) for a, b in rows]

    def merge_many(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Merge each (keep, gone) pair, in one transaction."""
        if not pairs:
            return
        with self.catalog.transaction(bump=False) as c:
            for keep, gone in pairs:
                self._merge(c, keep, gone)

    # -- people -----------------------------------------------------------------------------

    def people(self, include_hidden: bool = False) -> list[PersonSummary]:
        """Every person with at least one face in an indexed photo, most photos first."""
        rows = self._conn.execute(
            "SELECT r.id, r.name, r.hidden, count(DISTINCT f.photo_id) AS n FROM persons r "
            "JOIN faces f ON f.person_id = r.id JOIN photos p ON p.id = f.photo_id "
            "WHERE p.status = 'ok' AND (? OR r.hidden = 0) GROUP BY r.id ORDER BY n DESC, r.id",
            (int(include_hidden),),
        ).fetchall()
        return [PersonSummary(int(i), n, bool(h), int(c)) for i, n, h, c in rows]

    def person(self, person_id: int) -> PersonSummary:
        """One person; an unknown id is a clear error."""
        row = self._conn.execute(
            "SELECT r.id, r.name, r.hidden, (SELECT count(DISTINCT f.photo_id) FROM faces f "
            "JOIN photos p ON p.id = f.photo_id WHERE f.person_id = r.id AND p.status = 'ok') "
            "FROM persons r WHERE r.id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            raise PhotoSearchError(f"no person with id {person_id} (see `people`)")
        return PersonSummary(int(row[0]), row[1], bool(row[2]), int(row[3]))

    def faces_of(self, person_ids: Sequence[int]) -> list[FaceRow]:
        """The faces of some people in indexed photos, by person then photo."""
        return self._face_rows(
            f"f.person_id IN ({','.join('?' * len(person_ids))})", list(person_ids)
        )

    def faces_in(self, photo_id: int) -> list[FaceRow]:
        """Every face found in one photo, left to right."""
        return sorted(self._face_rows("f.photo_id = ?", [photo_id]), key=lambda f: f.box[0])

    def _face_rows(self, where: str, args: list[int]) -> list[FaceRow]:
        rows = self._conn.execute(
            "SELECT f.id, f.photo_id, p.path, f.x, f.y, f.w, f.h, f.person_id, f.flags "
            f"FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'ok' AND {where} "
            "ORDER BY f.person_id, p.path, f.id",
            args,
        ).fetchall()
        return [
            FaceRow(int(r[0]), int(r[1]), os.fsdecode(r[2]), (r[3], r[4], r[5], r[6]), r[7], r[8])
            for r in rows
        ]

    def named(self) -> dict[int, str]:
        """{person id: name} of every named person."""
        rows = self._conn.execute("SELECT id, name FROM persons WHERE name IS NOT NULL")
        return {int(i): str(n) for i, n in rows}

    def photos_with(self, person_id: int) -> set[int]:
        rows = self._conn.execute(
            "SELECT DISTINCT f.photo_id FROM faces f JOIN photos p ON p.id = f.photo_id "
            "WHERE f.person_id = ? AND p.status = 'ok'",
            (person_id,),
        )
        return {int(r[0]) for r in rows}

    def vectors_of(self, person_id: int) -> tuple[list[int], list[int], np.ndarray]:
        """(photo ids, flags, embeddings) of a person's faces in indexed photos, by path."""
        rows = self._conn.execute(
            "SELECT f.photo_id, f.flags, f.embedding FROM faces f JOIN photos p "
            "ON p.id = f.photo_id WHERE f.person_id = ? AND p.status = 'ok' ORDER BY p.path, f.id",
            (person_id,),
        ).fetchall()
        vectors = np.zeros((len(rows), EMBEDDING_DIM), np.float32)
        for i, r in enumerate(rows):
            vectors[i] = _vector(r[2])
        return [int(r[0]) for r in rows], [int(r[1]) for r in rows], vectors

    def rejected_vectors(self, person_id: int) -> np.ndarray:
        """Embeddings of the faces the user took out of a person ("not Anna")."""
        rows = self._conn.execute(
            "SELECT f.embedding FROM face_rejections r JOIN faces f ON f.id = r.face_id "
            "WHERE r.person_id = ?",
            (person_id,),
        ).fetchall()
        vectors = np.zeros((len(rows), EMBEDDING_DIM), np.float32)
        for i, r in enumerate(rows):
            vectors[i] = _vector(r[0])
        return vectors

    def confirm(self, face_id: int) -> None:
        """Mark a face as the one the user named its person from."""
        with self.catalog.transaction(bump=False) as c:
            c.execute("UPDATE faces SET flags = flags | ? WHERE id = ?", (CONFIRMED, face_id))

    def set_name(self, person_id: int, name: str | None) -> None:
        with self.catalog.transaction(bump=False) as c:
            c.execute("UPDATE persons SET name = ? WHERE id = ?", (name, person_id))

    def set_hidden(self, person_id: int, hidden: bool) -> None:
        with self.catalog.transaction(bump=False) as c:
            c.execute("UPDATE persons SET hidden = ? WHERE id = ?", (int(hidden), person_id))

    def merge(self, keep: int, gone: int) -> None:
        """Move every face of person `gone` into `keep`, and delete `gone`."""
        with self.catalog.transaction(bump=False) as c:
            self._merge(c, keep, gone)

    @staticmethod
    def _merge(c: sqlite3.Connection, keep: int, gone: int) -> None:
        c.execute("UPDATE faces SET person_id = ? WHERE person_id = ?", (keep, gone))
        # "not gone" now means "not keep": the user said so of the same person.
        c.execute(
            "INSERT OR IGNORE INTO face_rejections(face_id, person_id) "
            "SELECT face_id, ? FROM face_rejections WHERE person_id = ?",
            (keep, gone),
        )
        c.execute("DELETE FROM persons WHERE id = ?", (gone,))

    def remove_face(self, face_id: int, person_id: int) -> None:
        """Take a face out of a person for good ("not Anna"): it waits for another person."""
        with self.catalog.transaction(bump=False) as c:
            c.execute(
                "UPDATE faces SET person_id = NULL, flags = flags & ? "
                "WHERE id = ? AND person_id = ?",
                (~CONFIRMED, face_id, person_id),
            )
            c.execute(
                "INSERT OR IGNORE INTO face_rejections(face_id, person_id) VALUES (?, ?)",
                (face_id, person_id),
            )

    def forget_all(self) -> None:
        """Delete every face, person and correction; photos will be looked at again."""
        # secure_delete overwrites the freed pages, so no embedding lingers in the file.
        self._conn.execute("PRAGMA secure_delete = ON")
        try:
            with self.catalog.transaction(bump=False) as c:
                for table in ("face_rejections", "faces", "persons", "face_scans", "face_memory"):
                    c.execute(f"DELETE FROM {table}")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            self._conn.execute("PRAGMA secure_delete = OFF")

    def counts(self) -> dict[str, int]:
        """Faces found, faces grouped, and people (hidden ones too)."""
        row = self._conn.execute(
            "SELECT (SELECT count(*) FROM faces), "
            "(SELECT count(*) FROM faces WHERE person_id IS NOT NULL), "
            "(SELECT count(*) FROM persons)"
        ).fetchone()
        return {"faces": int(row[0]), "grouped": int(row[1]), "people": int(row[2])}


def _give_back_corrections(
    c: sqlite3.Connection, photo_id: int, face_ids: list[int], embeddings: list[np.ndarray]
) -> None:
    """The corrections remembered for the photo's path (it was edited), given back to the
    faces found again: a confirmed face is its person's again, a "not them" holds again."""
    (path,) = c.execute("SELECT path FROM photos WHERE id = ?", (photo_id,)).fetchone()
    remembered = c.execute(
        "SELECT embedding, person_id, rejected FROM face_memory WHERE path = ?", (path,)
    ).fetchall()
    if not remembered:
        return
    c.execute("DELETE FROM face_memory WHERE path = ?", (path,))
    if not face_ids:
        return
    found = np.stack(embeddings).astype(np.float32)
    people = {int(r[0]) for r in c.execute("SELECT id FROM persons")}
    for blob, person_id, rejected in remembered:
        distance = np.linalg.norm(found - _vector(blob), axis=1)
        nearest = int(np.argmin(distance))
        if distance[nearest] > SAME_FACE_DISTANCE:
            continue  # that face is gone from the edited photo (cropped out)
        face_id = face_ids[nearest]
        if person_id is not None and int(person_id) in people:
            c.execute(
                "UPDATE faces SET person_id = ?, flags = flags | ? WHERE id = ?",
                (int(person_id), CONFIRMED, face_id),
            )
        for other in (int(v) for v in (rejected or "").split(",") if v):
            if other in people:
                c.execute(
                    "INSERT OR IGNORE INTO face_rejections(face_id, person_id) VALUES (?, ?)",
                    (face_id, other),
                )
