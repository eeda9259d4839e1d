"""Train the word model (core/models/word_model.py) on the shared photos and write it to resources.

    python -m export word-model

Recipe, every choice made on the val splits (evaluation/): per-word ridge classifiers on the
unit Lite0 features, centred and projected on 128 directions fitted to the words, trained on
caption words (Pascal + Flickr8k) and scene labels; a ridge map from the same vectors to the
IDF-weighted GloVe mean of the photo's caption words (words no classifier knows are searched
through it); one logistic calibration of (classifier score, GloVe cosine) -> "a caption uses
the word", fitted on val, which is at once the learned blend of the two and what makes scores
comparable across words; a tag head of its own (export/word_model_tags.py).
The shipped model is then refitted on train + val with those choices. Test photos are never
used, so the benchmarks' test figures stay honest.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.models.encoder import ImageEncoder
from core.models.glove import WordVectors
from core.vectors.ann import unit_rows
from evaluation import everyday
from evaluation.metrics import mean_average_precision
from export.manifest import MODELS_DIR, sha256_file, update_manifest_entry
from export.word_classifiers import Projection, fit_supervised_projection, ridge_classifiers
from export.word_data import PASCAL, Photos, load_photos, word_targets
from export.word_levers import SHIPPED, Lever, distilled, logistic_scorers
from export.word_model_tags import TagHead, fit_tag_head, tag_inputs

NAME = "word-model-efficientnet-lite0"
PROJECTION_DIM = 128
# The 128 directions are fitted to the words (export/word_classifiers.py, reduced-rank ridge with
# Pascal photos counting PASCAL_WEIGHT times), not PCA's. On val: Pascal class mAP 0.731 ->
# 0.746, everyday mAP 0.460 -> 0.478, phrases 0.403 -> 0.418; two-word mAP 0.656 -> 0.594.
PROJECTION_RIDGE = 30.0
RIDGE = 3.0
# How much more a Pascal photo counts, for the words of its 20 classes and VOC objects only
# (PASCAL_WORDS; weighting every word up cost everyday figures). On val, with every query term
# required to fit: weight 3 gives Pascal class mAP 0.697 -> 0.714, two-word mAP 0.587 -> 0.653,
# everyday-word mAP 0.453 -> 0.452, Flickr8k tag P@5 0.465 -> 0.458. "person" stays at 1: its
# near words (man, woman, people) lead Flickr8k's captions.
PASCAL_WEIGHT = 3.0
PASCAL_WORDS = frozenset(
    [
        "aeroplane",
        "airplane",
        "plane",
        "bicycle",
        "bike",
        "bird",
        "boat",
        "bottle",
        "bus",
        "car",
        "cat",
        "chair",
        "cow",
        "dining",
        "table",
        "dog",
        "horse",
        "motorbike",
        "plant",
        "potted",
        "sheep",
        "sofa",
        "couch",
        "train",
        "tv",
        "monitor",
    ]
)
MIN_PHOTOS = 3  # a word needs captions of this many training photos to get a classifier
Progress = Callable[[str], None]


@dataclass
class Fitted:
    projection: Projection
    words: list[str]
    weight: np.ndarray
    bias: np.ndarray
    glove_map: np.ndarray  # [50, dim]
    word_glove: np.ndarray  # [words, 50] unit
    prior: np.ndarray  # [words] mean relevance over the training photos
    tags: TagHead  # caption words only (export/word_model_tags.py)


def fit(photos: Photos, rows: np.ndarray, glove: WordVectors, lever: Lever = SHIPPED) -> Fitted:
    """Projection, classifiers and GloVe map from photos[rows]."""
    targets = word_targets(photos, rows, lambda w: glove.id_of(w) is not None, MIN_PHOTOS)
    labels = targets
    targets = distilled(lever, photos, rows, targets)
    row_weight = np.where(photos.source[rows] == PASCAL, PASCAL_WEIGHT, 1.0)
    projection = fit_supervised_projection(
        photos.features[rows],
        targets.targets,
        targets.mask,
        PROJECTION_DIM,
        PROJECTION_RIDGE,
        row_weight,
    )
    z = projection(photos.features[rows])
    weight, bias = ridge_classifiers(z, targets.targets, targets.mask, RIDGE)
    up = [j for j, w in enumerate(targets.words) if w in PASCAL_WORDS]
    weight[up], bias[up] = ridge_classifiers(
        z, targets.targets[:, up], targets.mask[:, up], RIDGE, row_weight
    )
    weighted = np.isin(np.arange(len(targets.words)), up)
    weight, bias = logistic_scorers(lever, z, targets, row_weight, weight, bias, weighted)
    word_glove = unit_rows(np.stack([glove.vector(w) for w in targets.words]))  # type: ignore[misc]
    glove_map = fit_glove_map(z, labels, word_glove)
    seen = labels.mask.sum(axis=0)
    prior = (labels.targets > 0).astype(np.float32).sum(axis=0) / np.maximum(seen, 1.0)
    tags = fit_tag_head(projection, photos, rows, labels, 1)
    return Fitted(projection, targets.words, weight, bias, glove_map, word_glove, prior, tags)


def fit_glove_map(z: np.ndarray, targets: Any, word_glove: np.ndarray) -> np.ndarray:
    """Ridge map z -> unit IDF-weighted mean GloVe vector of the photo's words."""
    df = (targets.targets > 0).sum(axis=0) + 1.0
    idf = np.log(len(z) / df).astype(np.float32)
    t = unit_rows((targets.targets * targets.mask * idf) @ word_glove)
    keep = np.linalg.norm(t, axis=1) > 0
    x = z[keep].astype(np.float64)
    sol = np.linalg.solve(x.T @ x + RIDGE * np.eye(x.shape[1]), x.T @ t[keep])
    return np.asarray(sol.T, np.float32)


