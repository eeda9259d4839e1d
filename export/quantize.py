"""Static int8 quantisation of the image encoder: ``python -m export quantize efficientnet-lite0``.

EfficientNet-Lite was designed to quantise well (ReLU6, no squeeze-excite); with its stem and
first two blocks left float, the int8 model runs 1.8-2.3x faster on one core with VNNI. The result
is a second manifest entry of kind "image-encoder-int8" next to the float model it came from;
core.models.encoder.ImageEncoder runs it when asked (PHOTOSEARCH_INT8_ENCODER=1) while its
"quantized_from_sha256" still matches the float file, so features keep the same backbone id
and a library indexed with the float model stays searchable.

Calibration: MinMax over the Pascal "train" photos through the app's own decode and crop;
fidelity (cosine to the float features, top-1 agreement of the logits through the float head)
is measured on the held-out "val" and "test" photos and recorded in the manifest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from export.manifest import MODELS_DIR, sha256_file, update_manifest_entry

KIND = "image-encoder-int8"
BATCH = 8
# Nodes before the first one whose name contains this stay float.
FIRST_INT8_BLOCK = "_blocks.2."


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _pixels(paths: Sequence[Path], size: int) -> np.ndarray:
    from core.media.decode import load_pixels

    return np.stack([load_pixels(p, size) for p in paths])


def _run(session: Any, inputs: np.ndarray, encoder: Any) -> tuple[np.ndarray, np.ndarray]:
    """(features, logits) of a float or int8 session, BATCH photos per call."""
    feats, logits = [], []
    for i in range(0, len(inputs), BATCH):
        f, lg = session.run(
            ["features", "logits"], {"image": encoder.preprocess(inputs[i : i + BATCH])}
        )
        feats.append(f)
        logits.append(lg)
    return np.concatenate(feats), np.concatenate(logits)


def fidelity(
    float_out: tuple[np.ndarray, np.ndarray], int8_out: tuple[np.ndarray, np.ndarray]
) -> dict[str, float]:
    """Cosine of int8 to float features per photo (mean, 5th percentile, min) and the share of
    photos whose top-1 ImageNet class is the same."""
    (f, lg), (q, ql) = float_out, int8_out
    cos = (f * q).sum(1) / (np.linalg.norm(f, axis=1) * np.linalg.norm(q, axis=1) + 1e-12)
    return {
        "cosine_mean": round(float(cos.mean()), 4),
        "cosine_p5": round(float(np.percentile(cos, 5)), 4),
        "cosine_min": round(float(cos.min()), 4),
        "top1_agreement": round(float((lg.argmax(1) == ql.argmax(1)).mean()), 4),
    }


def quantize_encoder(
    name: str,
    calibration: Sequence[Path],
    held_out: Sequence[Path],
    out_dir: Path = MODELS_DIR,
    progress: Callable[[str], None] = _progress,
) -> dict[str, Any]:
    """Write <name>-int8.onnx into out_dir and return its manifest entry."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from core.models.encoder import ImageEncoder, model_file, new_session

    encoder = ImageEncoder(name, extra_dirs=(out_dir,), int8=False)
    source = model_file(encoder.entry)
    progress(f"decoding {len(calibration)} calibration photos")
    calib = _pixels(calibration, encoder.input_size)

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.start = 0

        def get_next(self) -> dict[str, np.ndarray] | None:
            if self.start >= len(calib):
                return None
            batch = calib[self.start : self.start + BATCH]
            self.start += BATCH
            return {encoder.entry["input"]["name"]: encoder.preprocess(batch)}

    out_file = f"{name}-int8.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        nodes = onnx.load(str(prepared)).graph.node
        # The classifier MatMul stays float: the app computes logits from stored features
        # with the float head anyway, and int8 logits would only add noise.
        head = [n.name for n in nodes if n.op_type == "MatMul"]
        # So do the stem and the first blocks, at 112x112: quantised, they cost the most
        # fidelity for the least time (cosine to float 0.9927 -> 0.9973 on the held-out
        # photos, min 0.957 -> 0.994, for 0.8 ms a photo more).
        first = next(i for i, n in enumerate(nodes) if FIRST_INT8_BLOCK in n.name)
        early = [n.name for n in nodes[:first] if n.op_type != "Transpose"]
        progress("calibrating (MinMax) and quantising")
        quantize_static(
            str(prepared),
            str(out_dir / out_file),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=head + early,
            # Merge ranges every 8 batches: memory stays flat whatever the photo count.
            extra_options={"CalibMaxIntermediateOutputs": 8},
        )
    progress(f"measuring fidelity on {len(held_out)} held-out photos")
    pixels = _pixels(held_out, encoder.input_size)
    measured = fidelity(
        _run(new_session(source, threads=2), pixels, encoder),
        _run(new_session(out_dir / out_file, threads=2), pixels, encoder),
    )
    return {
        "kind": KIND,
        "backbone": name,
        "file": out_file,
        "sha256": sha256_file(out_dir / out_file),
        "quantized_from_sha256": encoder.entry["sha256"],
        "method": (
            "onnxruntime static quantisation, QDQ, per-channel symmetric int8 weights, "
            "asymmetric uint8 activations, MinMax ranges; the stem, blocks 0-1 and the "
            "classifier MatMul left float"
        ),
        "calibration": f"{len(calibration)} pascal-sentences train photos (evaluation/pascal.py)",
        "fidelity": {**measured, "photos": f"{len(held_out)} pascal-sentences val + test"},
        "converter": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
        "rebuild": f"python -m export quantize {name}",
    }


def cmd_quantize(args: argparse.Namespace) -> int:
    """Quantise one encoder and record it in the manifest."""
    from evaluation import pascal

    if not pascal.available():
        _progress(f"error: {pascal.PASCAL_DIR} not found: the calibration photos are needed")
        return 2
    start = time.perf_counter()
    photos = pascal.load_photos()
    calibration = [p.path for p in photos if p.split == "train"]
    held_out = [p.path for p in photos if p.split != "train"]
    entry = quantize_encoder(args.backbone, calibration, held_out, args.out_dir)
    manifest = update_manifest_entry(
        f"{args.backbone}-int8", entry, manifest_path=args.out_dir / "manifest.json"
    )
    size = (args.out_dir / entry["file"]).stat().st_size / 2**20
    _progress(f"wrote {args.out_dir / entry['file']} ({size:.1f} MiB) and {manifest}")
    _progress(f"fidelity: {entry['fidelity']}")
    _progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def add_quantize_parser(sub: Any) -> None:
    """The ``quantize`` subcommand of ``python -m export``."""
    q = sub.add_parser("quantize", help="static int8 quantisation of an image encoder")
    q.add_argument("backbone", nargs="?", default="efficientnet-lite0")
    q.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    q.set_defaults(func=cmd_quantize)
