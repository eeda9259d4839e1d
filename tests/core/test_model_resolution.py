"""One model-resolution order: a settings override, else the user's trained model, else the
shipped one; each case through what the user sees (the space the app searches in)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.models.encoder import DEFAULT_BACKBONE, ImageEncoder, resolve_model
from core.models.joint import ImageSpace
from core.storage.profile import MODELS_DIR

KIND = "image-projection"


def install_projection(models_dir: Path, name: str, dims: int, default: bool = False) -> None:
    """A PCA projection in a profile's models folder, as `train` would install it."""
    models_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(dims)
    np.savez(
        models_dir / f"{name}.npz",
        mean=np.zeros(1280, np.float32),
        components=rng.standard_normal((dims, 1280)).astype(np.float32),
    )
    manifest = models_dir / "manifest.json"
    models = json.loads(manifest.read_text())["models"] if manifest.exists() else {}
    models[name] = {
        "kind": KIND,
        "backbone": DEFAULT_BACKBONE,
        "file": f"{name}.npz",
        **({"default": True} if default else {}),
    }
    manifest.write_text(json.dumps({"models": models}))


@pytest.fixture(scope="module")
def encoder() -> ImageEncoder:
    return ImageEncoder(DEFAULT_BACKBONE)


def test_bundled_when_the_user_has_none(tmp_path: Path, encoder: ImageEncoder) -> None:
    found = resolve_model(KIND, DEFAULT_BACKBONE, (tmp_path / "models",))
    assert found is not None and found[1]["_dir"] == str(MODELS_DIR)
    assert ImageSpace(encoder, tmp_path / "models").name.endswith("-pca128")


def test_a_user_trained_projection_wins(tmp_path: Path, encoder: ImageEncoder) -> None:
    install_projection(tmp_path / "models", "mine-pca64", 64)
    found = resolve_model(KIND, DEFAULT_BACKBONE, (tmp_path / "models",))
    assert found is not None and found[0] == "mine-pca64"
    space = ImageSpace(encoder, tmp_path / "models")
    assert space.dim == 64 and space.name.endswith("-pca64")


def test_the_settings_override_wins_over_both(tmp_path: Path, encoder: ImageEncoder) -> None:
    install_projection(tmp_path / "models", "mine-pca64", 64, default=True)
    install_projection(tmp_path / "models", "other-pca32", 32)
    space = ImageSpace(encoder, tmp_path / "models", projection="other-pca32")
    assert space.dim == 32
    bundled = ImageSpace(encoder, tmp_path / "models", projection="efficientnet-lite0-pca128")
    assert bundled.dim == 128


def test_through_the_library_settings(tmp_path: Path) -> None:
    from core.library import Library
    from core.storage.profile import resolve_profile

    profile = resolve_profile(tmp_path / "profile").ensure()
    install_projection(profile.models_dir, "mine-pca64", 64)
    install_projection(profile.models_dir, "other-pca32", 32)
    assert Library(profile).image_index.space.dim == 32  # the last listed, no default marked
    (profile.settings_path).write_text(json.dumps({"image_projection": "mine-pca64"}))
    assert Library(profile).image_index.space.dim == 64


def test_joint_models_follow_the_same_order(tmp_path: Path) -> None:
    shipped = resolve_model("joint-model", DEFAULT_BACKBONE, (tmp_path,), default_only=True)
    assert shipped is not None and shipped[0] == "word-model-efficientnet-lite0"
    with pytest.raises(Exception, match="not a joint-model"):
        resolve_model("joint-model", DEFAULT_BACKBONE, (), override="efficientnet-lite0-pca128")
