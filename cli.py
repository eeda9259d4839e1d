"""The command-line front end: runs core operations and prints their results.

Human-readable text by default, a single JSON value on stdout with --json. Progress and
messages go to stderr, so stdout stays machine-readable.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from core.errors import PROGRAM, PhotoSearchError, ProfileWarning, UsageError
from core.storage.profile import is_too_broad, resolve_profile


def photos(n: int) -> str:
    """A count of photos as a person reads it: "1 photo", "2 photos"."""
    return _count(n, "photo", "photos")


def open_library(args: argparse.Namespace, repair: bool = False) -> Any:
    from core.library import Library

    show_profile_warnings()

    library = Library(resolve_profile(args.data_dir), backbone=args.backbone, repair=repair)
    if library.repair_message:
        warn(library.repair_message)
    return library


def warn(message: str) -> None:
    print(f"{PROGRAM}: {message}", file=sys.stderr)


def show_profile_warnings() -> None:
    """Print what core ignored in the profile (a bad settings file...) as one line each."""
    original = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *rest: Any, **kw: Any) -> None:
        if issubclass(category, ProfileWarning):
            warn(f"warning: {message}")
        else:
            original(message, category, *rest, **kw)

    warnings.showwarning = show


def emit_json(value: object) -> None:
    """One JSON value on stdout, always valid UTF-8: see json_safe for file names."""
    json.dump(json_safe(value), sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


def json_safe(value: object) -> object:
    """Replace lone surrogates (non-UTF-8 file names) so strict JSON parsers accept the output.

    Every string keeps its text with each undecodable byte shown as U+FFFD; a field such as
    "path" whose value had one also gets "path_bytes", the exact name as base64 of its bytes.
    """
    if isinstance(value, str):
        return _replaced(value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for k, v in value.items():
            key = _replaced(str(k))
            out[key] = json_safe(v)
            if isinstance(v, str) and _undecodable(v):
                out[f"{key}_bytes"] = base64.b64encode(os.fsencode(v)).decode("ascii")
        return out
    return value


def _undecodable(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def _replaced(text: str) -> str:
    if not _undecodable(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class ProgressBar:
    """Draws Progress on stderr: one updating line on a terminal, else a line now and then."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Looked up per bar, not bound at import: sys.stderr may have been replaced since.
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.phase = ""

    def update(self, p: Any) -> None:
        now = time.monotonic()
        changed = p.phase != self.phase
        finished = p.total and p.done >= p.total
        if not (self.tty or changed or finished or now - self.last >= 5.0):
            return
        if self.tty and not changed and not finished and now - self.last < 0.1:
            return
        self.last, self.phase = now, p.phase
        line = self.render(p)
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
            if finished:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    @staticmethod
    def render(p: Any) -> str:
        if p.phase == "scanning":
            return f"scanning   {p.done:,} photo files found"
        if p.phase == "dates":
            return f"reading capture dates {p.done:,}/{p.total:,}"
        if p.phase == "grouping":
            return "grouping faces into people" + (" ... done" if p.done >= p.total else " ...")
        if p.phase == "places":
            return f"reading GPS places {p.done:,}/{p.total:,}"
        if p.phase == "building":
            return "building search indexes" + (" ... done" if p.done >= p.total else " ...")
        width = 30
        frac = p.done / p.total if p.total else 1.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        eta = "" if p.eta is None else f"  ETA {format_seconds(p.eta)}"
        label = "faces     " if p.phase == "faces" else "indexing  "
        return f"{label} [{bar}] {p.done:,}/{p.total:,}  {p.rate:.1f} photos/s{eta}"

    def close(self) -> None:
        if self.tty and self.phase:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def format_seconds(s: float) -> str:
    s = round(s)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


