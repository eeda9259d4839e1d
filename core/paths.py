"""Where the profile lives. Every other module asks here; tests point it at a temporary folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "photo-search"
DATA_DIR_ENV = "PHOTOSEARCH_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_DIR = REPO_ROOT / "resources"
MODELS_DIR = RESOURCES_DIR / "models"


@dataclass(frozen=True)
class Profile:
    """The folders that hold one user's catalog, indexes, settings and caches."""

    data_dir: Path
    cache_dir: Path

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def models_dir(self) -> Path:
        """User-trained models installed by `train`; they take precedence over resources/."""
        return self.data_dir / "models"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "index.lock"

    @property
    def thumbnail_dir(self) -> Path:
        return self.cache_dir / "thumbnails"

    def ensure(self) -> Profile:
        """Create the folders if needed and return self."""
        for d in (self.data_dir, self.index_dir, self.cache_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def resolve_profile(data_dir: str | os.PathLike[str] | None = None) -> Profile:
    """The profile from --data-dir, else $PHOTOSEARCH_DATA_DIR, else the platform's user folders."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if chosen is not None:
        root = Path(chosen).expanduser().absolute()
        # An overridden profile keeps its cache inside it, so tests and portable installs stay
        # self-contained.
        return Profile(data_dir=root, cache_dir=root / "cache")
    import platformdirs

    return Profile(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )
