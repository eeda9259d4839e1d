"""Pascal Sentences search-quality figures: class words, concept words, word pairs, tags.

Relevance:
- class words: the photo's folder class (strict), or VOC's list of objects in the photo;
- other words and two-word queries: the concept "appears" in a photo when one of its five
  captions contains the word or its plain plural/singular, or, for the 20 VOC class words
  ("person", "horse"), when VOC lists that object in the photo; a two-word query needs both;
- tags: the tag word (or its plural/singular) is in the photo's captions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from core.models.glove import TagVocabulary, WordVectors
from core.vectors.ann import unit_rows
from evaluation import pascal
from evaluation.metrics import average_precision

CLASS_QUERIES = (
    {c: c.replace("_", " ") for c in (pascal.PASCAL_DIR / "classes.txt").read_text().split()}
    if pascal.available()
    else {}
)
# Words that are not class names, picked from the train captions and the list.
CONCEPT_WORDS = [
    "water",
    "street",
    "grass",
    "snow",
    "beach",
    "kitchen",
    "child",
    "food",
    "tree",
    "night",
    "road",
    "field",
    "room",
    "woman",
    "girl",
    "baby",
    "city",
    "building",
    "river",
    "lake",
    "window",
    "fence",
    "desk",
    "computer",
    "floor",
    "sky",
    "ocean",
    "flower",
    "mountain",
    "airport",
    "wall",
    "station",
]
PAIR_QUERIES = (
    "cat sofa",
    "dog grass",
    "person horse",
    "man bicycle",
    "boat water",
    "bird tree",
    "car street",
    "sheep field",
    "cow grass",
    "woman dog",
    "train station",
    "child chair",
)
VOC_WORDS = {"aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair"}
VOC_WORDS |= {"cow", "dog", "horse", "motorbike", "person", "sheep", "sofa", "train"}
TagHead = tuple[Sequence[str], np.ndarray]
# A query's scores over the photos, for spaces that do not rank by GloVe cosine (the word model).
TextScorer = Callable[[str], np.ndarray]  # a model's tag words and [photos, words] scores


def image_precision(
    vectors: np.ndarray, photos: Sequence[pascal.Photo], queries: np.ndarray, k: int = 10
) -> float:
    """image->image P@k: the query's folder class among its k nearest (all photos, not self)."""
    v = unit_rows(vectors)
    classes = np.array([p.cls for p in photos])
    sims = v[queries] @ v.T
    sims[np.arange(len(queries)), queries] = -np.inf
    top = np.argsort(-sims, axis=1)[:, :k]
    return float((classes[top] == classes[queries][:, None]).mean())


def text_vector(words: WordVectors, query: str) -> np.ndarray:
    """The app's query vector for plain words: the mean of their unit GloVe vectors."""
    vecs = [words.vector(w) for w in query.split()]
    known = [v for v in vecs if v is not None]
    return np.asarray(unit_rows(unit_rows(np.stack(known)).mean(axis=0, keepdims=True))[0])


def caption_has(photo: pascal.Photo, word: str) -> bool:
    """A word 'appears in the captions': the token itself or its plain plural/singular."""
    tokens = photo.caption_words
    return word in tokens or word + "s" in tokens or (word.endswith("s") and word[:-1] in tokens)


def concept_present(photo: pascal.Photo, word: str) -> bool:
    """The captions mention the word, or VOC lists it as an object in the photo."""
    if word in VOC_WORDS and (photo.cls == word or word in photo.present):
        return True
    return caption_has(photo, word)


@dataclass
class RetrievalScores:
    """Mean AP over queries with a relevant photo; P@10 over queries with >= 10 relevant."""

    map: float
    p10: float
    queries: int
    p10_queries: int


