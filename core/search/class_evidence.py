"""What the image classifier says about each photo, kept small and queried fast.

Features -> ImageNet probabilities is a [n, 1280] x [1280, 1000] product: too slow to repeat
for every query over 100k photos. At index refresh each photo's TOP_CLASSES most probable
classes are stored once as an inverted index (class -> photos, probabilities as float16,
about 200 bytes a photo), so a query's weighted class set is scored exactly (against the
stored top classes) by touching only the postings of its classes.

The cache is derived data: class-evidence-MODEL.npz beside the other indexes, with a metadata
file that records the catalog generation and checksum. A damaged or stale cache is rebuilt.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.models.encoder import ImageEncoder, softmax
from core.storage.atomic import atomic_path, atomic_write_bytes
from core.storage.catalog import Catalog
from core.vectors.ann import file_sha256

TOP_CLASSES = 32
N_CLASSES = 1000
# Blend of the joint image-word space with class evidence: score = cosine + weight * evidence,
# evidence being the probability mass on the query's classes (0..1). Chosen on held-out
# Flickr8k photos by benchmarks/class_blend.py: the smallest weight within 1% of the best mean
# AP (204 caption words: 0.111 with the joint space alone, 0.137 at 2, 0.138 at 6). A learned
# blend may replace it.
CLASS_EVIDENCE_WEIGHT = 2.0
# How far a "-word" with class evidence pushes a photo away, relative to wanted words.
NEGATIVE_EVIDENCE_WEIGHT = 0.5
# Rebuild a stale cache during a query only when this many photos are missing from it.
REBUILD_MISSING = 2000


def top_classes(probs: np.ndarray, k: int = TOP_CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k most probable classes (uint16 [n, k]) and probabilities (float16 [n, k])."""
    k = min(k, probs.shape[1])
    top = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    p = np.take_along_axis(probs, top, axis=1)
    return top.astype(np.uint16), p.astype(np.float16)


