"""Joint image-word spaces: map CNN features to GloVe space for tags and text search.

Two implementations sit behind one interface: ConSE (zero-shot, no training) and a trained
DeViSE-style model exported to ONNX; the trained word model (core.models.word_model) is a
third. `load_joint_space` says which one the app uses.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.errors import PhotoSearchError
from core.models.encoder import (
    ImageEncoder,
    find_model,
    model_file,
    new_session,
    resolve_model,
    softmax,
)
from core.models.glove import WordVectors
from core.models.imagenet import imagenet_classes
from core.storage.settings import DEFAULT_JOINT
from core.vectors.ann import unit_rows

CONSE = "conse"


class VectorSpace(Protocol):
    """Anything that turns stored CNN features into the vectors one index holds."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def transform(self, features: np.ndarray) -> np.ndarray: ...


class ConSE:
    """Convex combination of semantic embeddings (Norouzi et al., 2014).

    A photo's vector is sum over its top-T classes of p(class) * word vector(class name).
    """

    def __init__(self, encoder: ImageEncoder, words: WordVectors, top: int = 10) -> None:
        self.encoder = encoder
        self.words = words
        self.top = top

    @property
    def name(self) -> str:
        return f"{CONSE}-t{self.top}-{self.encoder.name}"

    @property
    def dim(self) -> int:
        return self.words.dim

    @cached_property
    def class_vectors(self) -> np.ndarray:
        """[1000, 50] unit vectors: mean over each class's names with known words."""
        rows = []
        for c in imagenet_classes():
            vecs = [v for v in (self.words.phrase_vector(n) for n in c.names) if v is not None]
            rows.append(np.mean(unit_rows(np.stack(vecs)), axis=0) if vecs else np.zeros(self.dim))
        return unit_rows(np.asarray(rows, np.float32))

    def transform(self, features: np.ndarray) -> np.ndarray:
        probs = softmax(self.encoder.logits(features))
        return self.from_probabilities(probs)

    def from_probabilities(self, probs: np.ndarray) -> np.ndarray:
        top = np.argpartition(-probs, self.top - 1, axis=1)[:, : self.top]
        p = np.take_along_axis(probs, top, axis=1)
        p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
        return np.asarray(np.einsum("nt,ntd->nd", p, self.class_vectors[top]), np.float32)


class OnnxJointModel:
    """A trained image-features -> word-vector model (DeViSE style) exported to ONNX."""

    def __init__(self, name: str, extra_dirs: tuple[Path, ...] = ()) -> None:
        self.entry: dict[str, Any] = find_model(name, extra_dirs)
        self._name = name
        self._input: str = self.entry["input"]["name"]
        self._output: str = self.entry["outputs"]["embedding"]

    @property
    def name(self) -> str:
        # The file's hash is in the name, so a retrained or updated model gets a fresh index.
        return f"{self._name}-{str(self.entry.get('sha256', ''))[:12]}"

    @property
    def dim(self) -> int:
        return int(self.entry["embedding_dim"])

    @property
    def backbone(self) -> str:
        return str(self.entry["backbone"])

    @cached_property
    def _session(self) -> Any:
        return new_session(model_file(self.entry))

    def transform(self, features: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(features, np.float32)
        (out,) = self._session.run([self._output], {self._input: x})
        return np.asarray(out, np.float32)

    @cached_property
    def tag_words(self) -> list[str]:
        """The words of the model's tag head (learned from captions); empty without one."""
        words = self.entry.get("tag_words")
        has_output = "tag_logits" in self.entry.get("outputs", {})
        return [str(w) for w in words] if isinstance(words, list) and has_output else []

    def tag_scores(self, features: np.ndarray) -> np.ndarray:
        """[n, tag_words] probabilities that a caption of the photo would use each tag word."""
        if not self.tag_words:
            raise ValueError(f"joint model {self._name!r} has no tag head")
        x = np.ascontiguousarray(np.atleast_2d(features), np.float32)
        (logits,) = self._session.run([self.entry["outputs"]["tag_logits"]], {self._input: x})
        return softmax(np.asarray(logits, np.float32))


def tag_head_of(space: VectorSpace) -> OnnxJointModel | None:
    """The trained model whose tag head gives a space's tags (alone or blended), if any."""
    parts = (space.a, space.b) if isinstance(space, Blend) else (space,)
    for part in parts:
        if isinstance(part, OnnxJointModel) and part.tag_words:
            return part
    return None


class Blend:
    """A weighted sum of two joint spaces' unit vectors (ConSE plus a trained model)."""

    def __init__(self, a: VectorSpace, b: VectorSpace, weight_b: float) -> None:
        self.a, self.b, self.weight_b = a, b, weight_b

    @property
    def name(self) -> str:
        return f"blend-{self.a.name}-{self.b.name}-{self.weight_b:g}"

    @property
    def dim(self) -> int:
        return self.a.dim

    def transform(self, features: np.ndarray) -> np.ndarray:
        va = unit_rows(self.a.transform(features))
        vb = unit_rows(self.b.transform(features))
        return np.asarray((1.0 - self.weight_b) * va + self.weight_b * vb, np.float32)


class ImageSpace:
    """Image-to-image vectors: centred and PCA-projected features when a projection is shipped."""

    def __init__(
        self, encoder: ImageEncoder, models_dir: Path | None = None, projection: str = ""
    ) -> None:
        self.encoder = encoder
        self._mean: np.ndarray | None = None
        self._components: np.ndarray | None = None
        user_dirs = (models_dir,) if models_dir else ()
        found = resolve_model("image-projection", encoder.name, user_dirs, override=projection)
        if found is not None:
            with np.load(model_file(found[1])) as npz:
                self._mean = npz["mean"].astype(np.float32)
                self._components = npz["components"].astype(np.float32)

    @property
    def name(self) -> str:
        dims = "raw" if self._components is None else f"pca{len(self._components)}"
        return f"image-{self.encoder.name}-{dims}"

    @property
    def dim(self) -> int:
        return self.encoder.feature_dim if self._components is None else len(self._components)

    def transform(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, np.float32)
        if self._mean is None or self._components is None:
            return x
        return np.asarray((x - self._mean) @ self._components.T, np.float32)


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
