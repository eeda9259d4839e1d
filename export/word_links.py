"""Build resources/word_links.json: words the word model knows little of -> words it knows well.

    apt-get install wordnet-base && python -m export word-links

"infant" is in few captions, "baby" in many; "pooch" in none, "dog" in a quarter of them. A
typed word is linked to a word the model knows at least LINK_RATIO times better (its captions'
share, the model's `prior`) when they are:
- the word's singular ("babies" -> "baby", "children" -> "child"), weight 1;
- synonyms: the target is a lemma of the word's commonest noun sense (infant -> baby,
  automobile -> car, kid -> child; not "cat" -> "guy", its second sense), weight 1;
- for a weakly known word (prior under WEAK_PRIOR) also its broader word, known BROADER_RATIO
  times better: a lemma of the direct hypernym of its commonest sense (pooch -> dog, lady ->
  woman), weight HYPERNYM_WEIGHT.
The target must take the link in one of its SENSES commonest senses. Words ending in -ing are
typed as verbs ("catching"), so they get no WordNet noun links; a word that names an ImageNet
class ("tabby") gets no broader word: the class evidence knows it better. GloVe neighbours and
WordNet siblings were tried and left out: GloVe puts "bridge" as near "road" (0.85) as
"evening" is to "night", and "flowers" beside "purple".
The app blends the typed word's own query with its links' by how well each is known
(core/models/word_model.py); nothing here is read at run time but the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.models.glove import WordVectors
from core.models.word_model import WordModel
from core.search.query_parse import load_concepts, singular
from export.concepts import WORDNET_DIR, read_exceptions, read_index, read_nouns, wordnet_version

LINK_RATIO = 1.5
BROADER_RATIO = 4.0  # a broader word must be far better known ("trail" is no "track")
WEAK_PRIOR = 0.03  # a word in fewer than 3% of the captions
HYPERNYM_WEIGHT = 0.8
# A hypernym of a word's first sense in another sense of the word ("cake" of soap -> "block")
# sits far from it in GloVe: pooch-dog 0.45, lady-woman 0.61, cake-block below this.
HYPERNYM_MIN_COSINE = 0.4
SENSES = 2
GLOVE_VOCABULARY = 100_000
MAX_LINKS = 2


def build_links(
    model: WordModel, glove: WordVectors, dict_dir: Path = WORDNET_DIR
) -> dict[str, list[tuple[str, float]]]:
    """word -> [(better-known model word, relation weight)], strongest first."""
    synsets, index = read_nouns(dict_dir), read_index(dict_dir)
    exceptions = read_exceptions(dict_dir)
    prior = np.asarray(model._arrays["prior"], np.float64)
    known = {w: float(prior[j]) for j, w in enumerate(model.words)}
    vocabulary = [w for w in glove.words[:GLOVE_VOCABULARY] if w.isalpha() and len(w) > 2]
    vocabulary = list(dict.fromkeys(vocabulary + [w for w in model.words if w.isalpha()]))
    concepts = load_concepts()
    links: dict[str, list[tuple[str, float]]] = {}
    for word in vocabulary:
        lemma = exceptions.get(word) or (word if word in index else singular(word))
        j = model._index_of(word)
        own = float(prior[j]) if j is not None else 0.0
        better = _Better(known, LINK_RATIO * max(own, 1e-9), word)
        offsets = index.get(lemma, ([], 0))[0][:SENSES]
        found: dict[str, float] = {lemma: 1.0} if lemma in better else {}  # babies -> baby
        if word.endswith("ing"):  # typed as a verb ("catching"): its noun senses are rarer
            offsets = []
        for offset in offsets[:1]:
            for t in synsets[offset].lemmas:
                if t in better and offset in _senses(t, index, exceptions):
                    found[t] = 1.0
        broader = _Better(known, BROADER_RATIO * max(own, 1e-9), word)
        names_a_class = any(w >= 0.99 for w in concepts.classes_for(word).values())
        if own < WEAK_PRIOR and offsets and not names_a_class:
            for sym, hyper in synsets[offsets[0]].pointers:
                for t in synsets[hyper].lemmas if sym in ("@", "@i") else ():
                    if (
                        t in broader
                        and hyper in _senses(t, index, exceptions)
                        and _cosine(glove, word, t) >= HYPERNYM_MIN_COSINE
                    ):
                        found.setdefault(t, HYPERNYM_WEIGHT)
        if found:
            best = sorted(found.items(), key=lambda kv: (-kv[1], -known[kv[0]], kv[0]))
            links[word] = [(t, w) for t, w in best[:MAX_LINKS]]
    return links


def _senses(word: str, index: dict[str, tuple[list[str], int]], exc: dict[str, str]) -> list[str]:
    """A word's SENSES commonest noun senses: a link must be one of them on both sides, so
    "cake" (first sense: a cake of soap) is no "bar"."""
    return index.get(exc.get(word, word), ([], 0))[0][:SENSES]


def _cosine(glove: WordVectors, a: str, b: str) -> float:
    u, v = glove.vector(a), glove.vector(b)
    if u is None or v is None:
        return 0.0
    return float(u @ v / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-12))


class _Better:
    """The model words known at least floor well (a view, not a copy: 40,000 words ask)."""

    def __init__(self, known: dict[str, float], floor: float, word: str) -> None:
        self.known, self.floor, self.word = known, floor, word

    def __contains__(self, t: object) -> bool:
        return t != self.word and isinstance(t, str) and self.known.get(t, -1.0) >= self.floor


def write_word_links(
    out: Path, model: WordModel, glove: WordVectors, progress: Callable[[str], None] = print
) -> dict[str, object]:
    """Build the links and write them as JSON."""
    links = build_links(model, glove)
    data: dict[str, object] = {
        "source": f"WordNet {wordnet_version()} (Debian wordnet-base), GloVe 6B 50d, {model.name}",
        "rebuild": "python -m export word-links",
        "links": links,
    }
    head = json.dumps({k: v for k, v in data.items() if k != "links"}, sort_keys=True)[:-1]
    rows = [f"{json.dumps(w)}: {json.dumps(v)}" for w, v in sorted(links.items())]
    text = head + ', "links": {\n' + ",\n".join(rows) + "\n}}\n"  # a word a line
    out.write_text(text, encoding="utf-8")
    progress(f"{len(links):,} linked words -> {out}")
    return data
