"""Models are data: each ONNX file has a manifest entry, and inputs/outputs are found by name."""

from __future__ import annotations

import json
import os
import threading
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import CorruptDataError, PhotoSearchError, ProfileWarning
from core.storage.profile import MODELS_DIR
from core.storage.settings import DEFAULT_BACKBONE as DEFAULT_BACKBONE

if TYPE_CHECKING:
    import onnxruntime

# Manifest kind of a statically quantised copy of an image encoder (export/quantize.py).
INT8_KIND = "image-encoder-int8"
# Set to 1 to run an encoder's int8 copy where one is installed. Off by default: text search
# is not yet proven unchanged on int8 features (README, "The int8 image model").
INT8_ENCODER_ENV = "PHOTOSEARCH_INT8_ENCODER"


def read_manifest(models_dir: Path = MODELS_DIR) -> dict[str, dict[str, Any]]:
    """All model entries of a manifest.json, keyed by model name.

    A damaged manifest in resources/ is a broken install (CorruptDataError); one in the
    profile is ignored with a ProfileWarning, so the shipped models still work.
    """
    path = models_dir / "manifest.json"
    try:
        models = json.loads(path.read_text())["models"]
        if not isinstance(models, dict) or not all(isinstance(e, dict) for e in models.values()):
            raise ValueError("'models' is not an object of model entries")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as e:
        reason = f"model manifest {path} is unreadable ({e})"
        if models_dir == MODELS_DIR:
            raise CorruptDataError(reason) from e
        warnings.warn(f"{reason}; its models are ignored", ProfileWarning, stacklevel=2)
        return {}
    for entry in models.values():
        entry.setdefault("_dir", str(models_dir))
    return models


