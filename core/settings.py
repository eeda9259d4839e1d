"""User settings in the profile (settings.json): small, human-editable, never holding data."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from core.atomic import atomic_write_bytes
from core.models import DEFAULT_BACKBONE

DEFAULT_JOINT = "default"  # the best-measured joint space shipped in resources/


@dataclass
class Settings:
    """Preferences that change what the app computes."""

    backbone: str = DEFAULT_BACKBONE
    joint_model: str = DEFAULT_JOINT

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known and isinstance(v, str)})

    def save(self, path: Path) -> None:
        atomic_write_bytes(path, json.dumps(asdict(self), indent=2).encode())
