"""Small pure text helpers shared by every stage (normalisation, keys, slugs)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "normalize_space",
    "fold_accents",
    "singular",
    "match_key",
    "title_key",
    "slugify",
    "short_hash",
]

_SPACE = re.compile(r"\s+")
_KEY_PUNCT = re.compile(r"[\-_/–—:,;()\[\]{}'\"`]")
_TITLE_NONWORD = re.compile(r"\W+")
_SLUG = re.compile(r"[^a-z0-9]+")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (including line breaks) to one space and strip."""
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    """``"Schrödinger"`` -> ``"Schrodinger"`` (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def singular(word: str) -> str:
    """Crude English singular of one lower-case word ("equations" -> "equation").

    Words of three letters or fewer, and words with non-letters, are kept as they are.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def match_key(name: str) -> str:
    """The key two surface forms of one entity share.

    Accents folded, lower case, punctuation and hyphens to spaces, last word
    singularised: the same normalisation as the reference scorer, so that what we
    merge is what the scorer would call the same entity.
    """
    s = fold_accents(name).lower()
    s = re.sub(r"https?://(www\.)?github\.com/", "", s)
    s = _KEY_PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip().rstrip(".")
    toks = s.split()
    if toks:
        toks[-1] = singular(toks[-1])
    return " ".join(toks)


def title_key(title: str) -> str:
    """Key used to detect the same paper under two records (case, accents, punctuation folded)."""
    return _TITLE_NONWORD.sub(" ", fold_accents(title).lower()).strip()


def slugify(text: str) -> str:
    """``"Fourier Neural Operator"`` -> ``"fourier-neural-operator"`` (stable, ASCII)."""
    slug = _SLUG.sub("-", match_key(text)).strip("-")
    return slug or short_hash(text)


def short_hash(text: str, n: int = 10) -> str:
    """A short stable hex digest of ``text``."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]
