"""Recall@10 against an exhaustive ranking, and query latency, at 1k, 10k and 100k photos.

    .venv/bin/python -m benchmarks.recall [--sizes 1000 10000 100000] [--crossover 100000 300000]
        [--queries "similar --class"] [--candidates 200 300] [--k 500] [--keep DIR] [--real]

Each library is a real catalog whose features are made from the real photos in ../shared/data
(every photo's CNN features, cached in benchmarks/out/): each synthetic photo mixes two real
photos' features (weights 1 : 0-1) with 10% per-value noise, so the library has the structure
of real photos without holding 100,000 of them. (Without ../shared, random features are used.)
The queries go through the public API (`Library.find_similar`, with and without a class, and
`Library.search`); the reference answers the same calls with the ranking replaced by an exact
scan of every photo's vectors, computed from the catalog. Latency is timed in the process after
two warm-up queries. `--crossover` times the exact scan against Annoy on image vectors alone.
`--k` asks for more results per query (recall@k). `--real` first measures a library of the
shared photos themselves (each photo's own features). "same at any -k": the share of searches
whose top k, photos and scores, is the start of the same search's whole ranking. `--keep DIR`
builds each library once under DIR/N and reuses it (for iterating; the README's tables come
from fresh libraries).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.query_latency import synthetic_library
from core.library import Library
from core.search.space_index import SpaceIndex
from core.storage.profile import REPO_ROOT, resolve_profile
from core.vectors import feature_cache, vector_store
from core.vectors.ann import unit_rows
from core.vectors.feature_cache import FeatureCache, class_scores
from evaluation.everyday import FEATURE_CACHE, SOURCES

SHARED = REPO_ROOT.parent / "shared" / "data"
CACHE = REPO_ROOT / "benchmarks" / "out" / "shared-features-efficientnet-lite0.npz"
WORDS = ["dog", "beach", "car", "snow", "child", "street", "horse", "boat", "grass", "water"]
WORDS += ["bird", "bicycle", "kitchen", "mountain", "cat", "train", "sofa", "sheep", "bus", "tree"]
CLASSES = ["tabby", "golden retriever", "sports car", "airliner", "speedboat", "school bus"]
CLASSES += ["studio couch", "mountain bike", "ox", "passenger car"]
# Several words, a phrase and a "-word": every term of a query must fit (core/search).
PHRASES = ["kids playing in the snow", "a street at night", "dog -pug", "woman with a hat"]
PHRASES += ["city night", "child beach", "mountain lake", "black dog grass"]
QUERIES = ["similar", "similar --class", "search"]


def real_features() -> np.ndarray | None:
    """Raw features of every photo in ../shared/data, computed once and cached."""
    if CACHE.exists():
        with np.load(CACHE) as npz:
            return np.asarray(npz["features"], np.float32)
    shared = [FEATURE_CACHE / f"{s}.crop.npz" for s in ("pascal-sentences", *SOURCES)]
    if all(p.exists() for p in shared):  # python -m export shared-features: the same features
        parts = []
        for path in shared:
            with np.load(path) as npz:
                parts.append(np.asarray(npz["features"], np.float32))
        return np.concatenate(parts)
    if not SHARED.is_dir():
        return None
    from core.media.decode import load_pixels
    from core.models.encoder import ImageEncoder

    paths = sorted(p for p in SHARED.glob("*/images/**/*.jpg"))
    encoder = ImageEncoder("efficientnet-lite0")
    out = []
    for start in range(0, len(paths), 32):
        pixels = np.stack([load_pixels(p, encoder.input_size) for p in paths[start : start + 32]])
        out.append(encoder.encode(pixels).features.astype(np.float16))
    feats = np.concatenate(out)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    keys = np.array([str(p.relative_to(SHARED)) for p in paths])
    np.savez(CACHE, keys=keys, features=feats)
    return feats.astype(np.float32)


def feature_maker(real: np.ndarray | None) -> Callable[[np.random.Generator, int], np.ndarray]:
    def make(rng: np.random.Generator, count: int) -> np.ndarray:
        dim = 1280
        if real is None:
            return np.abs(rng.normal(0, 1, (count, dim))) * rng.uniform(0.2, 2.0, (count, 1))
        i = rng.integers(0, len(real), count)
        j = rng.integers(0, len(real), count)
        a = rng.uniform(0.0, 1.0, (count, 1)).astype(np.float32)
        mixed = (real[i] + a * real[j]) / (1 + a)
        noise = rng.lognormal(0.0, 0.1, mixed.shape).astype(np.float32)
        return np.asarray(np.clip(mixed * noise, 0, 6), np.float32)

    return make


def real_photos(real: np.ndarray) -> Callable[[np.random.Generator, int], np.ndarray]:
    """The shared photos' own features, in turn (a library of the real photos)."""
    at = [0]

    def make(rng: np.random.Generator, count: int) -> np.ndarray:
        out = real[at[0] : at[0] + count]
        at[0] += count
        return out

    return make


