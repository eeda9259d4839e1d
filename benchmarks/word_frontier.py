"""How far better image features move the word model on val, and what they cost per photo.

    .venv/bin/python -m benchmarks.word_frontier [--views lite0-224 lite0-320 lite2-260 ...]
        [--lite2-dir DIR]

Issue 20's quality bars stayed unmet with every lever on the word scorers
(benchmarks.word_levers). This asks the other side: the same recipe (`python -m export
word-model`, lever SHIPPED) trained on other features of the same photos, scored on the val
photos as benchmarks.word_model_val scores them. Test photos are never used. Views:

- lite0-N: the app's EfficientNet-Lite0 run on an N x N centre square instead of 224 x 224
  (the network is convolutional; the graph's input size is only declared, so a copy with free
  height and width runs at any size). Flickr8k photos were squashed to 224 upstream, so above
  224 they are upscaled: what that measures is the network seeing objects larger.
- lite2-260: EfficientNet-Lite2 at its own 260 px (`python -m export encoder
  efficientnet-lite2 --out-dir DIR`; its classifier gives the class evidence).

Each view's features of every shared photo are cached under ../cache-everyday/frontier/VIEW
(2-8 minutes a view on 2 busy cores). The CNN's CPU time per photo (process time over a few
batches of 32, all threads counted, so the machine's load barely moves it) is measured in the
same run for every view, and the indexing rate is scaled from the 63.7 photos/s measured for
224 px (docs/performance.md: 17.4 ms of CPU a 12 MP photo, 9.2 of them the CNN): an estimate,
not a timed index.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime

from benchmarks.everyday import EVERYDAY_WORDS
from benchmarks.word_model_val import HEADER, available, val_row
from core.models.encoder import ImageEncoder, new_session
from core.models.glove import WordVectors
from core.vectors.ann import unit_rows
from evaluation import everyday
from evaluation.metrics import mean_average_precision
from export.shared_features import PASCAL, cache_source
from export.word_blend import caption_word_sets
from export.word_classifiers import ridge_classifiers
from export.word_data import Photos, load_photos, word_targets
from export.word_levers import SHIPPED
from export.word_model import MIN_PHOTOS, fit

FRONTIER = everyday.FEATURE_CACHE / "frontier"
VIEWS = ("lite0-224", "lite0-256", "lite0-288", "lite0-320", "lite2-260")
# docs/performance.md, 12 MP JPEGs at 224 px: photos/s, CPU ms a photo, of which the CNN.
INDEX_RATE, INDEX_CPU_MS, CNN_CPU_MS = 63.7, 17.4, 9.2
FULL_RIDGE = 1.0  # the best of 0.3 / 1 / 3 for the full-feature ridge on lite0-224 val


class ResizedLite0(ImageEncoder):
    """The shipped Lite0 graph with its declared input size freed, run at size x size."""

    def __init__(self, size: int) -> None:
        super().__init__("efficientnet-lite0", int8=False)
        self.input_size = size

    @property
    def session(self) -> onnxruntime.InferenceSession:
        if self._session is None:
            import onnx

            graph = onnx.load(str(self.model_path))
            dims = graph.graph.input[0].type.tensor_type.shape.dim
            dims[1].dim_param, dims[2].dim_param = "height", "width"
            path = FRONTIER / f"lite0-free-size-{self.input_size}.onnx"
            path.parent.mkdir(parents=True, exist_ok=True)
            onnx.save(graph, str(path))
            self._session = new_session(path)
        return self._session


def encoder_for(view: str, lite2_dir: Path | None) -> ImageEncoder:
    name, size = view.rsplit("-", 1)
    if name == "lite0":
        return ImageEncoder() if size == "224" else ResizedLite0(int(size))
    if lite2_dir is None:
        raise SystemExit(f"{view} needs --lite2-dir (python -m export encoder efficientnet-lite2)")
    return ImageEncoder("efficientnet-lite2", (lite2_dir,), int8=False)


def view_cache(view: str, encoder: ImageEncoder) -> Path:
    """The folder of the view's cached features (the app's own cache for lite0-224)."""
    if view == "lite0-224":
        return everyday.FEATURE_CACHE
    out = FRONTIER / view
    for source in (PASCAL, everyday.IMAGENET, everyday.SCENES, everyday.FLICKR):
        cache_source(source, "crop", out, encoder, lambda m: print(m, end="\r", file=sys.stderr))
    return out


def cnn_cpu_ms(encoder: ImageEncoder, batches: int = 4) -> float:
    """CPU ms a photo of one CNN call (batches of 32 noise images; process time, all threads)."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (32, encoder.input_size, encoder.input_size, 3), np.uint8)
    encoder.encode(pixels[:4])  # session start-up is not counted
    start = time.process_time()
    for _ in range(batches):
        encoder.encode(pixels)
    return (time.process_time() - start) * 1000 / (32 * batches)


