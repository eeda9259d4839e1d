"""People: face detection, grouping and "name one photo, find the rest", speed and memory.

    .venv/bin/python -m benchmarks.faces lfw [--split test]     quality on LFW people
    .venv/bin/python -m benchmarks.faces speed [--count 48]     face pass on 12 MP JPEGs
    .venv/bin/python -m benchmarks.faces grouping [--faces 100000]
    .venv/bin/python -m benchmarks.faces wild [--sheet DIR]     Pascal person / Flickr8k groups
    .venv/bin/python -m benchmarks.faces memory [--photos 10000]
    .venv/bin/python -m benchmarks.faces decode [--count 16]    reuse indexing's decode?

`lfw` indexes the photos of one split's people (evaluation/faces.py: by person, thresholds
were chosen on "dev", figures are reported on "test") into a temporary library with the real
`index`, then reads what a user would see: the faces stored (a detection counts when a face
is centred in LFW's crop), the people formed (pairwise precision and recall of the central
faces), and, for each person, `search NAME` after naming the person that the central face of
their first photo is in (precision and recall of the photos returned).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.library import Library
from core.people.detector import FaceModel
from core.people.grouping import Grouper
from core.people.service import normalise_name
from core.storage.profile import resolve_profile
from evaluation.faces import LFW_DIR, is_central, lfw_photos, pairwise_precision_recall

SHARED = LFW_DIR.parent


def drive(run: Generator[Any, None, Any]) -> Any:
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def lfw(split: str) -> dict[str, Any]:
    photos = lfw_photos(split)
    if not photos:
        sys.exit(f"no LFW photos in {LFW_DIR}")
    tmp = Path(tempfile.mkdtemp(prefix="faces-lfw-"))
    try:
        # Files named by a hash, in one folder: indexed (and so grouped) in an order that
        # mixes the people, as in a real library, not one person after another.
        folder = tmp / "photos"
        folder.mkdir()
        label: dict[str, str] = {}  # photo path -> person
        for p in photos:
            digest = hashlib.sha1(f"{p.person}/{p.path.name}".encode()).hexdigest()[:16]
            target = folder / f"{digest}.jpg"
            shutil.copy(p.path, target)
            label[str(target)] = p.person
        library = Library(resolve_profile(tmp / "profile"))
        library.add_folder(folder)
        start = time.monotonic()
        summary = drive(library.index())
        seconds = time.monotonic() - start
        people = library.people
        central: dict[str, int | None] = {}  # photo path -> person of its central face
        found = 0
        for path in sorted(label):
            faces = [f for f in people.faces_in(path) if is_central(f.box)]
            found += bool(faces)
            central[path] = faces[0].person_id if faces else None
        labels = [label[path] for path in central]
        precision, recall = pairwise_precision_recall(labels, list(central.values()))
        formed = len(people.all(include_hidden=True))
        named = name_and_search(library, label, central)
        library.close()
        return {
            "split": split,
            "people": len(set(label.values())),
            "photos": len(photos),
            "faces_found": summary.faces["faces"],
            "index_seconds": round(seconds, 1),
            "face_pass_seconds": summary.faces["seconds"],
            "detection_recall_central": round(found / len(photos), 4),
            "grouping_pairwise_precision": round(precision, 4),
            "grouping_pairwise_recall": round(recall, 4),
            "people_formed": formed,
            **named,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def name_and_search(
    library: Library, label: dict[str, str], central: dict[str, int | None]
) -> dict[str, Any]:
    """Precision and recall of `search NAME` after naming each person from one photo."""
    people = library.people
    # Name one photo, find the rest: each person is named from their first photo, as a
    # user would; where that face is already in a person named for someone else, the user
    # first says "not them" (people remove-face), then names the face's new person.
    # Then every name is searched.
    by_person: dict[str, list[str]] = {}
    for path in central:
        by_person.setdefault(label[path], []).append(path)
    names: dict[str, str] = {}  # person -> the name searched
    relabelled = 0
    for person, paths in sorted(by_person.items()):
        first = central[paths[0]]
        name = person.replace("_", " ")
        for _ in range(3):
            if first is None or people.names().get(first, name) == name:
                break
            people.remove_face(paths[0], first)
            relabelled += 1
            first = next(
                (f.person_id for f in people.faces_in(paths[0]) if is_central(f.box)), None
            )
        if first is None or people.names().get(first, name) != name:
            continue
        people.name(first, name, photo=paths[0])
        names[person] = name
    # [tp, fp, fn] of search, and of every photo of the person as grouped (no named rule).
    counts = {"search": [0, 0, 0], "grouped": [0, 0, 0]}
    ids = people.named()
    path_of = {
        row.id: row.path
        for row in map(library.catalog.photo_by_path, map(Path, label))
        if row is not None
    }
    for person, paths in sorted(by_person.items()):
        if person not in names:
            for c in counts.values():
                c[2] += len(paths)
            continue
        grouped = people.store.photos_with(ids[normalise_name(names[person])])
        for what, hits in (
            ("search", {h.path for h in library.search([names[person]], k=10_000).hits}),
            ("grouped", {str(path_of[i]) for i in grouped}),
        ):
            right = sum(1 for h in hits if label.get(h) == person)
            c = counts[what]
            c[0] += right
            c[1] += len(hits) - right
            c[2] += len(paths) - right
    (tp, fp, fn), (gtp, gfp, gfn) = counts["search"], counts["grouped"]
    return {
        "search_name_precision": round(tp / max(tp + fp, 1), 4),
        "search_name_recall": round(tp / max(tp + fn, 1), 4),
        "search_name_wrong_photos": fp,
        # The same, had search given every photo of the named person as grouped.
        "all_grouped_photos_precision": round(gtp / max(gtp + gfp, 1), 4),
        "all_grouped_photos_recall": round(gtp / max(gtp + gfn, 1), 4),
        "search_name_not_them_corrections": relabelled,
    }


def person_photos() -> list[Path]:
    """Shared photos with people: Pascal's person class, then Flickr8k group captions."""
    pascal = sorted((SHARED / "pascal-sentences" / "images" / "person").glob("*.jpg"))
    return pascal + [p for p, _ in flickr_groups(200)]


