"""Small pure text helpers shared by every stage (normalisation, keys, slugs)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "clean_alias",
    "clean_name",
    "normalize_space",
    "fold_accents",
    "unlatex_accents",
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
_GITHUB_URL = re.compile(r"https?://(www\.)?github\.com/")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (including line breaks) to one space and strip."""
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    """``"Schrödinger"`` -> ``"Schrodinger"`` (NFKD, combining marks dropped)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# LaTeX accent commands as arXiv abstracts write them: \"o, \"{o}, {\"o}, \'e, \v{s}, \c c
_LATEX_ACCENT = re.compile(
    r"(\{)?\\(?:([`'^\"~=.])(?:\{\s*(\\?[A-Za-z])\s*\}|([A-Za-z]))"
    # letter accents (\v{s}, \c c) need a brace or a space: \varepsilon, \cdot are not
    r"|([uvHckr])(?:\{\s*(\\?[A-Za-z])\s*\}|\s([A-Za-z])))(?(1)\})")
_COMBINING = {"`": "\u0300", "'": "\u0301", "^": "\u0302", '"': "\u0308", "~": "\u0303",
              "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
              "c": "\u0327", "k": "\u0328", "r": "\u030a"}


def unlatex_accents(text: str) -> tuple[str, list[int]]:
    """Replace LaTeX accent commands by the accented letter, with an offset map.

    Returns ``(clean, starts)``: ``starts[i]`` is the offset in ``text`` where
    ``clean[i]`` comes from and ``starts[len(clean)] == len(text)``, so the span
    ``clean[a:b]`` is ``text[starts[a]:starts[b]]``.

    >>> unlatex_accents('Schr\\"odinger')[0]
    'Schrödinger'
    """
    if "\\" not in text:
        return text, list(range(len(text) + 1))
    out: list[str] = []
    starts: list[int] = []
    pos = 0
    for m in _LATEX_ACCENT.finditer(text):
        out.append(text[pos:m.start()])
        starts.extend(range(pos, m.start()))
        accent = m.group(2) or m.group(5)
        base = (m.group(3) or m.group(4) or m.group(6) or m.group(7)).lstrip("\\")  # \'{\i}: the dotless i, read as i
        composed = unicodedata.normalize("NFC", base + _COMBINING[accent])
        out.append(composed if len(composed) == 1 else base)  # one character per command
        starts.append(m.start())
        pos = m.end()
    out.append(text[pos:])
    starts.extend(range(pos, len(text) + 1))
    return "".join(out), starts


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


@lru_cache(maxsize=262_144)  # canonicalisation asks for the same names many times
def match_key(name: str) -> str:
    """The key two surface forms of one entity share.

    LaTeX accents read (``Schr\\"odinger`` = ``Schrödinger``), accents folded, lower case, punctuation and hyphens to spaces, last word
    singularised: the same normalisation as the reference scorer, so that what we
    merge is what the scorer would call the same entity.
    """
    s = fold_accents(unlatex_accents(name)[0] if "\\" in name else name).lower()
    if "://" in s:
        s = _GITHUB_URL.sub("", s)
    s = _KEY_PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip().rstrip(".")
    toks = s.split()
    if toks:
        toks[-1] = singular(toks[-1])
    return " ".join(toks)


_OPENERS, _CLOSERS = "([{", ")]}"


#: Whitespace, hyphens, dashes and slashes at either end of a surface form.
_DANGLING = re.compile(r"^[\s\-/–]+|[\s\-/–]+$")


def clean_alias(surface: str) -> str | None:
    """A surface form fit to show as a name or alias: a dangling hyphen or slash at
    either end is cut ("GAN-" -> "GAN"); ``None`` when its brackets do not balance
    ("CNN)[23", "RKHS)-based", "ext{CNN": pieces of a span cut across markup)."""
    text = _DANGLING.sub("", surface)
    depth = []
    for ch in text:
        if ch in _OPENERS:
            depth.append(_CLOSERS[_OPENERS.index(ch)])
        elif ch in _CLOSERS:
            if not depth or depth.pop() != ch:
                return None
    return text if text and not depth else None


def clean_name(surface: str) -> str:
    """A name fit to show: :func:`clean_alias` of ``surface``, or, when its brackets do not
    balance, the part before the first bracket that breaks them ("ResNet50(CIFAR-10" ->
    "ResNet50", "RKHS)-based" -> "RKHS"), or without that bracket when nothing comes
    before it ("(a" -> "a"); empty when only brackets and dashes are left."""
    cleaned = clean_alias(surface)
    if cleaned is not None:
        return cleaned
    text = surface.strip()
    open_at: list[tuple[int, str]] = []
    cut = len(text)
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            open_at.append((i, _CLOSERS[_OPENERS.index(ch)]))
        elif ch in _CLOSERS:
            if not open_at or open_at.pop()[1] != ch:
                cut = i
                break
    else:
        cut = open_at[0][0] if open_at else cut
    if cut == len(text):
        return surface
    # nothing before the bracket: the bracket goes ("(a" -> "a")
    return clean_alias(text[:cut]) or clean_name(text[:cut] + text[cut + 1:])


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