# -- commands --------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    library = open_library(args, repair=True)
    folders = [library.check_folder(f) for f in args.folders] if args.folders else library.folders()
    for folder in args.folders or ():
        reason = is_too_broad(folder)
        if reason:
            warn(f"warning: {reason}; indexing it anyway (Ctrl-C stops, nothing is lost)")
    if not folders:
        raise PhotoSearchError("no folders in the library yet: run `index FOLDER` to add one")
    bar = ProgressBar()
    run = library.index(folders, faces=not args.no_faces)
    try:
        while True:
            bar.update(next(run))
    except StopIteration as stop:
        summary = stop.value
    except KeyboardInterrupt:
        run.close()
        bar.close()
        warn("interrupted: photos indexed so far are kept; run `index` again to continue")
        return 130
    bar.close()
    if args.json:
        emit_json(summary.to_json())
        return 0
    print(
        f"added {summary.added}, updated {summary.updated}, moved {summary.moved}, "
        f"removed {summary.removed}, unchanged {summary.unchanged}, "
        f"skipped {len(summary.skipped)} in {summary.seconds:.1f} s"
    )
    if summary.faces is not None:
        f = summary.faces
        print(
            f"faces: {f['faces']} found in {photos(f['photos'])}, "
            f"{f['grouped']} grouped ({f['new_people']} new people)"
        )
    for s in summary.skipped:
        print(f"  skipped {s.path}: {s.reason}")
    for f in summary.missing_folders:
        print(f"  folder not found (its photos are kept): {f}")
    _print_media_summary(summary)
    return 0


def _print_media_summary(summary: Any) -> None:
    """RAW files and videos read, RAW+JPEG pairs and Live Photos, and videos waiting for the
    `video` extra."""
    if summary.raw or summary.videos or summary.companions:
        shown = _count(summary.companions, "file", "files")
        print(
            f"  read {_count(summary.raw, 'RAW file', 'RAW files')} and "
            f"{_count(summary.videos, 'video', 'videos')}; {shown} (RAW, Live Photo clips) "
            "shown with the picture of the same name"
        )
    if summary.videos_unsupported:
        from core.media.video import NOT_INSTALLED

        print(f"  {summary.videos_unsupported} videos not indexed: {NOT_INSTALLED}")


def _per_image(
    args: argparse.Namespace, query: Callable[[str], list[Any]], line: Callable[[Any], str]
) -> int:
    results: dict[str, list[dict[str, object]]] = {}
    failed = 0
    for image in args.images:
        try:
            hits = query(image)
        except PhotoSearchError as e:
            warn(f"error: {e}")
            failed += 1
            continue
        results[image] = [h.to_json() for h in hits]
        if not args.json:
            if len(args.images) > 1:
                print(f"{image}:")
            for h in hits:
                print(line(h))
            if not hits and getattr(args, "min_score", None) is not None:
                print(f"  (no photo scores {args.min_score:g} or more)")
            elif not hits:
                print("  (no results: the library has no other photos)")
    if args.json:
        emit_json(results[args.images[0]] if len(args.images) == 1 and not failed else results)
    return 1 if failed else 0


def cmd_similar(args: argparse.Namespace) -> int:
    library = open_library(args)
    if args.class_name:
        from core.models.imagenet import resolve_class

        resolve_class(args.class_name)  # fail once, before any photo is read
    if args.min_score is not None and not 0.0 <= args.min_score <= 1.0:
        raise UsageError(f"--min-score must be between 0 and 1 (got {args.min_score:g})")
    return _per_image(
        args,
        lambda image: library.find_similar(
            image,
            args.k,
            args.class_name,
            args.min_score,
            taken_from=args.taken_from,
            taken_to=args.taken_to,
        ),
        lambda h: f"{h.score:6.3f}  {h.path}",
    )


def cmd_tags(args: argparse.Namespace) -> int:
    library = open_library(args)
    return _per_image(
        args, lambda image: library.tags(image, args.k), lambda h: f"{h.score:6.3f}  {h.word}"
    )


