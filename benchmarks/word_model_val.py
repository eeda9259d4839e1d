"""The word model's val figures: the train-only model `python -m export word-model` chooses
with, scored on the val photos as benchmarks.quality and benchmarks.everyday score test.

    .venv/bin/python -m benchmarks.word_model_val

This is where README's round-3 choices were made (test photos are never touched here). The
model is written to a scratch folder, never to resources/. About 2 minutes.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import everyday as bev
from benchmarks.quality import score_word_model
from core.models.encoder import ImageEncoder
from core.models.glove import TagVocabulary, WordVectors
from core.models.word_model import WordModel
from evaluation import everyday, pascal
from export.word_data import PASCAL, Photos, load_photos
from export.word_levers import Lever
from export.word_model import LEVER, NAME, choose_on_val, save

HEADER = (
    "| Pascal class mAP | two-word mAP | concept mAP | Pascal tag P@5 | "
    "everyday mAP | phrase mAP | Flickr8k tag P@5 | distinct tags | ImageNet recall@10 |"
)


def val_row(
    photos: Photos,
    lever: Lever,
    cache: Path = everyday.FEATURE_CACHE,
    encoder: ImageEncoder | None = None,
) -> str:
    """The table's cells (without the leading label) for the model lever trains on train;
    photos' features come from cache, and encoder (default: the app's) is their backbone."""
    glove = WordVectors(everyday.FEATURE_CACHE / "glove")
    encoder = encoder or ImageEncoder()
    fitted, cal, candidates, _ = choose_on_val(photos, glove, cache, lambda _: None, lever, encoder)
    words = WordVectors(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory() as tmp:
        save(fitted, cal, candidates, Path(tmp), {}, cache)
        model = WordModel(NAME, (Path(tmp),))
        pa = [p for p in pascal.load_photos() if p.split == "val"]
        feats = everyday.cached_features(PASCAL, [p.key for p in pa], cache=cache)
        vocab = TagVocabulary(words)
        s = score_word_model(model, encoder, feats, pa, words, vocab)
        method = next(m for m in bev.word_methods(model, encoder, words) if "app" in m.label)
        r = bev.evaluate(method, bev.TestData("val", cache))
    cells = [s.class_map, s.pair_map, s.concept_map, s.tag_p5, r["everyday_map"]]
    cells += [r["phrase_map"], r["tag_p5"]]
    return (
        " | ".join(f"{c:.3f}" for c in cells)
        + f" | {r['distinct_tags']:.0f} | {r['name_recall10']:.3f} |"
    )


def available() -> bool:
    if all(everyday.available(s) for s in everyday.SOURCES) and pascal.available():
        return True
    print(f"{everyday.DATA_DIR} not found: nothing to measure", file=sys.stderr)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    if not available():
        return 1
    row = val_row(load_photos(everyday.FEATURE_CACHE), LEVER)
    print(HEADER + "\n" + "|---" * 9 + "|\n| " + row)
    print("\ncommand: .venv/bin/python -m benchmarks.word_model_val")
    return 0


if __name__ == "__main__":
    sys.exit(main())