def find_model(name: str, extra_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The manifest entry of a model; user-installed models in extra_dirs win over resources/."""
    for d in (*extra_dirs, MODELS_DIR):
        entry = read_manifest(d).get(name)
        if entry is not None:
            return entry
    known = sorted({n for d in (*extra_dirs, MODELS_DIR) for n in read_manifest(d)})
    raise PhotoSearchError(f"unknown model {name!r}; available: {', '.join(known) or 'none'}")


def resolve_model(
    kind: str,
    backbone: str,
    user_dirs: tuple[Path, ...] = (),
    override: str = "",
    default_only: bool = False,
) -> tuple[str, dict[str, Any]] | None:
    """The one model-resolution order: (name, entry) of the model of kind for backbone.

    1. override (a setting naming a model) wins, wherever it is installed;
    2. else a model the user trained, in the profile's models folder (user_dirs);
    3. else the one shipped in resources/.
    Within one folder an entry marked "default" wins, then the last one listed; with
    default_only, only marked entries count. None when nothing fits.
    """
    if override:
        entry = find_model(override, user_dirs)
        if entry.get("kind") != kind:
            raise PhotoSearchError(f"model {override!r} is a {entry.get('kind')}, not a {kind}")
        return override, entry
    for d in (*user_dirs, MODELS_DIR):
        fits = [
            (n, e)
            for n, e in read_manifest(d).items()
            if e.get("kind") == kind and e.get("backbone") == backbone
        ]
        marked = [(n, e) for n, e in fits if e.get("default")]
        chosen = marked if default_only or marked else fits
        if chosen:
            return chosen[-1]
    return None


def model_file(entry: dict[str, Any], key: str = "file") -> Path:
    """Absolute path of a file named in a manifest entry."""
    value = entry[key] if key == "file" else entry[key]["file"]
    return Path(str(entry["_dir"])) / str(value)


def new_session(path: Path, threads: int | None = None) -> onnxruntime.InferenceSession:
    """An onnxruntime CPU session; imported here so queries that need no model never load it."""
    import onnxruntime as ort

    if not path.exists():
        raise PhotoSearchError(f"model file missing: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # Spinning worker threads would steal the cores that decode the next batch meanwhile.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own untyped errors for bad files
        raise CorruptDataError(f"cannot load model {path.name}: {e}") from e


@dataclass(frozen=True)
class Encoded:
    """CNN outputs for a batch: pooled features [n, d] and ImageNet logits [n, 1000]."""

    features: np.ndarray
    logits: np.ndarray


def find_int8(entry: dict[str, Any], name: str, extra_dirs: tuple[Path, ...] = ()) -> Path | None:
    """The int8 copy of an encoder, if one made from exactly this float file is installed.

    A float model re-exported without re-quantising leaves a stale int8 entry behind: its
    quantized_from_sha256 no longer matches, so the float model is used.
    """
    for d in (*extra_dirs, MODELS_DIR):
        for e in read_manifest(d).values():
            if (
                e.get("kind") == INT8_KIND
                and e.get("backbone") == name
                and e.get("quantized_from_sha256") == entry.get("sha256")
            ):
                return model_file(e)
    return None


class ImageEncoder:
    """An ImageNet CNN in ONNX: pixels in, pooled features and logits out. Loads lazily.

    With int8 (default: PHOTOSEARCH_INT8_ENCODER=1), runs the encoder's int8 copy when one is
    installed: about half the CPU, features within cosine 0.995 of the float model's, so they keep
    its backbone id.
    """

    def __init__(
        self,
        name: str = DEFAULT_BACKBONE,
        extra_dirs: tuple[Path, ...] = (),
        int8: bool | None = None,
    ) -> None:
        self.entry = find_model(name, extra_dirs)
        kind = self.entry.get("kind", "image-encoder")
        if kind != "image-encoder":
            raise PhotoSearchError(f"model {name!r} is a {kind}, not an image encoder")
        self.name = name
        if int8 is None:
            int8 = os.environ.get(INT8_ENCODER_ENV, "") not in ("", "0")
        self.model_path = (int8 and find_int8(self.entry, name, extra_dirs)) or model_file(
            self.entry
        )
        spec = self.entry["input"]
        self.input_size: int = int(spec["size"])
        self.feature_dim: int = int(self.entry["feature_dim"])
        # Scalars (EfficientNet: 127/128) or per-channel lists (VGG16: caffe BGR means).
        self._mean = np.asarray(spec["mean"], np.float32)
        self._std = np.asarray(spec.get("std", 1.0), np.float32)
        self._input_name: str = spec["name"]
        self._layout: str = spec.get("layout", "NHWC")
        self._bgr = spec.get("channel_order", "RGB") == "BGR"
        self._outputs: dict[str, str] = self.entry["outputs"]
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None

    @property
    def session(self) -> onnxruntime.InferenceSession:
        with self._lock:
            if self._session is None:
                # One thread a call: indexing runs one call per core at once (core.indexing.scan),
                # which costs less CPU than spreading each call over the cores.
                self._session = new_session(self.model_path, threads=1)
            return self._session

    @cached_property
    def head(self) -> tuple[np.ndarray, np.ndarray]:
        """The final classifier (weight [classes, d], bias [classes]) as float32."""
        with np.load(model_file(self.entry, "head")) as npz:
            return npz["weight"].astype(np.float32), npz["bias"].astype(np.float32)

    def preprocess(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 [n,h,w,3] RGB to the model's normalised float input."""
        x = pixels.astype(np.float32)
        if self._bgr:
            x = x[..., ::-1]
        x = (x - self._mean) / self._std
        if self._layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x)

    def encode(self, pixels: np.ndarray) -> Encoded:
        """Run the CNN on a batch of uint8 RGB images [n, size, size, 3]."""
        names = [self._outputs["features"], self._outputs["logits"]]
        feats, logits = self.session.run(names, {self._input_name: self.preprocess(pixels)})
        return Encoded(np.asarray(feats, np.float32), np.asarray(logits, np.float32))

    def logits(self, features: np.ndarray) -> np.ndarray:
        """ImageNet logits from stored pooled features: the head is linear, so no CNN run."""
        weight, bias = self.head
        out: np.ndarray = np.asarray(features, np.float32) @ weight.T + bias
        return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out