def timed(
    fn: Callable[[Any], Any], args: list[Any], cpu: list[float] | None = None
) -> tuple[list[Any], list[float]]:
    """Results and wall-clock ms of fn over args (after two warm-up calls: a large store turns
    its rows at its second query); CPU ms go into cpu."""
    fn(args[0])
    fn(args[-1])
    results, times = [], []
    for a in args:
        start, start_cpu = time.perf_counter(), time.thread_time()
        results.append(fn(a))
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000)
    return results, times


@contextmanager
def exhaustive_ranking(library: Library) -> Iterator[None]:
    """Answer every query of the library by an exact scan of every photo (the reference)."""
    ids_feats = list(library.catalog.iter_features(library.backbone, library.encoder.feature_dim))
    ids = np.concatenate([i for i, _ in ids_feats])  # ascending, as the catalog lists them
    feats = np.concatenate([f for _, f in ids_feats])
    spaces: dict[str, np.ndarray] = {}

    def space_query(
        self: SpaceIndex, vector: np.ndarray, k: int, exclude: frozenset[int] = frozenset()
    ) -> list[tuple[int, float]]:
        return exact(space_vectors(self) @ vector, k, exclude)

    def space_vectors(self: SpaceIndex) -> np.ndarray:
        if self.space.name not in spaces:
            chunks = [self.space.transform(feats[s : s + 8192]) for s in range(0, len(feats), 8192)]
            spaces[self.space.name] = unit_rows(np.concatenate(chunks))
        return spaces[self.space.name]

    def class_query(
        self: FeatureCache,
        query: np.ndarray,
        weight: np.ndarray,
        k: int,
        exclude: frozenset[int] = frozenset(),
    ) -> list[tuple[int, float]]:
        return exact(class_scores(feats, query, weight), k, exclude)

    def exact(scores: np.ndarray, k: int, exclude: frozenset[int]) -> list[tuple[int, float]]:
        scores = scores.copy()
        scores[np.isin(ids, list(exclude))] = -np.inf
        return [(int(ids[j]), float(scores[j])) for j in vector_store.top_k(scores, k)]

    def space_products(self: SpaceIndex, photos: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        matrix = space_vectors(self)[np.searchsorted(ids, photos)]
        return np.stack([matrix @ np.asarray(v, np.float32) for v in vectors])

    saved = SpaceIndex.query, SpaceIndex.products, FeatureCache.class_similar
    SpaceIndex.query = space_query  # type: ignore[method-assign]
    SpaceIndex.products = space_products  # type: ignore[method-assign]
    FeatureCache.class_similar = class_query  # type: ignore[method-assign]
    try:
        yield
    finally:
        SpaceIndex.query, SpaceIndex.products, FeatureCache.class_similar = saved  # type: ignore[method-assign]


def recall_rows(
    library: Library,
    label: str,
    candidates: list[int],
    queries: list[str] = QUERIES,
    k: int = 10,
) -> list[str]:
    rng = np.random.default_rng(1)
    photos = [p for _, p in library.catalog.ok_photos()]
    sample = [photos[i] for i in rng.choice(len(photos), 100, replace=False)]
    class_args = [(sample[i], CLASSES[i % len(CLASSES)]) for i in range(40)]
    search_args = WORDS + [f"{a} {b}" for a, b in zip(WORDS, WORDS[::-1], strict=True)]
    search_args += PHRASES
    cases: list[tuple[str, Callable[[Any], list[str]], list[Any]]] = [
        ("similar", lambda p: [h.path for h in library.find_similar(p, k)], sample),
        (
            "similar --class",
            lambda a: [h.path for h in library.find_similar(a[0], k, a[1])],
            class_args,
        ),
        ("search", lambda w: [h.path for h in library.search(w.split(), k).hits], search_args),
    ]
    runs: list[tuple[str, Callable[[Any], list[str]], list[Any], int | None]] = [
        (name, fn, args, None) for name, fn, args in cases if name != "similar --class"
    ]
    runs[1:1] = [(cases[1][0], cases[1][1], cases[1][2], c) for c in candidates]
    runs = [r for r in runs if r[0] in queries]
    rows = []
    for name, fn, args, c in runs:
        if c is not None:
            feature_cache.CANDIDATES = c
        cpu: list[float] = []
        got, times = timed(fn, args, cpu)
        with exhaustive_ranking(library):
            truth = [fn(a) for a in args]
        pairs = zip(got, truth, strict=True)
        recall = np.mean([len(set(g) & set(t)) / max(len(t), 1) for g, t in pairs])
        index = library.joint_index if name == "search" else library.image_index
        method = index.status()["method"] if c is None else f"two-stage, {c}"
        stable = "" if name != "search" else f"{same_at_any_k(library, args, k):.3f}"
        rows.append(
            f"| {label} | {name} | {method} | {recall:.3f} | {stable} "
            f"| {np.percentile(times, 50):.1f} | {np.percentile(times, 95):.1f} "
            f"| {np.percentile(cpu, 50):.1f} | {np.percentile(cpu, 95):.1f} |"
        )
    return rows


def same_at_any_k(library: Library, queries: list[str], k: int) -> float:
    """Share of queries whose top k (photos and scores) is the start of their whole ranking."""
    same = 0
    for q in queries:
        short = [(h.path, h.score) for h in library.search(q.split(), k).hits]
        whole = [(h.path, h.score) for h in library.search(q.split(), 10**9).hits]
        same += short == whole[:k]
    return same / len(queries)


def first_rows(store: vector_store.LoadedVectors, vector: np.ndarray) -> np.ndarray:
    return store.query(vector, 10)[0]


def crossover_rows(real: np.ndarray | None, sizes: list[int]) -> list[str]:
    """Exact scan against Annoy (tuned, candidates re-ranked) on unit image vectors alone."""
    from core.models.encoder import ImageEncoder
    from core.models.joint import ImageSpace

    space = ImageSpace(ImageEncoder("efficientnet-lite0"))
    make = feature_maker(real)
    rows = []
    for n in sizes:
        rng = np.random.default_rng(2)
        vecs = np.concatenate(
            [unit_rows(space.transform(make(rng, min(20000, n - s)))) for s in range(0, n, 20000)]
        )
        queries = vecs[rng.choice(n, 100, replace=False)]
        root = Path(tempfile.mkdtemp(prefix="ps-crossover-"))
        try:
            chunks = (
                (np.arange(s, min(s + 20000, n)), vecs[s : s + 20000]) for s in range(0, n, 20000)
            )
            t0 = time.perf_counter()
            store = vector_store.VectorStore(root, "x", vecs.shape[1]).build(chunks, n, {}, 0)
            build = time.perf_counter() - t0
            for method, ann in (("exact", None), ("annoy", store.ann)):
                loaded = vector_store.LoadedVectors(store.ids, store.vectors, store.meta, ann)
                got, times = timed(partial(first_rows, loaded), list(queries))
                truth = [vector_store.top_k(vecs @ q, 10) for q in queries]
                recall = np.mean(
                    [len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)]
                )
                extra = f" (build {build:.0f} s, {vector_store.ANN_TREES} trees)" if ann else ""
                rows.append(
                    f"| {n:,} | {method}{extra} | {recall:.3f} | {np.percentile(times, 50):.1f} "
                    f"| {np.percentile(times, 95):.1f} |"
                )
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--crossover", type=int, nargs="*", default=[])
    parser.add_argument(
        "--candidates",
        type=int,
        nargs="+",
        default=[feature_cache.CANDIDATES],
        help="class search: photos re-ranked exactly (several values: one row each)",
    )
    parser.add_argument(
        "--k", type=int, default=10, help="results per query (recall@K; the GUI asks for 100s)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build each library under KEEP/N and reuse it if there (for iterating; not for the "
        "README's table)",
    )
    parser.add_argument(
        "--queries",
        nargs="+",
        choices=QUERIES,
        default=QUERIES,
        help='query types to measure (e.g. --queries "similar --class")',
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="first a library of every shared photo's own features (no mixing, no noise)",
    )
    args = parser.parse_args()
    default_candidates = [feature_cache.CANDIDATES]
    real = real_features()
    print(f"features: {'mixes of real photos' if real is not None else 'random (no shared data)'}")
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"\n| photos | query | method | recall@{args.k} | same at any -k | p50 ms | p95 ms "
        "| CPU p50 | CPU p95 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    libraries = [(f"{n:,}", n, feature_maker(real)) for n in args.sizes]
    if args.real and real is not None:
        libraries.insert(0, (f"{len(real) + 1:,} real", len(real) + 1, real_photos(real)))
    for label, n, make in libraries:
        name = label.replace(",", "").replace(" ", "-")
        root = args.keep / name if args.keep else Path(tempfile.mkdtemp(prefix="ps-recall-"))
        try:
            t0 = time.perf_counter()
            if (root / "built").exists():
                library = Library(resolve_profile(root / "profile"))
            else:
                shutil.rmtree(root, ignore_errors=True)
                library, _ = synthetic_library(root, n, make)
                (root / "built").touch()
            print(
                f"<!-- {label} photos ready in {time.perf_counter() - t0:.0f} s -->",
                file=sys.stderr,
            )
            for row in recall_rows(library, label, args.candidates, args.queries, args.k):
                print(row, flush=True)
            library.close()
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    if args.crossover:
        print("\n| vectors | method | recall@10 | p50 ms | p95 ms |\n|---|---|---|---|---|")
        for row in crossover_rows(real, args.crossover):
            print(row, flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    print(f"Annoy from {vector_store.ANN_MIN_ITEMS:,} photos")
    sizes = " ".join(map(str, args.sizes))
    cross = f" --crossover {' '.join(map(str, args.crossover))}" if args.crossover else ""
    if args.candidates != default_candidates:
        cross += f" --candidates {' '.join(map(str, args.candidates))}"
    if args.real:
        cross += " --real"
    if args.k != 10:
        cross += f" --k {args.k}"
    if args.queries != QUERIES:
        cross += " --queries " + " ".join(f'"{q}"' if " " in q else q for q in args.queries)
    print(f"command: .venv/bin/python -m benchmarks.recall --sizes {sizes}{cross}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