def cmd_search(args: argparse.Namespace) -> int:
    library = open_library(args)
    result = library.search(
        args.words,
        args.k,
        min_score=args.min_score,
        taken_from=args.taken_from,
        taken_to=args.taken_to,
    )
    if result.unknown:
        warn(f"ignored unknown words: {', '.join(result.unknown)}")
    if args.json:
        emit_json([h.to_json() for h in result.hits])
        return 0
    understood = result.words + ["-" + w for w in result.negated] + [f"[{t}]" for t in result.terms]
    print(f"search: {' '.join(understood)}", file=sys.stderr)
    for h in result.hits:
        print(f"{h.score:6.3f}  {h.path}")
    if not result.hits:
        if args.min_score > 0 and library.photo_counts()["ok"]:
            print(f"no photo scores at least {args.min_score:g}", file=sys.stderr)
        elif args.taken_from or args.taken_to:
            print("no photos taken in that date range", file=sys.stderr)
        elif result.terms:
            print("no photo fits every name and word", file=sys.stderr)
        else:
            print("no photos in the library yet: run `index FOLDER` first", file=sys.stderr)
    return 0


def cmd_words(args: argparse.Namespace) -> int:
    library = open_library(args)
    hits = library.similar_words(args.word, args.k)
    if args.json:
        emit_json([h.to_json() for h in hits])
    else:
        for h in hits:
            print(f"{h.score:6.3f}  {h.word}")
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    from core.models.imagenet import find_classes

    classes = find_classes(args.query)
    if args.json:
        emit_json([c.to_json() for c in classes])
        return 0
    for c in classes:
        print(f"{c.index:4d}  {', '.join(c.names)}")
    if not classes:
        print(f"no ImageNet class matches {args.query!r}", file=sys.stderr)
    return 0


