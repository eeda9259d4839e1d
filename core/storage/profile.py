"""Where the profile lives. Every other module asks here; tests point it at a temporary folder."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from core.errors import StorageError, UsageError

APP_NAME = "photo-search"
DATA_DIR_ENV = "PHOTOSEARCH_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
RESOURCES_DIR = REPO_ROOT / "resources"
MODELS_DIR = RESOURCES_DIR / "models"
# The profile holds every photo path the user has: readable by its owner only.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


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
        """Create the folders if needed, private to the user, and return self.

        An existing profile is tightened too: folders 0700, the files in them 0600. Raises
        StorageError when the profile cannot be a folder or cannot be written.
        """
        for d in (self.data_dir, self.index_dir, self.models_dir, self.cache_dir):
            _private_folder(d)
        for d in (self.data_dir, self.index_dir, self.models_dir):
            _private_files(d)
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise StorageError(f"cannot write to the profile folder {self.data_dir}")
        return self


def _private_folder(folder: Path) -> None:
    try:
        st = folder.lstat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise StorageError(f"cannot use {folder} as the profile folder: {e.strerror}") from e
    if st is not None and not stat.S_ISDIR(st.st_mode):
        if stat.S_ISLNK(st.st_mode) and folder.is_dir():
            st = folder.stat()  # a profile moved elsewhere and linked back is fine
        else:
            raise StorageError(f"cannot use {folder} as the profile folder: not a folder")
    try:
        if st is None:
            folder.mkdir(mode=PRIVATE_DIR, parents=True)
        elif stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(folder, PRIVATE_DIR)
    except FileExistsError:
        pass  # made by another process meanwhile
    except OSError as e:
        hint = "" if e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) else " (no permission)"
        raise StorageError(f"cannot create the profile folder {folder}{hint}: {e.strerror}") from e


def _private_files(folder: Path) -> None:
    """Tighten the files of one profile folder; a file that cannot be changed is left as is."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o077:
                os.chmod(entry.path, PRIVATE_FILE)
        except OSError:
            continue


def make_private(path: Path) -> None:
    """Make one file private (for files a library, e.g. SQLite, creates with the umask)."""
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_FILE)
    except OSError:
        pass


def is_too_broad(folder: str | os.PathLike[str]) -> str | None:
    """Why indexing folder would sweep up far more than photos (a root or home), else None.

    Front ends ask before going on: the CLI warns, the GUI asks for confirmation.
    """
    path = Path(os.path.abspath(os.fspath(folder)))
    try:
        resolved = path.resolve()
    except OSError:
        resolved = path
    home = Path.home().resolve()
    if resolved == Path(resolved.anchor):
        return f"{path} is the root of a whole disk: every file on it would be scanned"
    if resolved == home:
        return f"{path} is your whole home folder: every file in it would be scanned"
    if resolved in (home.parent, Path(resolved.anchor) / "Users", Path("/home")):
        return f"{path} holds every user's home folder"
    return None


def resolve_profile(data_dir: str | os.PathLike[str] | None = None) -> Profile:
    """The profile from --data-dir, else $PHOTOSEARCH_DATA_DIR, else the platform's user folders."""
    if data_dir is not None and not os.fspath(data_dir).strip():
        raise UsageError("--data-dir is empty; give a folder (it is created if missing)")
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