def relevance(photos: Photos, rows: np.ndarray, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """([rows, words] relevant, [rows, words] judged): a caption uses the word, or the scene."""
    targets = word_targets(photos, rows, lambda w: True, 1)
    col = {w: j for j, w in enumerate(targets.words)}
    rel = np.zeros((len(rows), len(words)), bool)
    judged = np.zeros_like(rel)
    for j, w in enumerate(words):
        if w in col:
            rel[:, j] = targets.targets[:, col[w]] > 0
            judged[:, j] = targets.mask[:, col[w]] > 0
        else:
            judged[:, j] = np.array([bool(photos.captions[r]) for r in rows])
    return rel, judged


def platt(features: np.ndarray, labels: np.ndarray, steps: int = 50) -> np.ndarray:
    """Logistic regression weights (last = intercept) by Newton's method; features [n, k]."""
    x = np.concatenate([features, np.ones((len(features), 1))], axis=1).astype(np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - labels)
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def calibrate(
    fitted: Fitted, photos: Photos, rows: np.ndarray, glove_share: float = 1.0
) -> dict[str, Any]:
    """Slope, GloVe weight and intercept of the word logit, and the GloVe-only mapping, on val.

    glove_share scales the GloVe cosine's weight that the joint fit gives it, before slope and
    intercept are fitted again on the blended score (1: the joint fit as it is)."""
    z = fitted.projection(photos.features[rows])
    raw = z @ fitted.weight.T + fitted.bias
    g = unit_rows(z @ fitted.glove_map.T)
    cos = g @ fitted.word_glove.T
    rel, judged = relevance(photos, rows, fitted.words)
    m = judged.ravel()
    both = platt(np.stack([raw.ravel()[m], cos.ravel()[m]], axis=1), rel.ravel()[m])
    if glove_share != 1.0:
        ratio = glove_share * both[1] / both[0]
        one = platt((raw.ravel()[m] + ratio * cos.ravel()[m])[:, None], rel.ravel()[m])
        both = np.array([one[0], one[0] * ratio, one[1]])
    alone = platt(cos.ravel()[m][:, None], rel.ravel()[m])
    tag_raw = tag_inputs(fitted.projection, photos.features[rows]) @ fitted.tags.weight.T
    tag_raw += fitted.tags.bias
    tag = platt(tag_raw.ravel()[m][:, None], rel.ravel()[m])
    return {
        "tag_slope": float(tag[0]),
        "tag_intercept": float(tag[1]),
        "slope": float(both[0]),
        "glove_weight": float(both[1]),
        "intercept": float(both[2]),
        "glove_only_slope": float(alone[0]),
        "glove_only_intercept": float(alone[1]),
    }


def word_val_ap(
    fitted: Fitted, cal: dict[str, float], photos: Photos, rows: np.ndarray
) -> np.ndarray:
    """Each word's AP on photos[rows] (nan without a relevant photo there)."""
    z = fitted.projection(photos.features[rows])
    g = unit_rows(z @ fitted.glove_map.T)
    s = cal["slope"] * (z @ fitted.weight.T) + cal["glove_weight"] * (g @ fitted.word_glove.T)
    rel, judged = relevance(photos, rows, fitted.words)
    out = np.full(len(fitted.words), np.nan)
    for j in range(len(fitted.words)):
        r = judged[:, j]
        if rel[r, j].sum() >= 1:
            out[j] = mean_average_precision(s[r, j : j + 1], rel[r, j : j + 1])
    return out


def tag_choice(
    fitted: Fitted, cal: dict[str, float], photos: Photos, rows: np.ndarray, candidates: np.ndarray
) -> tuple[float, dict[float, tuple[float, int]]]:
    """The prior weight for tags, and {weight: (P@5, distinct tags)} on captioned val photos;
    P@5 is the mean of Pascal's and Flickr8k's (a caption uses the tag), so the photos of
    neither source decide alone."""
    p = tag_probability(fitted, cal, photos.features[rows])
    no_objects = replace(photos, objects=[() for _ in photos.objects])
    rel, _ = relevance(no_objects, rows, fitted.words)
    sources = [photos.source[rows] == s for s in (PASCAL, everyday.FLICKR)]
    cols = np.flatnonzero(candidates)
    table: dict[float, tuple[float, int]] = {}
    for weight in (0.0, 0.5, 1.0, 1.5, 2.0):
        s = p[:, cols] - weight * fitted.tags.prior[cols]
        top = cols[np.argsort(-s, axis=1)[:, :5]]
        hits = np.take_along_axis(rel, top, axis=1)
        prec = float(np.mean([hits[src].mean() for src in sources]))
        table[weight] = (prec, len(np.unique(top[np.logical_or(*sources)])))
    # The largest penalty whose P@5 stays within 0.01 of the best: as precise, more specific.
    best = max(p for p, _ in table.values())
    return max(w for w, (p, _) in table.items() if p >= best - 0.01), table


def tag_probability(fitted: Fitted, cal: dict[str, Any], features: np.ndarray) -> np.ndarray:
    """[n, words] the tag head's calibrated probability that a caption uses the word."""
    raw = tag_inputs(fitted.projection, features) @ fitted.tags.weight.T + fitted.tags.bias
    return np.asarray(1.0 / (1.0 + np.exp(-(cal["tag_slope"] * raw + cal["tag_intercept"]))))


def fit_blend_on_val(
    fitted: Fitted,
    cal: dict[str, Any],
    candidates: np.ndarray,
    photos: Photos,
    val: np.ndarray,
    glove: WordVectors,
    cache: Path,
    encoder: ImageEncoder | None = None,
) -> dict[str, float]:
    """The blend, fitted with the train-only model (saved to a scratch folder and loaded as
    the app loads it) on val photos it never saw."""
    import tempfile

    from core.models.word_model import WordModel
    from core.search.query_parse import load_concepts
    from export.word_blend import caption_word_sets, fit_blend, imagenet_val

    captioned = val[np.array([bool(photos.captions[i]) for i in val])]
    scenes = val[photos.source[val] == everyday.SCENES]
    keys, names = imagenet_val()
    in_feats = everyday.cached_features(everyday.IMAGENET, keys, cache=cache)
    with tempfile.TemporaryDirectory() as tmp:
        save(fitted, cal, candidates, Path(tmp), {}, cache)
        model = WordModel(NAME, (Path(tmp),))
        return fit_blend(
            model,
            (
                photos.features[captioned],
                caption_word_sets([photos.captions[i] for i in captioned]),
            ),
            (in_feats, names),
            photos.features[scenes],
            glove,
            load_concepts(),
            platt,
            encoder,
        )


def data_version(cache: Path) -> dict[str, Any]:
    """What the model was trained on: the label files' hashes and the feature cache's."""
    files = {
        "pascal-sentences/captions.json": everyday.DATA_DIR / "pascal-sentences" / "captions.json",
    }
    for source in (everyday.FLICKR, everyday.SCENES):
        files[f"{source}/labels.json"] = everyday.DATA_DIR / source / "labels.json"
    return {name: sha256_file(path)[:16] for name, path in files.items()} | {
        "splits": "evaluation/everyday.py + evaluation/pascal.py (sha1 of file names)",
        "trained_on": "train + val splits; test never used",
    }


def save(
    fitted: Fitted,
    cal: dict[str, Any],
    candidates: np.ndarray,
    out_dir: Path,
    metrics: dict[str, Any],
    cache: Path,
) -> Path:
    out = out_dir / f"{NAME}.npz"
    f16 = np.float16
    np.savez_compressed(
        out,
        mean=fitted.projection.mean.astype(f16),
        components=fitted.projection.components.astype(f16),
        weight=fitted.weight.astype(f16),
        bias=fitted.bias.astype(np.float32),
        glove_map=fitted.glove_map.astype(f16),
        word_glove=fitted.word_glove.astype(f16),
        prior=fitted.prior.astype(np.float32),
        tag_weight=fitted.tags.weight[candidates].astype(f16),  # the tag words' rows only
        tag_bias=fitted.tags.bias[candidates].astype(np.float32),
        tag_prior=fitted.tags.prior[candidates].astype(np.float32),
        words=np.array(fitted.words),
        tag_candidates=candidates.astype(np.uint8),
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    update_manifest_entry(
        NAME,
        {
            "kind": "joint-model",
            "format": "word-model-npz",
            "file": out.name,
            "sha256": sha256_file(out),
            "backbone": "efficientnet-lite0",
            "default": True,
            "input": {"name": "features", "feature_dim": 1280},
            "projection_dim": PROJECTION_DIM,
            "embedding_dim": int(fitted.word_glove.shape[1]),
            "words": len(fitted.words),
            "tag_words": int(candidates.sum()),
            "calibration": {k: round(v, 6) for k, v in cal.items() if k != "blend"},
            "blend": cal.get("blend", {}),
            "rebuild": "python -m export word-model",
            "rebuilt_at_commit": commit,
            "data": data_version(cache),
            "metrics": metrics,
        },
        manifest_path=out_dir / "manifest.json",
    )
    return out


def choose_on_val(
    photos: Photos,
    glove: WordVectors,
    cache: Path,
    progress: Progress = print,
    lever: Lever = SHIPPED,
    encoder: ImageEncoder | None = None,
) -> tuple[Fitted, dict[str, Any], np.ndarray, np.ndarray]:
    """(the train-only model, its calibration and blend, its tag candidates, val word APs);
    cache holds the photos' features, encoder the classifier of that backbone."""
    train = np.flatnonzero(photos.select(["train"]))
    val = np.flatnonzero(photos.select(["val"]))
    fitted = fit(photos, train, glove, lever)
    progress(f"{len(fitted.words)} words with a classifier")
    cal = calibrate(fitted, photos, val, lever.glove_share)
    progress(f"calibration on val: {cal}")
    ap = word_val_ap(fitted, cal, photos, val)
    candidates = np.isnan(ap) | (np.nan_to_num(ap, nan=0.0) >= TAG_MIN_AP)
    weight, table = tag_choice(fitted, cal, photos, val, candidates)
    cal["tag_prior_weight"] = weight
    progress(
        f"{int(candidates.sum())} tag words (val AP >= {TAG_MIN_AP} or unmeasured); "
        "prior weight "
        f"{weight}: " + ", ".join(f"{w}: P@5 {p:.3f}, {n} tags" for w, (p, n) in table.items())
    )
    cal["blend"] = fit_blend_on_val(fitted, cal, candidates, photos, val, glove, cache, encoder)
    progress(f"blend of word logit and class evidence on val: {cal['blend']}")
    return fitted, cal, candidates, ap


def build(
    out_dir: Path = MODELS_DIR, cache: Path = everyday.FEATURE_CACHE, progress: Progress = print
) -> Path:
    """Choose on val, refit on train + val, write the npz and its manifest entry."""
    glove = WordVectors(cache / "glove")
    photos = load_photos(cache)
    fitted, cal, candidates_train, ap = choose_on_val(photos, glove, cache, progress, LEVER)
    final = fit(photos, np.flatnonzero(photos.select(["train", "val"])), glove, LEVER)
    good = {w for w, c in zip(fitted.words, candidates_train, strict=True) if c}
    candidates = np.array([w in good for w in final.words])
    metrics = {"val_word_map": round(float(np.nanmean(ap)), 4)}
    return save(final, cal, candidates, out_dir, metrics, cache)


TAG_MIN_AP = 0.05  # a tag word's val AP must reach this
# The scorers' recipe; the others tried on val are in benchmarks/word_levers.py.
LEVER = SHIPPED
