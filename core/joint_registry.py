"""Which joint image-word space the app uses: ConSE, a trained model, or a blend of both."""

from __future__ import annotations

from pathlib import Path

from core.joint import CONSE, Blend, ConSE, OnnxJointModel, VectorSpace
from core.models import ImageEncoder, read_manifest
from core.paths import MODELS_DIR
from core.settings import DEFAULT_JOINT
from core.words import WordVectors


def load_joint_space(
    name: str, encoder: ImageEncoder, words: WordVectors, extra_dirs: tuple[Path, ...]
) -> VectorSpace | None:
    """The joint space called name; "default" picks the best-measured one for this backbone."""
    if name == CONSE:
        return ConSE(encoder, words)
    entries: dict[str, dict[str, object]] = {}
    for d in (MODELS_DIR, *extra_dirs):  # later directories (the user's) win
        entries.update(read_manifest(d))
    if name == DEFAULT_JOINT:
        candidates = [
            n
            for n, e in entries.items()
            if e.get("kind") == "joint-model"
            and e.get("backbone") == encoder.name
            and e.get("default")
        ]
        if not candidates:
            return None
        name = candidates[-1]
    entry = entries.get(name)
    if entry is None or entry.get("kind") != "joint-model":
        return None
    if entry.get("format") == "word-model-npz":
        from core.word_model import WordModel

        return WordModel(name, extra_dirs)
    model = OnnxJointModel(name, extra_dirs)
    blend = entry.get("blend_conse")
    if isinstance(blend, int | float) and 0.0 < float(blend) < 1.0:
        # blend_conse is ConSE's weight in the mix.
        return Blend(model, ConSE(encoder, words), float(blend))
    return model
