"""The face pass: find the faces of every indexed photo not looked at yet, then group them.

A generator like indexing: it yields FacePass progress records and returns a FaceSummary;
whoever drives it may stop at any yield. Faces are stored a batch of photos per transaction,
so a killed run loses at most the batch in flight, and the next run carries on.

dlib holds the GIL, so the photos are read and searched in worker processes (one a core),
each with its own models; this process only writes the results.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Generator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import DecodeError
from core.people.detector import MODEL_NAME, FaceModel
from core.people.grouping import Grouper
from core.progress import Progress
from core.storage.catalog import Catalog
from core.storage.faces import FaceStore, FoundFace
from core.storage.lock import IndexLock

# Photos a worker reads in one task, and photos per catalog transaction.
CHUNK = 4
BATCH = 16
# Fewer photos than this are done in this process: starting workers costs a second or two.
IN_PROCESS_BELOW = 32


@dataclass
class FaceSummary:
    """What a face pass did; the CLI prints it inside index's JSON."""

    photos: int = 0
    faces: int = 0
    unreadable: int = 0
    grouped: int = 0
    new_people: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "photos": self.photos,
            "faces": self.faces,
            "unreadable": self.unreadable,
            "grouped": self.grouped,
            "new_people": self.new_people,
            "seconds": round(self.seconds, 3),
        }


Scan = tuple[int, list[FoundFace] | str]  # photo id, its faces or why it could not be read
# One model a process, kept across tasks and runs; dlib's objects are not for two threads at
# once, so runs in this process (not in workers) take turns.
_model = FaceModel()
_model_lock = threading.Lock()


def scan_photos(photos: list[tuple[int, str]]) -> list[Scan]:
    """Faces of a few photos: a worker process's task."""
    model = _model
    out: list[Scan] = []
    for photo_id, path in photos:
        try:
            out.append((photo_id, model.find_in_file(Path(path))))
        except DecodeError as e:
            out.append((photo_id, str(e)))
    return out


def find_faces(
    catalog: Catalog, lock_path: Path, workers: int | None = None
) -> Generator[Progress, None, FaceSummary]:
    """Look for faces in every indexed photo not looked at yet, then group the new faces."""
    start = time.monotonic()
    summary = FaceSummary()
    store = FaceStore(catalog)
    with IndexLock(lock_path):
        todo = store.photos_to_scan(MODEL_NAME)
        if todo:
            yield from _scan_all(store, todo, summary, workers)
        yield Progress("grouping", 0, 1)
        summary.grouped, summary.new_people = group_faces(store)
        yield Progress("grouping", 1, 1)
    summary.seconds = time.monotonic() - start
    return summary


def _scan_all(
    store: FaceStore, todo: list[tuple[int, str]], summary: FaceSummary, workers: int | None
) -> Generator[Progress, None, None]:
    n = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
    pool: Executor | None = None
    if n > 1 and len(todo) >= IN_PROCESS_BELOW:
        # spawn, not fork: forking a process that has threads (the GUI) can deadlock.
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
    chunks = iter([todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)])
    pending: deque[Future[list[Scan]] | list[Scan]] = deque()
    batch: list[tuple[int, list[FoundFace]]] = []
    paths = dict(todo)
    done = 0
    began = time.monotonic()
    try:
        while True:
            while len(pending) < 2 * n and (photos := next(chunks, None)) is not None:
                if pool is not None:
                    pending.append(pool.submit(scan_photos, photos))
                else:
                    with _model_lock:
                        pending.append(scan_photos(photos))
                    break
            if not pending:
                break
            head = pending.popleft()
            scans = head.result() if isinstance(head, Future) else head
            for photo_id, found in scans:
                if isinstance(found, str):
                    summary.unreadable += 1
                    found = []  # not retried until the photo changes
                batch.append((photo_id, found))
                summary.faces += len(found)
            summary.photos += len(scans)
            done += len(scans)
            if len(batch) >= BATCH or (not pending and batch):
                store.store_scans(MODEL_NAME, batch)
                batch = []
            rate = done / max(time.monotonic() - began, 1e-6)
            eta = (len(todo) - done) / rate if rate > 0 else None
            yield Progress("faces", done, len(todo), rate, eta, paths[scans[-1][0]])
        if batch:
            store.store_scans(MODEL_NAME, batch)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def group_faces(store: FaceStore) -> tuple[int, int]:
    """Place every ungrouped face in a person; returns (faces grouped, people created)."""
    ids, vectors = store.ungrouped()
    if not len(ids):
        return 0, 0
    before = store.counts()["people"]
    grouper = Grouper()
    for person_id, vector in store.grouped():
        grouper.add_faces(person_id, (vector,))
    rejected = store.rejections()
    forbidden = [frozenset(rejected.get(int(f), ())) for f in ids]
    people = grouper.assign(vectors, forbidden)
    new = len({p for p in people if p < 0})
    created = store.assign(ids.tolist(), people, new)
    grouper.rename({-1 - i: person for i, person in enumerate(created)})
    # Then people that this pass split in two become one (never a named or hidden person,
    # never two people the user kept apart).
    touched = {p if p >= 0 else created[-p - 1] for p in people}
    apart = {frozenset(pair) for pair in store.kept_apart()}
    merges = grouper.merges(touched, store.mergeable(), apart)
    store.merge_many(merges)
    return len(ids), store.counts()["people"] - before