def _kinds(status: dict[str, Any]) -> str:
    """What the photo count holds besides photos, e.g. " (12 RAW, 3 videos; 40 RAW files
    shown with their JPEG)"; "" for photos alone."""
    kinds, pairs = status["kinds"], status["companions"]
    parts = [f"{kinds['raw']:,} RAW"] if kinds["raw"] else []
    if kinds["video"]:
        parts.append(_count(kinds["video"], "video", "videos"))
    shown = []
    if pairs["raw"]:
        shown.append(_count(pairs["raw"], "RAW file", "RAW files") + " shown with their JPEG")
    if pairs["video"]:
        clips = _count(pairs["video"], "Live Photo clip", "Live Photo clips")
        shown.append(clips + " shown with their still")
    text = "; ".join(t for t in (", ".join(parts), ", ".join(shown)) if t)
    return f" ({text})" if text else ""


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def cmd_status(args: argparse.Namespace) -> int:
    library = open_library(args)
    status = library.status()
    if args.json:
        emit_json(status)
        return 0
    print(f"library: {status['data_dir']}")
    print(
        f"photos: {status['photos']:,} indexed{_kinds(status)}, {status['skipped_count']:,} skipped"
    )
    for f in status["folders"]:
        note = "" if f["exists"] else "  (folder not found)"
        print(f"  {f['path']}: {f['photos']:,} photos, {f['skipped']:,} skipped{note}")
    for name, s in status["indexes"].items():
        state = "up to date" if s["fresh"] else f"{s['pending']:,} photos pending a rebuild"
        print(f"{name} index ({s['space']}): {state}")
    for s in _first(status["skipped"], 20):
        print(f"  skipped {s['path']}: {s['reason']}")
    if len(status["skipped"]) > 20:
        print(f"  ... and {len(status['skipped']) - 20} more (see --json)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    library = open_library(args)
    n = library.remove_folder(args.folder)
    if args.json:
        emit_json({"removed": n})
    else:
        print(f"removed the folder and its {n} photos from the library (files are untouched)")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    library = open_library(args)
    groups = library.near_duplicates(args.threshold)
    if args.json:
        emit_json(groups)
        return 0
    for n, group in enumerate(groups, start=1):
        print(f"group {n} ({len(group)} photos):")
        for path in group:
            print(f"  {path}")
    if not groups:
        print("no near-duplicate photos in the library", file=sys.stderr)
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    """people [list | name | merge | confirm | remove-face | hide | in | forget-all | on]."""
    library = open_library(args)
    people = library.people
    action = args.people_command or "list"
    if action not in ("on", "forget-all") and not people.enabled:
        raise PhotoSearchError("face recognition is off: `people on` turns it on")
    if action == "list":
        found = people.all(include_hidden=args.all)
        if args.json:
            emit_json([p.to_json() for p in found])
            return 0
        for p in found:
            hidden = " (hidden)" if p.hidden else ""
            held = f" ({p.held_back} held back from search)" if p.held_back else ""
            print(f"{p.id:5d}  {p.label}{hidden}: {photos(p.photo_count)}{held}")
        if not found:
            print("no people yet: `index` finds the faces in your photos", file=sys.stderr)
        return 0
    if action in ("forget-all", "on"):
        people.set_enabled(action == "on")
        message = (
            "face recognition is on: the next `index` finds faces"
            if action == "on"
            else "face recognition is off; every face, person and name was deleted"
        )
        _report(args, {"face_recognition": action == "on"}, message)
        return 0
    if action == "in":
        faces = people.faces_in(args.photo)
        if args.json:
            emit_json([f.to_json() for f in faces])
        for f in faces if not args.json else []:
            who = f.name or (f"Person {f.person_id}" if f.person_id else f"({f.why_alone})")
            held = " (held back from search: `people confirm` or `people remove-face`)"
            print(f"{who}: box {list(f.box)}{held if f.held_back else ''}")
        return 0
    if action == "remove-face":
        people.remove_face(args.photo, args.person)
        _report(args, {"removed": True}, f"taken out of person {args.person}: {args.photo}")
        return 0
    if action == "name":
        person = people.name(args.person, " ".join(args.name), getattr(args, "photo", None))
    elif action == "confirm":
        person = people.confirm(args.photo, args.person)
    elif action == "merge":
        person = people.merge(args.person, args.other)
    else:
        person = people.hide(args.person, not args.undo)
    _report(args, person.to_json(), f"{person.id}  {person.label}: {photos(person.photo_count)}")
    return 0


def _report(args: argparse.Namespace, value: object, line: str) -> None:
    if args.json:
        emit_json(value)
    else:
        print(line)


def cmd_places(args: argparse.Namespace) -> int:
    library = open_library(args)
    if args.name:
        label, hits = library.photos_at(" ".join(args.name))
        if args.json:
            emit_json({"place": label, "photos": [h.to_json() for h in hits]})
            return 0
        print(f"{label}: {len(hits)} photos", file=sys.stderr)
        for h in hits:
            print(f"{h.taken or '':25}  {h.path}")
        return 0
    tree = library.place_tree()
    if args.json:
        emit_json(tree.to_json())
        return 0
    for country in tree.countries:
        print(f"{country.name} ({country.photos})")
        for region in country.children:
            indent = "    "
            if region.name and region.name != country.name:
                print(f"  {region.name} ({region.photos})")
            else:
                indent = "  "
            for city in region.children:
                print(f"{indent}{city.name} ({city.photos})")
    if tree.unnamed:
        print(f"{tree.unnamed} photos with GPS far from any town", file=sys.stderr)
    if not tree.countries and not tree.unnamed:
        print("no photo in the library has a GPS position", file=sys.stderr)
    return 0


def cmd_set_place(args: argparse.Namespace) -> int:
    library = open_library(args)
    paths = [args.place, *args.photos] if args.clear and args.place else args.photos
    if args.clear:
        n = library.clear_place(paths)
        _report(args, {"cleared": n}, f"{n} of {len(paths)} photos had a place set by hand")
        return 0
    if not args.place:
        raise UsageError("set-place needs a PLACE and the photos, or --clear and the photos")
    label = library.set_place(paths, args.place)
    _report(args, {"place": label, "photos": len(paths)}, f"{label}: {photos(len(paths))}")
    return 0


def _first(items: Iterable[Any], n: int) -> list[Any]:
    return list(items)[:n]
