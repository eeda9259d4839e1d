"""What the catalog knows beyond pixels about RAW files and videos: each video's duration, and
the RAW files shown as companions of a JPEG of the same name (RAW+JPEG pairs).

A companion is not a photo row: the pair is one photo (the JPEG's row), and the RAW's path is
listed beside it. Indexing rewrites the pairs under each folder it walks, so they follow the
disk. The tables come from schema.py's migration _media_files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.storage.catalog import Catalog, path_key, path_str, prefix_range


@dataclass(frozen=True)
class MediaFacts:
    """A photo's video duration (None for a still) and the RAW files shown with it."""

    duration: float | None = None
    companions: tuple[str, ...] = ()


def set_durations(catalog: Catalog, durations: Sequence[tuple[bytes, float]]) -> None:
    """Store the duration of each video path (its current row)."""
    if not durations:
        return
    with catalog.transaction() as c:
        c.executemany(
            "INSERT OR REPLACE INTO video_info(photo_id, duration) "
            "SELECT id, ? FROM photos WHERE path = ?",
            [(seconds, key) for key, seconds in durations],
        )


def copy_duration(catalog: Catalog, source_id: int, key: bytes) -> None:
    """A copied video's row takes its source's duration."""
    with catalog.transaction() as c:
        c.execute(
            "INSERT OR REPLACE INTO video_info(photo_id, duration) "
            "SELECT p.id, v.duration FROM photos p, video_info v "
            "WHERE p.path = ? AND v.photo_id = ?",
            (key, source_id),
        )


def replace_companions(catalog: Catalog, root: bytes, pairs: Iterable[tuple[bytes, bytes]]) -> int:
    """The (companion path, main path) pairs found below root replace those stored; returns
    how many there are now."""
    rows = list(pairs)
    with catalog.transaction() as c:
        c.execute("DELETE FROM companions WHERE path >= ? AND path < ?", prefix_range(root))
        c.executemany("INSERT OR REPLACE INTO companions(path, main_path) VALUES (?, ?)", rows)
    return len(rows)


def media_facts(catalog: Catalog, ids: Sequence[int]) -> dict[int, MediaFacts]:
    """Duration and companions of the photos ids that have either."""
    if not ids:
        return {}
    durations: dict[int, float | None] = {}
    companions: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for pid, seconds in catalog.conn.execute(
            f"SELECT photo_id, duration FROM video_info WHERE photo_id IN ({marks})", chunk
        ):
            durations[int(pid)] = None if seconds is None else float(seconds)
        for pid, key in catalog.conn.execute(
            f"SELECT p.id, c.path FROM photos p JOIN companions c ON c.main_path = p.path "
            f"WHERE p.id IN ({marks}) ORDER BY c.path",
            chunk,
        ):
            companions.setdefault(int(pid), []).append(path_str(key))
    return {
        pid: MediaFacts(durations.get(pid), tuple(companions.get(pid, ())))
        for pid in durations.keys() | companions.keys()
    }


def video_durations(catalog: Catalog) -> dict[str, float]:
    """{path: seconds} of every indexed video: what the gallery's tiles show."""
    rows = catalog.conn.execute(
        "SELECT p.path, v.duration FROM video_info v JOIN photos p ON p.id = v.photo_id "
        "WHERE p.status = 'ok' AND v.duration IS NOT NULL"
    )
    return {path_str(key): float(seconds) for key, seconds in rows}


def companion_pairs(catalog: Catalog) -> list[tuple[str, str]]:
    """(file, the photo it is shown with) of every companion (RAW files, Live Photo clips)."""
    rows = catalog.conn.execute("SELECT path, main_path FROM companions")
    return [(path_str(key), path_str(main)) for key, main in rows]


def companions_of(catalog: Catalog, path: str) -> list[str]:
    """The files shown with the photo at path (its RAW, a Live Photo's clip), sorted."""
    rows = catalog.conn.execute(
        "SELECT path FROM companions WHERE main_path = ? ORDER BY path", (path_key(path),)
    )
    return [path_str(key) for (key,) in rows]
