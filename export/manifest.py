"""Read-merge-write of resources/models/manifest.json, which several exporters share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.storage.atomic import atomic_write_bytes
from core.vectors.ann import file_sha256

REPO_ROOT = Path(__file__).resolve().parents[1]
RESOURCES_DIR = REPO_ROOT / "resources"
MODELS_DIR = RESOURCES_DIR / "models"
MANIFEST_NAME = "manifest.json"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    return file_sha256(Path(path))


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest as a dict, or an empty one with a ``models`` section if absent."""
    if not path.exists():
        return {"models": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: manifest must be a JSON object")
    return data


def update_manifest_entry(
    name: str,
    entry: dict[str, Any],
    *,
    section: str = "models",
    manifest_path: Path | None = None,
) -> Path:
    """Replace one entry of one section, keeping every other entry as it was."""
    path = manifest_path or MODELS_DIR / MANIFEST_NAME
    data = load_manifest(path)
    data.setdefault(section, {})[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash never leaves half a manifest that others depend on;
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    # The manifest is an ordinary committed file: world-readable like the rest of the repo.
    atomic_write_bytes(path, text.encode("utf-8"), mode=0o644)
    return path