def word_ceiling(photos: Photos) -> tuple[float, float]:
    """Everyday-word mAP on the Flickr8k val photos of the word scorers alone (no GloVe, no
    class evidence): (the app's 128 fitted directions, a ridge on all the features). The second
    is what linear scorers on these features reach without the index's 178-float budget."""
    glove = WordVectors(everyday.FEATURE_CACHE / "glove")
    train = np.flatnonzero(photos.select(["train"]))
    rows = np.flatnonzero(photos.select(["val"]) & (photos.source == everyday.FLICKR))
    sets = caption_word_sets([photos.captions[i] for i in rows])
    relevant = np.array([[w in ws for w in EVERYDAY_WORDS] for ws in sets])
    fitted = fit(photos, train, glove)
    col = [fitted.words.index(w) for w in EVERYDAY_WORDS]
    z = fitted.projection(photos.features[rows])
    low = z @ fitted.weight[col].T + fitted.bias[col]
    targets = word_targets(photos, train, lambda w: glove.id_of(w) is not None, MIN_PHOTOS)
    x = unit_rows(photos.features)
    x = x - x[train].mean(axis=0)
    weight, bias = ridge_classifiers(x[train], targets.targets, targets.mask, FULL_RIDGE)
    full_col = [targets.words.index(w) for w in EVERYDAY_WORDS]
    full = x[rows] @ weight[full_col].T + bias[full_col]
    return mean_average_precision(low, relevant), mean_average_precision(full, relevant)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--views", nargs="*", default=list(VIEWS), choices=VIEWS)
    parser.add_argument("--lite2-dir", type=Path, help="folder of the Lite2 export")
    args = parser.parse_args(argv)
    if not available():
        return 1
    views = [v for v in args.views if not (v.startswith("lite2") and args.lite2_dir is None)]
    if len(views) < len(args.views):
        print("lite2-260 left out: no --lite2-dir", file=sys.stderr)
    base = cnn_cpu_ms(ImageEncoder(int8=False))
    print(
        "| features | CNN CPU ms a photo (x 224 px) | est. indexing photos/s | "
        + "everyday mAP, word scorers alone: 128-d / all features | "
        + HEADER[2:]
        + "\n"
        + "|---" * 13
        + "|",
        flush=True,
    )
    for view in views:
        encoder = encoder_for(view, args.lite2_dir)
        ms = cnn_cpu_ms(encoder)
        rate = INDEX_RATE * INDEX_CPU_MS / (INDEX_CPU_MS + CNN_CPU_MS * (ms / base - 1))
        cache = view_cache(view, encoder)
        photos = load_photos(cache)
        low, full = word_ceiling(photos)
        row = val_row(photos, SHIPPED, cache, encoder)
        print(
            f"| {view} | {ms:.1f} ({ms / base:.2f}x) | {rate:.0f} | {low:.3f} / {full:.3f} | {row}",
            flush=True,
        )
    print("\ncommand: .venv/bin/python -m benchmarks.word_frontier")
    return 0


if __name__ == "__main__":
    sys.exit(main())
