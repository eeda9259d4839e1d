"""Small English for labels: counts with plurals, and "a" or "an" before a class name."""

from __future__ import annotations

# Vowel letters that sound like a consonant ("a unicycle", "a European ...", "a one-...").
_A_BEFORE = ("uni", "use", "usu", "ura", "ure", "uro", "eu", "ewe", "one", "once")
# A silent h ("an hourglass", "an honest ...").
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")
# Things named in the plural take no article ("as sunglasses", not "as a sunglasses").
_PLURAL_WORDS = "bars binoculars glasses jeans pants scissors shorts sunglasses tights trunks"
_PLURAL_ONLY = frozenset(_PLURAL_WORDS.split())


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 photo", "2,000 photos", "3 matches"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def article(name: str) -> str:
    """ "a" or "an" for a name: "an" owl, "a" tabby, "a" unicycle; "" for plurals (sunglasses)."""
    words = name.split()
    if not words or words[-1].lower() in _PLURAL_ONLY:
        return ""
    lower = name.lower()
    if lower.startswith(_AN_BEFORE):
        return "an"
    return "an" if lower[0] in "aeiou" and not lower.startswith(_A_BEFORE) else "a"


def with_article(name: str, quote: bool = False) -> str:
    """ "an owl", "a tabby", "sunglasses"; with quote, "an “owl”"."""
    shown = f"“{name}”" if quote else name
    a = article(name)
    return f"{a} {shown}" if a else shown