@dataclass(frozen=True)
class ClassPostings:
    """For each class, the rows whose top classes include it, with that probability."""

    n_rows: int
    offsets: np.ndarray  # int64 [N_CLASSES + 1]
    rows: np.ndarray  # int32, grouped by class
    probs: np.ndarray  # float32 in memory (float16 on disk), beside rows

    @classmethod
    def from_top(cls, classes: np.ndarray, probs: np.ndarray) -> ClassPostings:
        """Invert per-row top classes ([n, k] each)."""
        flat = classes.reshape(-1).astype(np.int64)
        order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=N_CLASSES)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        k = classes.shape[1] if classes.ndim == 2 else 1
        rows = (order // max(k, 1)).astype(np.int32)
        flat_p = probs.reshape(-1)[order].astype(np.float16).astype(np.float32)
        return cls(len(classes), offsets, rows, flat_p)

    def score(self, weights: Mapping[int, float]) -> np.ndarray:
        """float32 [n_rows]: sum over the classes of weight * probability."""
        spans = [(self.offsets[c], self.offsets[c + 1], np.float32(w)) for c, w in weights.items()]
        if not spans:
            return np.zeros(self.n_rows, np.float32)
        rows = np.concatenate([self.rows[lo:hi] for lo, hi, _ in spans])
        values = np.concatenate([w * self.probs[lo:hi] for lo, hi, w in spans])
        out = np.bincount(rows, values, minlength=self.n_rows).astype(np.float32)
        return np.minimum(out, 1.0)


def query_evidence(
    postings: ClassPostings,
    wanted: Sequence[Mapping[int, float]],
    unwanted: Sequence[Mapping[int, float]] = (),
) -> np.ndarray | None:
    """Per-row evidence for a query; None when no wanted term names a class.

    The mean over all wanted terms, a term without classes counting 0, so that in "dog
    sunset" the joint space still decides about sunset (held-out Flickr8k word pairs: mAP
    0.059 against 0.053 for a geometric mean; benchmarks/class_blend.py). Unwanted terms'
    evidence is subtracted.
    """
    if not any(wanted):
        return None
    evidence = np.sum([postings.score(w) for w in wanted if w], axis=0) / len(wanted)
    negative = [w for w in unwanted if w]
    if negative:
        evidence -= NEGATIVE_EVIDENCE_WEIGHT * np.mean([postings.score(w) for w in negative], 0)
    return np.asarray(evidence, np.float32)


def blend(
    joint: np.ndarray, evidence: np.ndarray, weight: float = CLASS_EVIDENCE_WEIGHT
) -> np.ndarray:
    """The text-search score of photos with joint-space cosines and class evidence."""
    return np.asarray(joint + weight * evidence, np.float32)


def candidate_count(k: int) -> int:
    """How many of the joint space's best photos the blend considers for k results."""
    return max(4 * k, 50)


def rank_blended(
    ids: np.ndarray, evidence: np.ndarray, joint_near: Sequence[tuple[int, float]], k: int
) -> list[tuple[int, float]]:
    """(photo id, blended score) of the k best among joint_near (the joint space's best, with
    their cosines) and the photos with the most class evidence.

    A photo outside joint_near is given the lowest cosine in it, an upper bound on its own:
    computing the real one would load the joint model (0.3 s cold) for a few photos.
    """
    if not len(ids):
        return []
    n = min(len(ids), max(2 * k, 20))
    cosines = dict(joint_near)
    floor = min(cosines.values(), default=0.0)
    for pid in ids[np.argpartition(-evidence, n - 1)[:n]].tolist():
        cosines.setdefault(pid, floor)
    cand = np.fromiter(cosines, np.int64, len(cosines))
    sorted_ids = bool(np.all(ids[1:] > ids[:-1]))  # ClassEvidence keeps them sorted
    order = None if sorted_ids else np.argsort(ids)
    at = np.clip(np.searchsorted(ids, cand, sorter=order), 0, len(ids) - 1)
    at = at if order is None else order[at]
    ev = np.where(ids[at] == cand, evidence[at], 0.0)
    final = blend(np.fromiter(cosines.values(), np.float32, len(cosines)), ev)
    top = np.argsort(-final, kind="stable")[:k]
    return [(int(cand[j]), float(final[j])) for j in top]


class ClassEvidence:
    """class-evidence-MODEL.npz (ids and postings) and class-evidence-MODEL.json (metadata)."""

    def __init__(self, catalog: Catalog, index_dir: Path, encoder: ImageEncoder) -> None:
        self.catalog = catalog
        self.encoder = encoder
        self.model = encoder.name
        self.path = index_dir / f"class-evidence-{self.model}.npz"
        self.meta_path = index_dir / f"class-evidence-{self.model}.json"
        # The last verified load, keyed by both files' size and mtime: queries skip re-reading.
        self._memo: tuple[tuple[int, ...], tuple[np.ndarray, ClassPostings, int]] | None = None

    def top_of(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top classes and probabilities of raw features [n, d]."""
        return top_classes(softmax(self.encoder.logits(features)))

    def build(self) -> None:
        """Compute every indexed photo's top classes and write the cache atomically."""
        generation = self.catalog.generation()
        id_parts, cls_parts, prob_parts = [], [], []
        for ids, feats in self.catalog.iter_features(self.model, self.encoder.feature_dim):
            classes, probs = self.top_of(feats)
            id_parts.append(np.asarray(ids, np.int64))
            cls_parts.append(classes)
            prob_parts.append(probs)
        ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.int64)
        classes = np.concatenate(cls_parts) if cls_parts else np.zeros((0, TOP_CLASSES), np.uint16)
        probs = np.concatenate(prob_parts) if prob_parts else np.zeros((0, TOP_CLASSES), np.float16)
        by_id = np.argsort(ids, kind="stable")  # sorted ids: queries find photos by bisection
        ids, classes, probs = ids[by_id], classes[by_id], probs[by_id]
        postings = ClassPostings.from_top(classes, probs)
        with atomic_path(self.path, durable=False) as tmp, open(tmp, "wb") as f:
            np.savez(
                f,
                ids=ids,
                offsets=postings.offsets,
                rows=postings.rows,
                probs=postings.probs.astype(np.float16),
            )
        stat = self.path.stat()
        meta = {
            "items": len(ids),
            "top_classes": TOP_CLASSES,
            "generation": generation,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": file_sha256(self.path),
            "built_at": time.time(),
        }
        atomic_write_bytes(self.meta_path, json.dumps(meta).encode(), durable=False)

    def load(self) -> tuple[np.ndarray, ClassPostings, int] | None:
        """(photo ids, postings, catalog generation) when the cache is intact; else None."""
        try:
            a, b = self.path.stat(), self.meta_path.stat()
        except OSError:
            return None
        key = (a.st_size, a.st_mtime_ns, a.st_ino, b.st_size, b.st_mtime_ns, b.st_ino)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        loaded = self._load()
        self._memo = None if loaded is None else (key, loaded)
        return loaded

    def _load(self) -> tuple[np.ndarray, ClassPostings, int] | None:
        try:
            meta = json.loads(self.meta_path.read_text())
            stat = self.path.stat()
            if stat.st_size != meta["size"]:
                return None
            if stat.st_mtime_ns != meta["mtime_ns"] and file_sha256(self.path) != meta["sha256"]:
                return None
            with np.load(io.BytesIO(self.path.read_bytes()), allow_pickle=False) as npz:
                ids, offsets = npz["ids"], npz["offsets"]
                rows, probs = npz["rows"], npz["probs"]
            n = len(ids)
            if (
                n != meta["items"]
                or offsets.shape != (N_CLASSES + 1,)
                or offsets[0] != 0
                or offsets[-1] != len(rows)
                or len(rows) != len(probs)
                or np.any(np.diff(offsets) < 0)
                or (len(rows) and (rows.min() < 0 or rows.max() >= n))
                or not np.isfinite(probs).all()
            ):
                return None
            postings = ClassPostings(n, offsets.astype(np.int64), rows, probs.astype(np.float32))
            return ids.astype(np.int64), postings, int(meta["generation"])
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    def fresh(self) -> bool:
        loaded = self.load()
        return loaded is not None and loaded[2] == self.catalog.generation()

    def ensure(self) -> None:
        """Build the cache when it is missing, damaged or behind the catalog."""
        if not self.fresh():
            self.build()

    def current(self) -> tuple[np.ndarray, ClassPostings]:
        """(ids, postings) over every indexed photo now: the cache, plus photos indexed since
        it was built (classified on the fly), less photos removed since."""
        loaded = self.load()
        generation = self.catalog.generation()
        if loaded is not None and loaded[2] == generation:
            return loaded[0], loaded[1]
        ok = self.catalog.ok_ids(self.model)
        if loaded is None or len(np.setdiff1d(ok, loaded[0])) >= REBUILD_MISSING:
            with contextlib.suppress(OSError):  # a read-only profile: classify in memory below
                self.build()
            loaded = self.load()
        if loaded is None:
            empty = ClassPostings.from_top(*self._top_for([]))
            loaded = (np.zeros(0, np.int64), empty, -1)
        ids, postings, built = loaded
        if built == generation:
            return ids, postings
        missing = np.setdiff1d(ok, ids)
        alive = np.isin(ids, ok)
        if not len(missing) and alive.all():
            return ids, postings
        # Rare path (indexing since the last refresh): rebuild postings for the union in memory.
        classes, probs = self._top_for(missing.tolist())
        old_cls, old_p = _rows_of(postings)
        keep = np.flatnonzero(alive)
        all_ids = np.concatenate([ids[keep], missing])
        by_id = np.argsort(all_ids, kind="stable")
        merged = ClassPostings.from_top(
            np.concatenate([old_cls[keep], classes])[by_id],
            np.concatenate([old_p[keep], probs])[by_id],
        )
        return all_ids[by_id], merged

    def _top_for(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        if not ids:
            return np.zeros((0, TOP_CLASSES), np.uint16), np.zeros((0, TOP_CLASSES), np.float16)
        feats = self.catalog.features(ids, self.model, self.encoder.feature_dim)
        return self.top_of(feats)


def _rows_of(postings: ClassPostings) -> tuple[np.ndarray, np.ndarray]:
    """Back from postings to per-row top classes [n, k] (rows hold k entries each)."""
    n = postings.n_rows
    k = len(postings.rows) // n if n else TOP_CLASSES
    cls = np.repeat(np.arange(N_CLASSES, dtype=np.uint16), np.diff(postings.offsets))
    order = np.argsort(postings.rows, kind="stable")
    return cls[order].reshape(n, k), postings.probs[order].reshape(n, k)
