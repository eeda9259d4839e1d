"""Photo Search: the desktop app by default, a command line with subcommands for scripts."""

from __future__ import annotations

import argparse
import errno
import io
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from core.errors import PROGRAM

__version__ = "0.1.0"  # the package's version too (pyproject.toml reads it from here)

NEG_PREFIX = "\x00"  # marks a "-word" search term so argparse does not take it for an option


def count(text: str) -> int:
    """An argparse type for -k: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def day(text: str) -> date:
    """An argparse type for --from/--to: a day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def date_range(p: argparse.ArgumentParser) -> None:
    """--from and --to: only photos taken on those days or between them."""
    p.add_argument(
        "--from",
        dest="taken_from",
        type=day,
        metavar="YYYY-MM-DD",
        help="only photos taken on or after this day",
    )
    p.add_argument(
        "--to",
        dest="taken_to",
        type=day,
        metavar="YYYY-MM-DD",
        help="only photos taken on or before this day",
    )


def probability(text: str) -> float:
    """An argparse type for --min-score: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {value:g})")
    return value


class Parser(argparse.ArgumentParser):
    """Usage errors start "photosearch: error:" like every other message, the subcommands' too
    (argparse would name them "photosearch search: error:")."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROGRAM}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROGRAM,
        description="Find photos in your own library by how they look and by words. Offline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="profile folder for the catalog and indexes (default: $PHOTOSEARCH_DATA_DIR, "
        "else your user data folder)",
    )
    parser.add_argument(
        "--backbone",
        metavar="NAME",
        help="image model to index and search with (default: the profile's setting, "
        "efficientnet-lite0)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON value on stdout")
        return p

    p = command("index", "add folders to the library, or refresh it; progress on stderr")
    p.add_argument("folders", nargs="*", metavar="FOLDER", help="default: every library folder")
    p.add_argument(
        "--no-faces", action="store_true", help="skip finding faces this time (see `people`)"
    )

    p = command("similar", "find photos that look like IMAGE (in the library or not)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("-k", type=count, default=10, help="number of results (default 10)")
    p.add_argument(
        "--class",
        dest="class_name",
        metavar="NAME",
        help='compare only what matters for one ImageNet class, e.g. "Siamese cat"',
    )
    p.add_argument(
        "--min-score",
        type=float,
        metavar="P",
        help="show only photos at least this likely (0-1) to show the same kind of thing; "
        "-k stays the most shown",
    )
    date_range(p)

    p = command("tags", "automatic tags for photos")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("-k", type=count, default=10, help="number of tags (default 10)")

    p = command("search", "find photos by words; -word pushes results away from a word")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=count, default=10, help="at most this many results (default 10)")
    p.add_argument(
        "--min-score",
        type=probability,
        default=0.0,
        metavar="P",
        help="only photos whose score (the probability that the photo is relevant, "
        "calibrated on held-out photos) is at least P, 0..1 (default 0: the k best)",
    )
    date_range(p)

    p = command("words", "words similar to WORD (GloVe)")
    p.add_argument("word", metavar="WORD")
    p.add_argument("-k", type=count, default=10, help="number of words (default 10)")

    p = command("classes", "list ImageNet classes, optionally those matching QUERY")
    p.add_argument("query", nargs="?", metavar="QUERY")

    command("status", "folders, photo counts, index freshness and skipped files")

    p = command("places", "where photos were taken (from GPS): countries, regions, cities")
    p.add_argument(
        "name", nargs="*", metavar="NAME", help="list the photos of one place, e.g. paris"
    )

    p = command("set-place", "set where photos were taken, by a town's name (no GPS needed)")
    p.add_argument("place", nargs="?", metavar="PLACE", help="e.g. 'Paris' or 'Paris, Texas'")
    p.add_argument("photos", nargs="+", metavar="PHOTO")
    p.add_argument(
        "--clear", action="store_true", help="forget the place set by hand (GPS is read again)"
    )

    p = command("remove", "remove a folder from the library (the files stay on disk)")
    p.add_argument("folder", metavar="FOLDER")

    p = command("duplicates", "groups of near-identical photos: bursts, edits, resized copies")
    p.add_argument(
        "--threshold",
        type=float,
        metavar="COSINE",
        help="how alike two photos must be, 0-1 (default: the measured one, see README)",
    )

    people_parser(command("people", "people found in your photos, largest first; name them"))

    # Training needs the export extra (TensorFlow); only its arguments live here, so the app
    # never imports export/ unless the user asks to train.
    p = command("train", "train the photo-to-word model on a folder of class subfolders")
    p.add_argument("dataset", metavar="DATA_DIR", help="folder with one subfolder per class")
    p.add_argument(
        "--captions",
        metavar="FILE",
        type=Path,
        help="captions: JSON {relative/path.jpg: [caption, ...]} or TSV 'relative/path<TAB>text'",
    )
    p.add_argument("--name", help="model name in the profile (default: trained-BACKBONE)")
    p.add_argument("--epochs", type=int, default=15, help="training epochs (default 15)")
    p.add_argument("--views", type=int, default=4, help="augmented views per photo (default 4)")

    return parser


