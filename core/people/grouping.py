"""Incremental grouping of face embeddings into people, with no all-pairs pass.

A new face looks at the people whose mean embedding is nearest (one matrix product for a
chunk of faces against every person's mean), and joins the one whose exemplars (its first
faces) lie nearest on average, if closer than JOIN_DISTANCE; else it starts a new person.
Averaging over several exemplars keeps one look-alike face from pulling two people together,
which a nearest-face rule does ("chaining"); comparing with means alone lets a mean drift.
Cost: faces x people x 128 multiply-adds, plus a few exemplar checks a face.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

# Mean distance to a person's exemplars under which a face joins them (dlib's ResNet space;
# same person ~0.35-0.45, different people ~0.6-1.0). Chosen on LFW's dev people: see
# docs/people.md and benchmarks/faces.py.
JOIN_DISTANCE = 0.53
# Faces kept per person to compare a new face with.
EXEMPLARS = 20
# People (nearest means first) whose exemplars a face is compared with.
CANDIDATES = 5
# Faces compared with every mean in one matrix product ([CHUNK, people] floats at a time).
CHUNK = 256
# Two unnamed people whose exemplars lie this close on average (all pairs of their exemplars)
# become one after a pass: a person's first faces can start two groups (a profile, glasses),
# and this joins them. Chosen on LFW's dev people with JOIN_DISTANCE (docs/people.md).
MERGE_DISTANCE = 0.50


class Grouper:
    """People as running sums and exemplars; assign() places new faces among them."""

    def __init__(self, dim: int = 128, threshold: float = JOIN_DISTANCE) -> None:
        self.threshold = threshold
        self.ids: list[int] = []  # person id a row stands for (negative: created here)
        self._sums = np.zeros((64, dim), np.float64)
        self._means = np.zeros((64, dim), np.float32)
        self._counts: list[int] = []
        self._exemplars: list[list[np.ndarray]] = []
        self._row: dict[int, int] = {}
        self._new = 0

    def __len__(self) -> int:
        return len(self.ids)

    def add_faces(self, person_id: int, vectors: Iterable[np.ndarray]) -> None:
        """Faces already in a person (loading the stored grouping)."""
        row = self._row.get(person_id)
        if row is None:
            row = self._add_row(person_id)
        for v in vectors:
            self._join(row, v)

    def _add_row(self, person_id: int) -> int:
        row = len(self.ids)
        if row == len(self._sums):
            self._sums = np.concatenate([self._sums, np.zeros_like(self._sums)])
            self._means = np.concatenate([self._means, np.zeros_like(self._means)])
        self.ids.append(person_id)
        self._counts.append(0)
        self._exemplars.append([])
        self._row[person_id] = row
        return row

    def _join(self, row: int, v: np.ndarray) -> None:
        self._sums[row] += v
        self._counts[row] += 1
        self._means[row] = self._sums[row] / self._counts[row]
        if len(self._exemplars[row]) < EXEMPLARS:
            self._exemplars[row].append(np.asarray(v, np.float32))

    def assign(
        self, vectors: np.ndarray, forbidden: Sequence[frozenset[int]] | None = None
    ) -> list[int]:
        """The person each face joins, in order; a new person gets a negative id (-1, -2...).

        forbidden[i] holds the people face i must not join (the user said "not them").
        """
        out: list[int] = []
        for start in range(0, len(vectors), CHUNK):
            chunk = np.asarray(vectors[start : start + CHUNK], np.float32)
            known = len(self.ids)
            near = self._nearest_rows(chunk, known)
            for i, v in enumerate(chunk):
                no = forbidden[start + i] if forbidden is not None else frozenset()
                # People created since this chunk's product are few: compare with them directly.
                fresh = np.arange(known, len(self.ids))
                if len(fresh):
                    d = np.linalg.norm(self._means[fresh] - v, axis=1)
                    extra = fresh[np.argsort(d)[:CANDIDATES]]
                    rows = np.concatenate([near[i], extra])
                    rows = rows[np.argsort(np.linalg.norm(self._means[rows] - v, axis=1))]
                else:
                    rows = near[i]
                row = self._best_match(v, rows[:CANDIDATES], no)
                if row is None:
                    self._new += 1
                    row = self._add_row(-self._new)
                self._join(row, v)
                out.append(self.ids[row])
        return out

    def rename(self, new_ids: dict[int, int]) -> None:
        """Give people created by assign() (negative ids) the ids the catalog gave them."""
        self.ids = [new_ids.get(i, i) for i in self.ids]
        self._row = {person: row for row, person in enumerate(self.ids)}

    def merges(
        self,
        touched: set[int],
        mergeable: set[int],
        apart: set[frozenset[int]],
        threshold: float = MERGE_DISTANCE,
    ) -> list[tuple[int, int]]:
        """(keep, gone) pairs that make close people one; only people in `mergeable` (the
        unnamed, unhidden ones) are joined, each pair in `apart` never, and only people that
        `touched` (got faces in this pass) start a look. Nearest means are the candidates."""
        rows = [self._row[p] for p in touched if p in mergeable and p in self._row]
        ok = np.array([p in mergeable for p in self.ids])
        parent = list(range(len(self.ids)))

        def root(r: int) -> int:
            while parent[r] != r:
                parent[r] = parent[parent[r]]
                r = parent[r]
            return r

        means = self._means[: len(self.ids)]
        for row in sorted(rows, key=lambda r: -self._counts[r]):
            d = np.linalg.norm(means - means[row], axis=1)
            d[row] = np.inf
            d[~ok] = np.inf
            mine = np.stack(self._exemplars[row])
            for other in map(int, np.argsort(d)[:CANDIDATES]):
                if not np.isfinite(d[other]) or root(other) == root(row):
                    continue
                if frozenset((self.ids[row], self.ids[other])) in apart:
                    continue
                theirs = np.stack(self._exemplars[other])
                link = np.linalg.norm(mine[:, None, :] - theirs[None, :, :], axis=2).mean()
                if link < threshold:
                    parent[root(other)] = root(row)
        groups: dict[int, list[int]] = {}
        for r in range(len(self.ids)):
            groups.setdefault(root(r), []).append(r)
        pairs = []
        for members in groups.values():
            if len(members) > 1:
                keep = max(members, key=lambda r: (self._counts[r], -self.ids[r]))
                pairs += [(self.ids[keep], self.ids[r]) for r in members if r != keep]
        return pairs

    def _nearest_rows(self, chunk: np.ndarray, known: int) -> np.ndarray:
        """[len(chunk), <= CANDIDATES] rows of the nearest means, nearest first."""
        if known == 0:
            return np.zeros((len(chunk), 0), np.int64)
        means = self._means[:known]
        d2 = (
            (chunk * chunk).sum(axis=1)[:, None]
            - 2 * chunk @ means.T
            + (means * means).sum(axis=1)[None, :]
        )
        n = min(CANDIDATES, known)
        part = np.argpartition(d2, n - 1, axis=1)[:, :n]
        order = np.take_along_axis(d2, part, axis=1).argsort(axis=1)
        rows: np.ndarray = np.take_along_axis(part, order, axis=1)
        return rows

    def _best_match(self, v: np.ndarray, rows: np.ndarray, no: frozenset[int]) -> int | None:
        """The row whose exemplars are nearest on average, if under the threshold."""
        best, best_d = None, self.threshold
        for row in map(int, rows):
            if self.ids[row] in no:
                continue
            d = float(np.linalg.norm(np.stack(self._exemplars[row]) - v, axis=1).mean())
            if d < best_d:
                best, best_d = row, d
        return best


# A named person's search results: faces within this distance of a face the user named them
# from (and nearer to it than to any face the user took out of them). Chosen on LFW's dev
# people (docs/people.md): the smallest that keeps recall within 0.005 of no limit.
NAMED_DISTANCE = 0.60


def kept_for_name(
    vectors: np.ndarray,
    confirmed: np.ndarray,
    rejected: np.ndarray,
    within: float = NAMED_DISTANCE,
) -> np.ndarray:
    """Which of a named person's faces their name stands for: a look-alike grouped with them
    is held back when it lies far from every confirmed face, or nearer a face the user said
    is not them. confirmed is a boolean mask over vectors; rejected holds embeddings."""
    if not len(vectors) or not confirmed.any():
        return np.ones(len(vectors), bool)
    near = _nearest_distance(vectors, vectors[confirmed])
    keep = near < within
    if len(rejected):
        keep &= near < _nearest_distance(vectors, rejected)
    out: np.ndarray = keep | confirmed
    return out


def _nearest_distance(vectors: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distance from each of vectors to the nearest of others ([n, m] floats, not [n, m, d])."""
    a = np.asarray(vectors, np.float64)
    b = np.asarray(others, np.float64)
    d2 = (a * a).sum(axis=1)[:, None] - 2 * a @ b.T + (b * b).sum(axis=1)[None, :]
    out: np.ndarray = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out
