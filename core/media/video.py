"""Videos through PyAV (FFmpeg): a poster frame at a tenth of the duration, the duration, and
the container's creation time.

PyAV is the optional extra `video` (`pip install 'photo-search[video]'`): without it, a video
is skipped with a reason that names the extra, and the index summary counts such videos.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.errors import DecodeError

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"})
NOT_INSTALLED = "video support is not installed: pip install 'photo-search[video]'"
# Where the poster frame is taken, as a share of the duration: past a fade-in or a title.
POSTER_AT = 0.1
# If that frame is black (a fade-in), this one is tried instead.
FALLBACK_AT = 0.5
BLACK_MEAN = 16.0
# Frames decoded after a seek at most: bounds the work when keyframes are far apart.
MAX_FRAMES_AFTER_SEEK = 240
FLAT_SPREAD = 2.0
# A video is recognised after a move by a digest of its size and three slices, not of all
# its gigabytes.
HASH_SLICE = 1 << 20
# Creation times a camera writes when it has no clock (QuickTime's and Unix's epochs).
NO_CLOCK_YEARS = (1904, 1970)


@dataclass(frozen=True)
class Poster:
    """A video's poster frame (upright RGB), its frame size, creation time and duration."""

    image: Image.Image
    width: int
    height: int
    taken: float | None
    duration: float | None


def is_video(path: str | Path) -> bool:
    """Whether path has a video extension."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def available() -> bool:
    """Whether PyAV is installed, so videos can be read."""
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _av() -> Any:
    try:
        import av
    except ImportError as e:
        raise DecodeError(NOT_INSTALLED) from e
    return av


def hash_video(path: Path, size: int) -> bytes:
    """A 16-byte digest of a video's size and its first, middle and last megabyte."""
    digest = hashlib.sha256(b"video\0" + str(size).encode())
    try:
        with open(path, "rb") as f:
            for start in (0, max(0, size // 2 - HASH_SLICE // 2), max(0, size - HASH_SLICE)):
                f.seek(start)
                digest.update(f.read(HASH_SLICE))
    except PermissionError as e:
        raise DecodeError("permission denied") from e
    except FileNotFoundError as e:
        raise DecodeError("file disappeared while indexing") from e
    except OSError as e:
        raise DecodeError(f"cannot read file: {e.strerror or e}") from e
    return digest.digest()[:16]


@dataclass(frozen=True)
class Probe:
    """A video's frame size, creation time and duration, read without decoding a frame."""

    width: int
    height: int
    taken: float | None
    duration: float | None


def probe(path: Path) -> Probe:
    """The container's facts; raises DecodeError with a reason."""
    with _video_stream(path) as (container, stream):
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        return Probe(width, height, _creation_time(container, stream), _duration(container, stream))


def read_poster(path: Path) -> Poster:
    """The poster frame and facts of one video; raises DecodeError with a reason."""
    with _video_stream(path) as (container, stream):
        stream.thread_type = "AUTO"
        duration = _duration(container, stream)
        frame = _frame_at(container, stream, (duration or 0.0) * POSTER_AT)
        if frame is None:
            raise DecodeError("video has no frame that can be decoded")
        image = _upright(frame)
        if duration and _black(image):
            later = _frame_at(container, stream, duration * FALLBACK_AT)
            if later is not None:
                image = _upright(later)
        taken = _creation_time(container, stream)
    return Poster(image, image.width, image.height, taken, duration)


@contextmanager
def _video_stream(path: Path) -> Iterator[tuple[Any, Any]]:
    """(container, first video stream) of an open video; every failure is a DecodeError."""
    av = _av()
    try:
        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            if not container.streams.video:
                raise DecodeError("video file has no video stream")
            yield container, container.streams.video[0]
    except DecodeError:
        raise
    except av.error.FFmpegError as e:
        raise DecodeError(f"not a video FFmpeg can read ({_short(e)})") from e
    except PermissionError as e:
        raise DecodeError("permission denied") from e
    except OSError as e:
        raise DecodeError(f"cannot read file: {e.strerror or e}") from e
    except MemoryError as e:
        raise DecodeError("video frame needs too much memory to decode") from e


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
        if seconds > 0:
            return seconds
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / 1_000_000  # AV_TIME_BASE
    return None


def _frame_at(container: Any, stream: Any, seconds: float) -> Any:
    """The first frame at or after seconds (the last one before it if the video ends first)."""
    if seconds > 0 and stream.time_base is not None:
        try:
            container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
        except Exception:  # some files cannot seek: decode from the start instead
            container.seek(0)
    last = None
    for n, frame in enumerate(container.decode(stream)):
        last = frame
        if frame.time is None or frame.time >= seconds or n >= MAX_FRAMES_AFTER_SEEK:
            break
    return last


def _upright(frame: Any) -> Image.Image:
    image: Image.Image = frame.to_image()
    # The display matrix turns a phone's portrait video; FFmpeg gives its angle counterclockwise.
    rotation = round(float(getattr(frame, "rotation", 0) or 0)) % 360
    if rotation:
        image = image.rotate(rotation, expand=True)
    return image.convert("RGB")


def _black(image: Image.Image) -> bool:
    grey = np.asarray(image.convert("L").reduce(max(1, min(image.size) // 64)), np.float32)
    return float(grey.mean()) < BLACK_MEAN and float(grey.std()) < FLAT_SPREAD


def _creation_time(container: Any, stream: Any) -> float | None:
    for tags in (container.metadata, stream.metadata):
        for key in ("creation_time", "com.apple.quicktime.creationdate", "date"):
            value = tags.get(key)
            if isinstance(value, str) and (taken := parse_creation_time(value)) is not None:
                return taken
    return None


def parse_creation_time(text: str) -> float | None:
    """An FFmpeg creation_time ("2018-05-04T12:30:00.000000Z") as Unix seconds; None for
    garbage and for the epochs a camera without a clock writes."""
    text = text.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.year in NO_CLOCK_YEARS or when.year < 1900:
        return None
    return when.timestamp()  # a naive time (no zone given) is read as local time


def _short(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 80 else text[:77] + "..."