def people_parser(p: argparse.ArgumentParser) -> None:
    """`people` and its actions (cli.cmd_people)."""
    p.add_argument("--all", action="store_true", help="list hidden people too")
    actions = p.add_subparsers(dest="people_command", metavar="ACTION")

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help, description=help)
        a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        return a

    action("list", "the people, largest first (the default)").add_argument(
        "--all", action="store_true", default=argparse.SUPPRESS, help="hidden people too"
    )
    a = action("name", "name a person (an empty NAME takes the name away)")
    a.add_argument("person", type=int, metavar="ID")
    a.add_argument("name", nargs="+", metavar="NAME")
    a.add_argument(
        "--photo",
        metavar="PHOTO",
        help="the photo you name them from (default: their first listed): search for the name "
        "gives the faces that look like theirs in it",
    )
    a = action("merge", "make two people one: ID keeps its id (and its name, if any)")
    a.add_argument("person", type=int, metavar="ID")
    a.add_argument("other", type=int, metavar="OTHER_ID")
    a = action("confirm", "yes, this face in PHOTO is person ID: search for their name gives it")
    a.add_argument("photo", metavar="PHOTO")
    a.add_argument("person", type=int, metavar="ID")
    a = action("remove-face", "this face in PHOTO is not person ID: take it out for good")
    a.add_argument("photo", metavar="PHOTO")
    a.add_argument("person", type=int, metavar="ID")
    a = action("hide", "hide a person from the list (--undo shows them again)")
    a.add_argument("person", type=int, metavar="ID")
    a.add_argument("--undo", action="store_true")
    action("in", "the faces in one photo and who they are").add_argument("photo", metavar="PHOTO")
    action("forget-all", "turn face recognition off and delete every face, person and name")
    action("on", "turn face recognition on again (the next `index` finds faces)")


def protect_negative_words(argv: list[str]) -> list[str]:
    """In `search`, turn "-people" into a word argparse leaves alone; options stay options.

    The words also move after the options: argparse cannot fill one list of positionals from
    two runs, so `search beach -k 5 -people` would otherwise fail on "-people".
    """
    if "search" not in argv:
        return argv
    start = argv.index("search") + 1
    options: list[str] = []
    words: list[str] = []
    expect_value = False
    for tok in argv[start:]:
        if expect_value:
            options.append(tok)
            expect_value = False
        elif tok in ("-k", "--data-dir", "--backbone", "--min-score", "--from", "--to"):
            options.append(tok)
            expect_value = True
        elif tok.startswith("--") or tok == "-h" or (tok.startswith("-k") and tok[2:].isdigit()):
            options.append(tok)
        elif tok.startswith("-") and len(tok) > 1:
            words.append(NEG_PREFIX + tok)
        else:
            words.append(tok)
    return argv[:start] + options + words


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(
        protect_negative_words(list(sys.argv[1:] if argv is None else argv))
    )
    if extra:
        # argparse fills a list of positionals from one run only, so the photos after an
        # option in `similar a.jpg -k 5 b.jpg` come back unparsed: they belong to the list.
        field = {"similar": "images", "tags": "images", "index": "folders"}.get(args.command)
        if field is None or any(e.startswith("-") for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        getattr(args, field).extend(extra)
    if args.data_dir is not None and not args.data_dir.strip():
        # "" would silently mean the current folder.
        parser.error("--data-dir is empty: give the profile folder (it is created if missing)")
    start, end = getattr(args, "taken_from", None), getattr(args, "taken_to", None)
    if start and end and start > end:
        parser.error(f"the date range is empty: --from {start} is after --to {end}")
    if args.command is None:
        from gui.app import run_app

        return run_app(args.data_dir, args.backbone)
    if args.command == "search":
        args.words = [w.removeprefix(NEG_PREFIX) for w in args.words]
    if args.command == "train":
        from export.train_command import run_train

        return run_train(args)

    import cli
    from core.errors import PhotoSearchError, UsageError, describe_os_error

    # File names that are not valid UTF-8 reach us as lone surrogates (os.fsdecode); print them
    # back as the bytes they came from, as ls does, instead of failing under a strict locale.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="surrogateescape")

    handler = getattr(cli, f"cmd_{args.command.replace('-', '_')}")
    try:
        return int(handler(args))
    except UsageError as e:
        cli.warn(f"error: {e}")
        return 2
    except PhotoSearchError as e:
        cli.warn(f"error: {e}")
        return 1
    except KeyboardInterrupt:
        cli.warn("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        # A full or read-only disk reached us from a writer without its own message.
        # (Annoy reports a full disk without an errno, in its message.)
        full = e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) or "No space left" in str(e)
        if not full:
            raise
        cli.warn(f"error: {describe_os_error(e)}")
        return 1


def gui_main() -> int:
    """The `photosearch-gui` launcher: the desktop app, with the same options as `photosearch`."""
    return main()


if __name__ == "__main__":
    sys.exit(main())
