"""User settings in the profile (settings.json): small, human-editable, never holding data."""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from core.errors import ProfileWarning, storage_errors
from core.storage.atomic import atomic_write_bytes

# The image model the app ships; core.models.encoder reads it from here (storage sits below
# models, so the default lives with the other defaults).
DEFAULT_BACKBONE = "efficientnet-lite0"
DEFAULT_JOINT = "default"  # the best-measured joint space shipped in resources/
AUTOMATIC = ""  # for image_projection: the user's trained one, else the shipped one


@dataclass
class Settings:
    """Preferences that change what the app computes."""

    backbone: str = DEFAULT_BACKBONE
    joint_model: str = DEFAULT_JOINT
    # The PCA projection for "similar": a model name from a manifest, or AUTOMATIC.
    image_projection: str = AUTOMATIC
    # Follow symlinks that lead out of a library folder (off: a link to / cannot pull it in).
    follow_external_symlinks: bool = False
    # Find faces and group them into people; switching it off deletes every stored face.
    face_recognition: bool = True
    # Why the file on disk was not used as it is (None: it was fine or absent). Not saved.
    problem: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The settings in path; defaults, with a ProfileWarning, for a file that is unusable."""
        try:
            text = path.read_text()
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as e:
            return cls._fallback(path, f"cannot read it ({e})")
        try:
            raw = json.loads(text)
        except ValueError as e:
            return cls._fallback(path, f"it is not valid JSON ({e})")
        if not isinstance(raw, dict):
            return cls._fallback(path, f"it holds a JSON {type(raw).__name__}, not an object")
        values: dict[str, object] = {}
        ignored = []
        for f in fields(cls):
            if f.name == "problem" or f.name not in raw:
                continue
            default = getattr(cls(), f.name)
            if type(raw[f.name]) is type(default):
                values[f.name] = raw[f.name]
            else:
                ignored.append(f.name)
        settings = cls(**values)  # type: ignore[arg-type]
        if ignored:
            settings.problem = f"wrong type for {', '.join(ignored)}"
            _warn(path, f"{settings.problem}; using the default for those")
        return settings

    @classmethod
    def _fallback(cls, path: Path, why: str) -> Settings:
        _warn(path, f"{why}; using the defaults (the file is left as it is)")
        return cls(problem=why)

    def save(self, path: Path) -> None:
        """Write the settings; a file that could not be read is kept beside, never lost."""
        if self.problem is not None and path.exists():
            kept = path.with_name(f"{path.name}.invalid-{time.strftime('%Y%m%d-%H%M%S')}")
            with storage_errors(f"cannot keep the old settings file as {kept.name}"):
                os.replace(path, kept)
            _warn(path, f"the unusable settings file was kept as {kept.name}")
            self.problem = None
        data = {k: v for k, v in asdict(self).items() if k != "problem"}
        with storage_errors(f"cannot save the settings in {path}"):
            atomic_write_bytes(path, json.dumps(data, indent=2).encode())


def _warn(path: Path, message: str) -> None:
    warnings.warn(f"settings file {path}: {message}", ProfileWarning, stacklevel=3)
