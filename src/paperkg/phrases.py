"""How often a phrase occurs in abstracts: corpus statistics for the learned decision.

A name that is a fixed phrase of the literature ("stochastic depth", "Gaussian process")
occurs in many abstracts, and as a whole about as often as its parts; a chunk with a
stray modifier ("feedforward stochastic depth", "established HumanML3D") occurs in few,
far less often than the phrase without that word. The learned decision reads both
(:func:`paperkg.extract.learned.name_features`) from one table: the number of abstracts
each phrase of one to four words occurs in, counted over about 68,000 conference
abstracts that are in neither the annotated corpus nor the evaluation sets
(``corpus/phrase_counts.py`` builds it; ``corpus/README.md`` gives the source).

The table ships as ``data/phrases.npz``: the sorted ``zlib.crc32`` of each phrase seen
in at least :data:`MIN_COUNT` abstracts, and its count; a lookup is a binary search.
"""

from __future__ import annotations

import functools
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from paperkg.errors import ExtractionError
from paperkg.text import fold_accents, singular

__all__ = ["MAX_WORDS", "MIN_COUNT", "PhraseCounts", "load_phrase_counts", "phrase_words"]

MAX_WORDS = 4
MIN_COUNT = 3
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "phrases.npz"
_NON_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    return singular(word)


def phrase_words(text: str) -> list[str]:
    """Lower-case words, accents folded, punctuation and hyphens as spaces, each word
    singular: the form phrases are counted in."""
    return [_singular(w) for w in _NON_WORD.sub(" ", fold_accents(text).lower()).split()]


def phrase_hash(words: Iterable[str]) -> int:
    return zlib.crc32(" ".join(words).encode("utf-8"))


class PhraseCounts:
    """Abstract counts of phrases (``count(["gaussian", "process"])``); 0 for a phrase
    seen in fewer than :data:`MIN_COUNT` abstracts or longer than :data:`MAX_WORDS`."""

    def __init__(self, hashes: np.ndarray, counts: np.ndarray, abstracts: int) -> None:
        if hashes.shape != counts.shape or hashes.ndim != 1:
            raise ExtractionError("phrase table: hashes and counts differ in shape")
        self.hashes = np.ascontiguousarray(hashes, dtype=np.uint32)
        # as stored: a count past 65,535 says no more than "very common"
        self.counts = np.minimum(counts, 65535).astype(np.uint16)
        self.abstracts = abstracts

    def count(self, words: list[str]) -> int:
        if not words or len(words) > MAX_WORDS or not len(self.hashes):
            return 0
        h = np.uint32(phrase_hash(words))  # a Python int would make numpy copy the table
        i = int(self.hashes.searchsorted(h))
        return int(self.counts[i]) if i < len(self.hashes) and self.hashes[i] == h else 0

    def save(self, path: str | Path, meta: dict | None = None) -> None:
        info = {"abstracts": self.abstracts, "min_count": MIN_COUNT, **(meta or {})}
        with open(path, "wb") as fh:
            np.savez_compressed(fh, hashes=self.hashes, counts=self.counts,
                                meta=np.frombuffer(json.dumps(info).encode(), dtype=np.uint8))


@functools.cache
def load_phrase_counts(path: str | Path = DEFAULT_PATH) -> PhraseCounts:
    """The table at ``path`` (the shipped one by default), read once."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            return PhraseCounts(data["hashes"], data["counts"], int(meta["abstracts"]))
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        raise ExtractionError(f"{path}: not a phrase table ({type(err).__name__}: {err})") from None