def flickr_groups(count: int) -> list[tuple[Path, str]]:
    """Flickr8k photos whose captions speak of a group of people (first count, by name)."""
    root = SHARED / "flickr8k-train"
    labels = json.loads((root / "labels.json").read_text())
    words = ("group of", "crowd", "team", "people", "men ", "women", "children", "family")
    out = []
    for key, info in sorted(labels.items()):
        text = " ".join(info.get("captions", [])).lower()
        if sum(text.count(w) for w in words) >= 3:
            out.append((root / key, info["captions"][0]))
    return out[:count]


def speed(count: int, workers: int | None) -> dict[str, Any]:
    """The face pass alone on count 12 MP JPEGs (made by upscaling photos with people)."""
    tmp = Path(tempfile.mkdtemp(prefix="faces-speed-"))
    try:
        folder = tmp / "photos"
        folder.mkdir()
        sources = person_photos()
        for i in range(count):
            im = Image.open(sources[i % len(sources)]).convert("RGB")
            size = (4000, 3000) if im.width >= im.height else (3000, 4000)
            im.resize(size, Image.Resampling.BICUBIC).save(folder / f"p{i:04d}.jpg", quality=92)
        library = Library(resolve_profile(tmp / "profile"))
        library.add_folder(folder)
        drive(library.index(faces=False))
        before = cpu_seconds()
        start = time.monotonic()
        summary = drive(library.people.find_faces(workers))
        seconds = time.monotonic() - start
        cpu = cpu_seconds() - before
        library.close()
        own, kids = peak_rss_mib()
        return {
            "photos": count,
            "megapixels": 12,
            "faces": summary.faces,
            "seconds": round(seconds, 2),
            "photos_per_second": round(count / seconds, 2),
            # CPU time does not depend on what else the shared machine runs: with both cores
            # free, the pass runs at about 2 / cpu_seconds_per_photo photos a second.
            "cpu_seconds_per_photo": round(cpu / count, 3),
            "photos_per_second_on_2_free_cores": round(2 * count / cpu, 2),
            "peak_rss_mib_parent": round(own),
            "peak_rss_mib_worker": round(kids),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grouping(n_faces: int, seed: int = 0) -> dict[str, Any]:
    """Group n synthetic faces, as one pass: n/5 people with Zipf-like photo counts (many
    seen once or twice), spread like dlib's space (same person ~0.4 apart, others ~0.9).
    The time is what the numpy grouping costs; quality is measured on LFW, not here."""
    rng = np.random.default_rng(seed)
    n_people = n_faces // 5
    weights = np.minimum(rng.zipf(1.8, n_people), 1000).astype(np.float64)
    who = rng.choice(n_people, n_faces, p=weights / weights.sum())
    centres = rng.normal(0, 0.9 / np.sqrt(256), (n_people, 128)).astype(np.float32)
    faces = centres[who] + rng.normal(0, 0.4 / np.sqrt(256), (len(who), 128)).astype(np.float32)
    grouper = Grouper()
    start = time.monotonic()
    groups = grouper.assign(faces)
    seconds = time.monotonic() - start
    precision, recall = pairwise_precision_recall([str(w) for w in who], groups)
    return {
        "faces": len(who),
        "true_people": len(set(who.tolist())),
        "people_formed": len(grouper),
        "seconds": round(seconds, 1),
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "peak_rss_mib": round(peak_rss_mib()[0]),
    }


def memory(photos: int) -> dict[str, Any]:
    """The face pass's own memory over a catalog of `photos` photos with 2 faces each.

    The detector is replaced by random faces (dlib's memory is per worker process and does
    not grow: see `speed`), so this measures what does grow with the library: the list of
    photos to do, the stored faces and the grouping state.
    """
    import tracemalloc

    from core.people import face_pass
    from core.storage.faces import FoundFace

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 0.9 / np.sqrt(256), (photos // 4, 128)).astype(np.float32)

    def fake_scan(batch: list[tuple[int, str]]) -> list[Any]:
        return [
            (
                photo_id,
                [
                    FoundFace((10, 10, 80, 80), 1.0, 100.0, 0, c + rng.normal(0, 0.02, 128))
                    for c in centres[rng.integers(0, len(centres), 2)]
                ],
            )
            for photo_id, _ in batch
        ]

    tmp = Path(tempfile.mkdtemp(prefix="faces-memory-"))
    try:
        library = Library(resolve_profile(tmp / "profile"))
        with library.catalog.transaction() as c:
            c.executemany(
                "INSERT INTO photos(path, size, mtime_ns, status, indexed_at) "
                "VALUES (?, 1, 1, 'ok', 0)",
                [(f"/photos/p{i:06d}.jpg".encode(),) for i in range(photos)],
            )
        face_pass.scan_photos = fake_scan  # type: ignore[assignment]
        tracemalloc.start()
        start = time.monotonic()
        summary = drive(face_pass.find_faces(library.catalog, library.profile.lock_path, 1))
        seconds = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        library.close()
        return {
            "photos": photos,
            "faces": summary.faces,
            "people": summary.new_people,
            "seconds": round(seconds, 1),
            "peak_python_heap_mib": round(peak / 2**20, 1),
            "peak_rss_mib": round(peak_rss_mib()[0]),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def wild(sheet: Path | None) -> dict[str, Any]:
    """Faces found in photos of people (no identities): counts, and contact sheets to look at."""
    model = FaceModel()
    out: dict[str, Any] = {}
    for label, paths in (
        ("pascal_person", sorted((SHARED / "pascal-sentences/images/person").glob("*.jpg"))),
        ("flickr8k_groups", [p for p, _ in flickr_groups(100)]),
    ):
        counts, flagged, drawn = [], 0, []
        for path in paths:
            faces = model.find_in_file(path)
            counts.append(len(faces))
            flagged += sum(1 for f in faces if f.flags)
            if sheet is not None:
                im = Image.open(path).convert("RGB")
                from PIL import ImageDraw

                d = ImageDraw.Draw(im)
                for f in faces:
                    x, y, w, h = f.box
                    d.rectangle(
                        (x, y, x + w, y + h), outline=(255, 0, 0) if f.flags else (0, 255, 0)
                    )
                drawn.append(im.resize((240, 240 * im.height // im.width)))
        if sheet is not None:
            sheet.mkdir(parents=True, exist_ok=True)
            for start in range(0, len(drawn), 20):
                page = Image.new("RGB", (240 * 5, 240 * 4), "white")
                for i, im in enumerate(drawn[start : start + 20]):
                    page.paste(im, (240 * (i % 5), 240 * (i // 5)))
                page.save(sheet / f"{label}-{start // 20:02d}.png")
        out[label] = {
            "photos": len(paths),
            "faces": sum(counts),
            "photos_with_a_face": sum(1 for c in counts if c),
            "faces_flagged_small_or_blurred": flagged,
        }
    return out


def decode(count: int) -> dict[str, Any]:
    """What reusing indexing's decode for the face pass would save: CPU ms a 12 MP JPEG for
    the main pass's decode (224 px crop), the face pass's (1024 px), and one decode at the
    face pass's scale feeding both (the reuse)."""
    from core.media.decode import centre_crop_resize, decode_image
    from core.people.detector import DETECT_SIDE

    tmp = Path(tempfile.mkdtemp(prefix="faces-decode-"))
    try:
        files = []
        for i, source in enumerate(person_photos()[:count]):
            im = Image.open(source).convert("RGB")
            files.append(tmp / f"p{i:03d}.jpg")
            im.resize((4000, 3000), Image.Resampling.BICUBIC).save(files[-1], quality=92)

        def index_pass(f: Path) -> object:
            return centre_crop_resize(decode_image(f, draft_size=224)[0], 224)

        def face_pass(f: Path) -> Image.Image:
            return decode_image(f, draft_size=DETECT_SIDE // 2)[0]

        def one_for_both(f: Path) -> object:
            return centre_crop_resize(face_pass(f), 224)

        def ms(step: Any) -> float:
            times = []
            for _ in range(3):
                for f in files:
                    start = time.process_time()
                    step(f)
                    times.append(time.process_time() - start)
            return round(float(np.median(times)) * 1000, 1)

        held = face_pass(files[0])
        return {
            "photos": len(files),
            "megapixels": 12,
            "index_pass_decode_ms": ms(index_pass),
            "face_pass_decode_ms": ms(face_pass),
            "one_decode_for_both_ms": ms(one_for_both),
            "held_copy": list(held.size),
            "held_copy_mib": round(held.width * held.height * 3 / 2**20, 2),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("lfw").add_argument("--split", default="test", choices=("dev", "test"))
    p = sub.add_parser("speed")
    p.add_argument("--count", type=int, default=48)
    p.add_argument("--workers", type=int)
    sub.add_parser("grouping").add_argument("--faces", type=int, default=100_000)
    sub.add_parser("wild").add_argument("--sheet", type=Path)
    sub.add_parser("memory").add_argument("--photos", type=int, default=10_000)
    sub.add_parser("decode").add_argument("--count", type=int, default=16)
    args = parser.parse_args()
    print(" ".join(["python -m benchmarks.faces", *sys.argv[1:]]))
    if args.what == "lfw":
        result = lfw(args.split)
    elif args.what == "speed":
        result = speed(args.count, args.workers)
    elif args.what == "grouping":
        result = grouping(args.faces)
    elif args.what == "memory":
        result = memory(args.photos)
    elif args.what == "decode":
        result = decode(args.count)
    else:
        result = wild(args.sheet)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
