"""Which joint image-word space the app uses: ConSE, a trained model, or a blend of both."""

from __future__ import annotations

from pathlib import Path

from core.errors import PhotoSearchError
from core.models.encoder import ImageEncoder, resolve_model
from core.models.glove import WordVectors
from core.models.joint import CONSE, Blend, ConSE, OnnxJointModel, VectorSpace
from core.storage.settings import DEFAULT_JOINT


def load_joint_space(
    name: str, encoder: ImageEncoder, words: WordVectors, extra_dirs: tuple[Path, ...]
) -> VectorSpace | None:
    """The joint space called name; "default" picks the best-measured one for this backbone."""
    if name == CONSE:
        return ConSE(encoder, words)
    kind = "joint-model"
    if name == DEFAULT_JOINT:
        found = resolve_model(kind, encoder.name, extra_dirs, default_only=True)
    else:
        try:
            found = resolve_model(kind, encoder.name, extra_dirs, override=name)
        except PhotoSearchError:
            return None  # the caller names the unknown model
    if found is None:
        return None
    name, entry = found
    if entry.get("format") == "word-model-npz":
        from core.models.word_model import WordModel

        return WordModel(name, extra_dirs)
    model = OnnxJointModel(name, extra_dirs)
    blend = entry.get("blend_conse")
    if isinstance(blend, int | float) and 0.0 < float(blend) < 1.0:
        # blend_conse is ConSE's weight in the mix.
        return Blend(model, ConSE(encoder, words), float(blend))
    return model
