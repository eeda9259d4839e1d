"""Learn how text search blends the word model with ImageNet class evidence, on val photos.

One logistic regression of relevance on (word logit, class evidence) over held-out pairs of
(photo, query): caption words that name ImageNet classes or their hypernyms on captioned val
photos, and the ImageNet val samples' class names among val scene photos. Its three numbers
are at once the blend and the calibration of the blended score.
"""

from __future__ import annotations

import numpy as np

from core.models.encoder import ImageEncoder, softmax
from core.models.glove import WordVectors
from core.models.word_model import WordModel
from core.search.class_evidence import ClassPostings, top_classes
from core.search.query_parse import Concepts
from core.search.text_ranking import evidence_features
from evaluation import everyday
from export.word_classifiers import TOKEN


def _pairs(
    model: WordModel,
    feats: np.ndarray,
    queries: list[str],
    relevant: np.ndarray,
    words: WordVectors,
    concepts: Concepts,
    encoder: ImageEncoder,
) -> tuple[np.ndarray, np.ndarray]:
    """([pairs, 2] word logit and class evidence, [pairs] relevant)."""
    v = model.transform(feats)
    postings = ClassPostings.from_top(*top_classes(softmax(encoder.logits(feats))))
    ls, es, rs = [], [], []
    for j, query in enumerate(queries):
        parsed = concepts.parse([query])
        ev = evidence_features(postings, [concepts.classes_for(t) for t in parsed.wanted], [])
        q = model.query(parsed.wanted, [], words)
        if ev is None or q is None:
            continue
        ls.append((v @ q.vector + q.offset) / q.terms)
        es.append(ev[0])
        rs.append(relevant[:, j])
    return np.stack([np.concatenate(ls), np.concatenate(es)], 1), np.concatenate(rs)


def fit_blend(
    model: WordModel,
    captioned: tuple[np.ndarray, list[frozenset[str]]],
    imagenet: tuple[np.ndarray, list[str]],
    distractors: np.ndarray,
    words: WordVectors,
    concepts: Concepts,
    platt: object,
    encoder: ImageEncoder | None = None,
) -> dict[str, float]:
    """{"word", "evidence", "intercept"} fitted on the val pairs; encoder: the backbone whose
    classifier gives the class evidence (default: the app's)."""
    encoder = encoder or ImageEncoder()
    feats, caption_words = captioned
    queries = [w for w in model.words if concepts.classes_for(w)]
    rel = np.array([[w in cw for w in queries] for cw in caption_words])
    keep = rel.sum(axis=0) >= 2
    queries = [q for q, k in zip(queries, keep, strict=True) if k]
    a = _pairs(model, feats, queries, rel[:, keep], words, concepts, encoder)
    in_feats, names = imagenet
    all_feats = np.concatenate([in_feats, distractors])
    rel_in = np.zeros((len(all_feats), len(names)), bool)
    rel_in[np.arange(len(names)), np.arange(len(names))] = True
    b = _pairs(model, all_feats, names, rel_in, words, concepts, encoder)
    x = np.concatenate([a[0], b[0]])
    y = np.concatenate([a[1], b[1]]).astype(np.float64)
    w = platt(x, y)  # type: ignore[operator]
    return {
        "word": float(w[0]),
        "evidence": float(w[1]),
        "intercept": float(w[2]),
    }


def caption_word_sets(captions: list[tuple[str, ...]]) -> list[frozenset[str]]:
    """Each photo's caption tokens, with plain plurals also as singulars."""
    out = []
    for caps in captions:
        toks = {t for c in caps for t in TOKEN.findall(c.lower())}
        toks |= {t[:-1] for t in toks if t.endswith("s")}
        out.append(frozenset(toks))
    return out


def imagenet_val() -> tuple[list[str], list[str]]:
    """(keys, class names) of the ImageNet sample's val half."""
    photos = [p for p in everyday.load(everyday.IMAGENET) if p.split == "val"]
    return [p.key for p in photos], [p.labels[0] for p in photos]
