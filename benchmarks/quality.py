"""Search quality on the held-out Pascal Sentences photos: prints Markdown tables.

    .venv/bin/python -m benchmarks.quality

Every figure is measured on the fixed test split (evaluation/pascal.py): 200 photos, 10 per
class, never used to fit or choose anything. Text->image and tag figures search the test
photos only, so a trained model is never scored on a photo it saw. Relevance is defined in
evaluation/pascal_scores.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.models.encoder import ImageEncoder, read_manifest, softmax
from core.models.glove import TagVocabulary, WordVectors
from core.models.imagenet import imagenet_classes
from core.models.joint import ConSE, ImageSpace, VectorSpace, load_joint_space, tag_head_of
from core.models.word_model import WordModel, tags_with_classes
from core.search.text_ranking import scorer_over
from core.storage.profile import MODELS_DIR
from core.storage.settings import DEFAULT_JOINT
from evaluation import pascal
from evaluation.everyday import FEATURE_CACHE
from evaluation.pascal_scores import (
    CONCEPT_WORDS,
    PAIR_QUERIES,
    JointScores,
    image_precision,
    score_joint,
)

# Every variant `python -m export devise` trained (not only the shipped one) lands here.
VARIANTS_DIR = pascal.CACHE_DIR / "devise-variants"


def joint_spaces(
    encoder: ImageEncoder, words: WordVectors, extra_dirs: Sequence[Path] = ()
) -> list[tuple[str, VectorSpace]]:
    """ConSE, every trained joint model for this backbone, and their blends with ConSE."""
    from core.models.joint import Blend, OnnxJointModel

    conse = ConSE(encoder, words)
    spaces: list[tuple[str, VectorSpace]] = [("ConSE (T=10)", conse)]
    for d in (MODELS_DIR, *extra_dirs):
        for name, entry in sorted(read_manifest(d).items()):
            if entry.get("kind") != "joint-model" or entry.get("backbone") != encoder.name:
                continue
            if entry.get("format") == "word-model-npz":  # scored by score_word_model
                continue
            model = OnnxJointModel(name, (d,))
            label = f"{name} (app default)" if entry.get("default") and d == MODELS_DIR else name
            label = (
                f"{name} (today's default, Pascal only)"
                if d == FEATURE_CACHE / "baseline"
                else label
            )
            spaces.append((label, model))
            blend = entry.get("blend_conse")
            if isinstance(blend, int | float) and 0.0 < float(blend) < 1.0:
                spaces.append(
                    (f"{label} + ConSE, ConSE weight {blend:g}", Blend(model, conse, blend))
                )
    return spaces


def score_word_model(
    model: WordModel,
    encoder: ImageEncoder,
    feats: np.ndarray,
    photos: Sequence[pascal.Photo],
    words: WordVectors,
    vocab: TagVocabulary,
) -> JointScores:
    """The Pascal figures of the word model, ranked and tagged as the app does."""
    logits = encoder.logits(feats)
    names = [c.name for c in imagenet_classes()]
    tags = tags_with_classes(model.tag_words, model.tag_scores(feats), names, softmax(logits))
    scorer = scorer_over(model, feats, logits, words, "blend")
    return score_joint(model.transform(feats), photos, words, vocab, tags, scorer=scorer)


JOINT_HEADER = (
    "| joint space | class P@10 | class P@10 (VOC) | concept mAP | concept P@10 | "
    "two-word mAP | two-word P@10 | tag P@5 | image→image P@10 (joint) |"
)


def joint_row(name: str, s: JointScores) -> str:
    cells = [s.class_p10, s.class_p10_voc, s.concept_map, s.concept_p10, s.pair_map, s.pair_p10]
    cells += [s.tag_p5, s.image_p10]
    return f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument(
        "--baseline", type=Path, default=FEATURE_CACHE / "baseline", help="today's default model"
    )
    args = parser.parse_args(argv)
    if not pascal.available():
        print(f"{pascal.PASCAL_DIR} not found: nothing to measure", file=sys.stderr)
        return 1
    photos = pascal.load_photos()
    feats = pascal.features(photos, args.backbone)
    encoder = ImageEncoder(args.backbone)
    words = WordVectors(Path("benchmarks/out"))
    vocab = TagVocabulary(words)
    test = np.array([i for i, p in enumerate(photos) if p.split == "test"])
    test_photos = [photos[i] for i in test]

    print("| image vectors | image→image P@10 |")
    print("|---|---|")
    print(f"| raw features | {image_precision(feats, photos, test):.3f} |")
    space = ImageSpace(encoder)
    print(f"| {space.name} (app) | {image_precision(space.transform(feats), photos, test):.3f} |")
    print()
    print(JOINT_HEADER)
    print("|---" * 9 + "|")
    extra = [VARIANTS_DIR] if (VARIANTS_DIR / "manifest.json").exists() else []
    if (args.baseline / "manifest.json").is_file():
        extra.append(args.baseline)
    for name, joint in joint_spaces(encoder, words, extra):
        head = tag_head_of(joint)
        tags = None if head is None else (head.tag_words, head.tag_scores(feats[test]))
        scores = score_joint(joint.transform(feats[test]), test_photos, words, vocab, tags)
        print(joint_row(name, scores))
    model = load_joint_space(DEFAULT_JOINT, encoder, words, ())
    if isinstance(model, WordModel):
        print(
            joint_row(
                "word model (app default)",
                score_word_model(model, encoder, feats[test], test_photos, words, vocab),
            )
        )
    print(
        f"\ntest split, {len(test)} photos; queries: 20 class words, "
        f"{len(CONCEPT_WORDS)} concept words, {len(PAIR_QUERIES)} two-word queries"
    )
    print(f"command: .venv/bin/python -m benchmarks.quality --backbone {args.backbone}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
