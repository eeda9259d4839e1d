"""Which words are fit to offer a user: real words, and decent ones.

GloVe's 400,000 tokens include punctuation, contractions ("'d", "n't"), numbers ("1990",
"2.5") and slurs; its neighbours of "dog" include "bitch". Similar words are offered as
clickable chips and printed by the `words` command, so they keep only lower-case words made
of letters (hyphenated compounds too) that are not on a profanity list. The list is the one
the PyPI package better-profanity ships (MIT licence, about 900 English words and spellings),
less ALLOWED: that list errs far on the side of blocking ("organ", "slope", "rum", "god"), and
words a photo may well be about, or that are neutral, medical or historical terms, are neither
slurs nor swearing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources

from core.errors import PhotoSearchError

PROFANITY_PACKAGE = "better_profanity"
PROFANITY_FILE = "profanity_wordlist.txt"
# Letters only, with inner hyphens ("ice-cream"); at least two letters.
REAL_WORD = re.compile(r"[a-z]{2,}(?:-[a-z]+)*")
# How far past k to look: a slur or a number among the neighbours costs one more candidate.
FIRST_LOOK = 4
MAX_LOOK = 2000
_ALLOWED_TEXT = """
    arian aryan cowgirl cowgirls dopey drunk dummy enlargement facial fanny fat flange gay gays
    god hell hemp heroin hitler hiv hoare homey hooch hookah hump junkie kill knob kummer len
    leper lesbians loin lust lusty massa maxi menstruation meth murder naked napalm nappy nazi
    nazism nimrod nipple nipples nude opiate opium oral organ ovary ovum paddy pasty pawn pcp
    peyote playboy pms pollock poop pot potty punky racy reich revue rum rump sandbar screw
    seaman seamen sexual shag slave sleazy slope snatch sniper snuff sodom steamy stoned strip
    stroke stupid tawdry testes testicle testis thrust thug tramp trashy ugly unwed urinal urine
    uterus uzi valium virgin vixen vodka vomit weed weiner whiz willy womb woody yury
"""
ALLOWED = frozenset(_ALLOWED_TEXT.split())


@cache
def blocked_words() -> frozenset[str]:
    """The profanity list, lower-case."""
    try:
        text = (resources.files(PROFANITY_PACKAGE) / PROFANITY_FILE).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as e:
        raise PhotoSearchError(
            "the word filter's list is not installed (pip package better-profanity)"
        ) from e
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip()) - ALLOWED


def is_decent_word(word: str) -> bool:
    """A real word (letters, maybe hyphenated) that is not a slur or a swear word."""
    if REAL_WORD.fullmatch(word) is None:
        return False
    # Each part of a compound counts, and the plural of a blocked word ("slut-shaming", "twats").
    parts = {word, *word.split("-")}
    parts |= {p[:-1] for p in parts if p.endswith("s") and not p.endswith("ss")}
    return parts.isdisjoint(blocked_words())


def decent_neighbours(
    query: Callable[[int], Sequence[tuple[int, float]]],
    words: Sequence[str],
    itself: int,
    k: int,
) -> list[tuple[str, float]]:
    """The k best decent words among a nearest-neighbour query's answers, without itself.

    query(n) returns the n nearest (word id, score) pairs; it is asked for more until k
    decent words are found or MAX_LOOK words were looked at.
    """
    n = FIRST_LOOK * k + 10
    while True:
        hits = query(n)
        out = [(words[j], s) for j, s in hits if j != itself and is_decent_word(words[j])]
        if len(out) >= k or len(hits) < n or n >= MAX_LOOK:
            return out[:k]
        n = min(MAX_LOOK, 4 * n)