def retrieval(
    joint: np.ndarray,
    photos: Sequence[pascal.Photo],
    words: WordVectors,
    queries: Sequence[str],
    relevant: Callable[[pascal.Photo, str], bool],
    k: int = 10,
    scorer: TextScorer | None = None,
) -> RetrievalScores:
    """Text->image over photos for queries; relevant(photo, query) judges each result."""
    v = unit_rows(joint)
    aps, p10s = [], []
    for q in queries:
        rel = np.array([relevant(p, q) for p in photos])
        if not rel.any():
            continue
        scores = v @ text_vector(words, q) if scorer is None else scorer(q)
        order = np.argsort(-scores, kind="stable")
        aps.append(average_precision(rel[order]))
        if rel.sum() >= k:
            p10s.append(float(rel[order[:k]].mean()))
    return RetrievalScores(
        float(np.mean(aps)) if aps else float("nan"),
        float(np.mean(p10s)) if p10s else float("nan"),
        len(aps),
        len(p10s),
    )


def tag_precision(
    joint: np.ndarray,
    photos: Sequence[pascal.Photo],
    vocab: TagVocabulary,
    k: int = 5,
    head: TagHead | None = None,
) -> float:
    """tag precision@k: share of each photo's top-k tags found in its captions.

    Tags come from the model's tag head when it has one (head = (words, [n, words] scores)),
    else from the tag vocabulary nearest to the joint vectors, as in the app.
    """
    if head is None:
        tags = [[h.word for h in row] for row in vocab.nearest(joint, k)]
    else:
        head_words, scores = head
        tags = [[head_words[j] for j in np.argsort(-row)[:k]] for row in scores]
    found = [[caption_has(p, w) for w in row] for p, row in zip(photos, tags, strict=True)]
    return float(np.mean(found))


@dataclass
class JointScores:
    """Every joint-space figure for one set of photos (the photos are also the database)."""

    class_p10: float
    class_p10_voc: float
    class_map: float
    concept_map: float
    concept_p10: float
    pair_map: float
    pair_p10: float
    tag_p5: float
    image_p10: float

    def selection_score(self) -> float:
        """One number to choose models on the val split: text search and tags equally."""
        return float(np.mean([self.class_map, self.concept_map, self.pair_map, self.tag_p5]))

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def score_joint(
    joint: np.ndarray,
    photos: Sequence[pascal.Photo],
    words: WordVectors,
    vocab: TagVocabulary,
    head: TagHead | None = None,
    scorer: TextScorer | None = None,
) -> JointScores:
    """All joint-space figures with photos as the database (pass one split's photos)."""
    folder = {typed: cls for cls, typed in CLASS_QUERIES.items()}

    def strict(p: pascal.Photo, typed: str) -> bool:
        return p.cls == folder[typed]

    def voc(p: pascal.Photo, typed: str) -> bool:
        return p.cls == folder[typed] or folder[typed] in p.present

    def both(p: pascal.Photo, q: str) -> bool:
        return all(concept_present(p, w) for w in q.split())

    cls_strict = retrieval(joint, photos, words, list(folder), strict, scorer=scorer)
    cls_voc = retrieval(joint, photos, words, list(folder), voc, scorer=scorer)
    concept = retrieval(joint, photos, words, CONCEPT_WORDS, concept_present, scorer=scorer)
    pairs = retrieval(joint, photos, words, PAIR_QUERIES, both, scorer=scorer)
    index = np.arange(len(photos))
    return JointScores(
        class_p10=cls_strict.p10,
        class_p10_voc=cls_voc.p10,
        class_map=cls_strict.map,
        concept_map=concept.map,
        concept_p10=concept.p10,
        pair_map=pairs.map,
        pair_p10=pairs.p10,
        tag_p5=tag_precision(joint, photos, vocab, head=head),
        image_p10=image_precision(joint, photos, index),
    )


def class_word_precision(
    joint: np.ndarray, photos: Sequence[pascal.Photo], words: WordVectors, k: int = 10
) -> tuple[float, float]:
    """text->image precision@k for the 20 class words: (folder class, VOC object present)."""
    v = unit_rows(joint)
    strict, present = [], []
    for cls, query in CLASS_QUERIES.items():
        top = np.argsort(-(v @ text_vector(words, query)))[:k]
        strict.append(np.mean([photos[j].cls == cls for j in top]))
        present.append(np.mean([cls in photos[j].present or photos[j].cls == cls for j in top]))
    return float(np.mean(strict)), float(np.mean(present))
