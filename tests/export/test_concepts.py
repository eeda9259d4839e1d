"""python -m export concepts on a miniature WordNet: names, hypernyms, near words, sense
weights, and a file the app reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.models.imagenet import ImageNetClass
from core.search.query_parse import load_concepts
from export.concepts import build_concepts, write_concepts

# offset, lemmas, hypernym offsets, gloss
SYNSETS = [
    ("00000001", ["entity"], [], "that which is perceived to exist"),
    ("00000002", ["dog", "domestic_dog"], ["00000001"], "a domesticated canine"),
    ("00000003", ["golden_retriever"], ["00000002"], "an English breed with a golden coat"),
    ("00000004", ["beagle"], ["00000002"], "a small hound with a short coat"),
    ("00000005", ["ski"], ["00000001"], "narrow runners used in pairs for gliding over snow"),
    ("00000006", ["snow"], ["00000001"], "precipitation falling from clouds as ice crystals"),
    ("00000007", ["hotdog", "hot_dog", "dog"], ["00000001"], "a frankfurter served on a bun"),
]
INDEX = {
    "entity": ["00000001"],
    "dog": ["00000002", "00000007"],  # the animal first: the commoner sense
    "domestic_dog": ["00000002"],
    "golden_retriever": ["00000003"],
    "beagle": ["00000004"],
    "ski": ["00000005"],
    "snow": ["00000006"],
    "hotdog": ["00000007"],
    "hot_dog": ["00000007"],
}
CLASSES = [
    ImageNetClass(0, "n00000003", ("golden retriever",)),
    ImageNetClass(1, "n00000004", ("beagle",)),
    ImageNetClass(2, "n00000005", ("ski",)),
    ImageNetClass(3, "n00000007", ("hotdog", "hot dog", "red hot")),
]


@pytest.fixture
def wordnet(tmp_path: Path) -> Path:
    lines = ["  1 This is a licence header line"]
    for offset, lemmas, hypernyms, gloss in SYNSETS:
        words = " ".join(f"{lemma} 0" for lemma in lemmas)
        ptrs = " ".join(f"@ {h} n 0000" for h in hypernyms)
        lines.append(
            f"{offset} 05 n {len(lemmas):02x} {words} {len(hypernyms):03d} {ptrs} | {gloss}  "
        )
    (tmp_path / "data.noun").write_text("\n".join(lines) + "\n")
    index = ["  1 licence"] + [
        f"{lemma} n {len(offs)} 1 @ {len(offs)} 1 {' '.join(offs)}  "
        for lemma, offs in sorted(INDEX.items())
    ]
    (tmp_path / "index.noun").write_text("\n".join(index) + "\n")
    (tmp_path / "noun.exc").write_text("mice mouse\n")
    return tmp_path


def test_names_hypernyms_and_near_words(wordnet: Path) -> None:
    terms = build_concepts(CLASSES, wordnet)
    assert terms["golden retriever"] == {0: 1.0}
    assert terms["red hot"] == {3: 1.0}
    # "dog" covers its breeds; its rare hot-dog sense is too weak beside them to be kept.
    assert terms["dog"] == {0: 1.0, 1: 1.0}
    assert terms["domestic dog"] == {0: 1.0, 1: 1.0}
    # A near word from the class's gloss, weaker than a name.
    assert set(terms["snow"]) == {2}
    assert 0 < terms["snow"][2] < 1.0


def test_written_table_is_read_back_by_the_app(wordnet: Path, tmp_path: Path) -> None:
    out = tmp_path / "concepts.json"
    header = write_concepts(
        build_concepts(CLASSES, wordnet), out, {"wordnet": {"package": "test", "version": "0"}}
    )
    assert json.loads(out.read_text())["source"]["wordnet"]["package"] == "test"
    assert "python -m export concepts" in str(header["rebuild"])
    concepts = load_concepts(out)
    assert concepts.classes_for("Golden Retriever") == {0: 1.0}
    assert concepts.parse(["a", "golden", "retriever", "-hot", "dog"]).wanted == [
        "golden retriever",
        "dog",
    ]
