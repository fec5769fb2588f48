"""Rule data files (``paperkg/data/rules``): head nouns, cue words, POS lexicon.

Everything a rule needs to know about English words is data, loaded here once and
cached. Files hold one entry per line; ``#`` starts a comment line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.errors import ExtractionError

__all__ = ["RULES_DIR", "Rules", "load_rules", "read_word_list", "read_tagged_list"]

RULES_DIR: Path = Path(__file__).resolve().parent.parent / "data" / "rules"
_TAGS = frozenset({"NOUN", "ADJ", "VERB", "ADV", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "AUX",
                   "PART", "NUM", "INTJ", "PUNCT", "SYM", "X", "VBN", "VBG", "SPACE"})


def read_word_list(path: Path, *, lower: bool = True) -> frozenset[str]:
    """One phrase per line, lower-cased unless ``lower=False`` (comments, blanks skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ExtractionError(f"{path}: cannot read rule file: {err}") from err
    return frozenset(
        " ".join((line.strip().lower() if lower else line.strip()).split())
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


def read_tagged_list(path: Path) -> dict[str, str]:
    """``word<TAB>TAG[<TAB>...]`` lines -> ``{word: TAG}``; the tag must be a known POS tag."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ExtractionError(f"{path}: cannot read rule file: {err}") from err
    out: dict[str, str] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2 or cells[1] not in _TAGS:
            raise ExtractionError(f"{path}:{lineno}: expected 'word<TAB>TAG' with a POS tag, "
                                  f"got {line!r}")
        out[cells[0]] = cells[1]
    return out


def read_word_counts(path: Path) -> dict[str, int]:
    """The count column (4th) of a ``pos_lexicon.tsv``-style file -> ``{word: count}``."""
    out: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 4 and not line.startswith("#") and cells[3].isdigit():
            out[cells[0]] = int(cells[3])
    return out


@dataclass(frozen=True)
class Rules:
    """All rule data, as plain frozensets/dicts (cheap to share, picklable)."""

    lexicon: dict[str, str]
    closed_class: dict[str, str]
    math_heads: frozenset[str]
    method_heads: frozenset[str]
    dataset_heads: frozenset[str]
    generic_heads: frozenset[str]
    strict_heads: frozenset[str]
    weak_heads: frozenset[str]
    task_heads: frozenset[str]
    named_method_heads: frozenset[str]
    acronym_stop: frozenset[str]
    generic_modifiers: frozenset[str]
    name_cues: frozenset[str]
    lexicon_counts: dict[str, int] = field(default_factory=dict)
    tail_heads: frozenset[str] = frozenset()
    paired_heads: frozenset[str] = frozenset()

    @functools.cached_property
    def all_heads(self) -> frozenset[str]:
        """Every head noun of any type."""
        return self.math_heads | self.method_heads | self.dataset_heads

    @functools.cached_property
    def head_nouns(self) -> frozenset[str]:
        """Every typed or generic head noun (single words)."""
        return frozenset(h for h in self.all_heads | self.generic_heads if " " not in h)

    @functools.cached_property
    def name_cue_firsts(self) -> frozenset[str]:
        """The first word of every name cue ("we propose" -> "we")."""
        return frozenset(c.split()[0] for c in self.name_cues)

    def is_common(self, lower: str) -> bool:
        """A frequent English word: closed class, or seen at least 40 times when the POS
        lexicon was built ("mean", "attention"; not "unbounded", "ghost")."""
        return lower in self.closed_class or self.lexicon_counts.get(lower, 0) >= 40

    def tag(self, lower: str) -> str | None:
        """The coarse tag of a lower-case word from the closed-class list, then the lexicon."""
        return self.closed_class.get(lower) or self.lexicon.get(lower)


@functools.lru_cache(maxsize=4)
def load_rules(rules_dir: Path | None = None) -> Rules:
    """Load (once) every rule file of ``rules_dir`` (default: the shipped one)."""
    d = Path(rules_dir) if rules_dir is not None else RULES_DIR
    return Rules(
        lexicon=read_tagged_list(d / "pos_lexicon.tsv"),
        closed_class=read_tagged_list(d / "closed_class.tsv"),
        math_heads=read_word_list(d / "math_heads.txt"),
        method_heads=read_word_list(d / "method_heads.txt"),
        dataset_heads=read_word_list(d / "dataset_heads.txt"),
        generic_heads=read_word_list(d / "generic_heads.txt"),
        strict_heads=read_word_list(d / "strict_heads.txt"),
        weak_heads=read_word_list(d / "weak_heads.txt"),
        task_heads=read_word_list(d / "task_heads.txt"),
        named_method_heads=read_word_list(d / "named_method_heads.txt"),
        acronym_stop=read_word_list(d / "acronym_stop.txt", lower=False),
        generic_modifiers=read_word_list(d / "generic_modifiers.txt"),
        name_cues=read_word_list(d / "name_cues.txt"),
        lexicon_counts=read_word_counts(d / "pos_lexicon.tsv"),
        tail_heads=read_word_list(d / "tail_heads.txt"),
        paired_heads=read_word_list(d / "paired_heads.txt"),
    )
