"""Gazetteers as data: the method, dataset and math vocabularies and the stop lists.

Layout of a vocabulary directory (the default one ships under ``paperkg/data/vocab``)::

    <type>/*.tsv        type in {method, dataset, math}; header ``name<TAB>aliases<TAB>case``
    stop/generic.txt    generic phrases that are never entities ("our method")
    stop/tasks.txt      task / problem names ("image classification")
    stop/metrics.txt    metric names ("accuracy", "BLEU")

In a TSV, ``aliases`` is a ``|``-separated list (may be empty) and ``case`` is ``1``
when the name and aliases only match with exactly that capitalisation ("Adam",
"GAN"), else empty or ``0``. In a ``case=1`` entry a form written all in lower case
still matches in any case (the escape hatch for a strict acronym with a loose long
form). Lines starting with ``#`` and blank lines are skipped.
Stop lists hold one phrase per line.

Every surface form is indexed by :func:`paperkg.text.match_key`, the key the
reference scorer compares, so a lookup folds case, accents, hyphens and a plural.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from paperkg.errors import SourceError, VocabularyError
from paperkg.models import EntityType
from paperkg.text import fold_accents, match_key, normalize_space, singular

__all__ = [
    "Term",
    "read_user_file",
    "Vocabulary",
    "StopKind",
    "VOCAB_TYPES",
    "STOP_LISTS",
    "DEFAULT_VOCAB_DIR",
    "case_key",
    "read_terms",
    "read_stop_list",
    "load_vocabulary",
    "read_user_terms",
    "with_user_terms",
    "load_user_vocabulary",
]

VOCAB_TYPES: tuple[str, ...] = ("method", "dataset", "math")
StopKind = Literal["generic", "tasks", "metrics"]
STOP_LISTS: tuple[str, ...] = ("generic", "tasks", "metrics")
DEFAULT_VOCAB_DIR: Path = Path(__file__).resolve().parent / "data" / "vocab"

_HEADER = ("name", "aliases", "case")
_CASE_FLAGS = {"": False, "0": False, "1": True}
# Same punctuation class as paperkg.text.match_key, so case keys and match keys agree.
_KEY_PUNCT = re.compile(r"[\-_/–—:,;()\[\]{}'\"`]")
_SPACE = re.compile(r"\s+")
_GITHUB_URL = re.compile(r"https?://(www\.)?github\.com/", re.IGNORECASE)


class Term(BaseModel):
    """One gazetteer entry: a canonical name, its aliases and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    case_sensitive: bool = False
    source: str = Field(min_length=1)

    @property
    def forms(self) -> list[str]:
        """The name followed by every alias."""
        return [self.name, *self.aliases]


def case_key(surface: str) -> str:
    """Like :func:`~paperkg.text.match_key` but keeping the capitalisation.

    ``"GANs"`` -> ``"GAN"``, ``"Res-Net"`` -> ``"Res Net"``: a case-sensitive term
    still matches its plural and hyphen/space variants, never another capitalisation.
    """
    s = fold_accents(surface)
    if "://" in s:
        s = _GITHUB_URL.sub("", s)
    s = _KEY_PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip().rstrip(".")
    toks = s.split()
    if toks:
        toks[-1] = singular(toks[-1])
    return " ".join(toks)


# The extractor asks about the same candidate phrases again and again (every abstract
# says "neural network"); the keys are pure functions of the string.
_cached_match_key = functools.lru_cache(maxsize=1 << 16)(match_key)
_cached_case_key = functools.lru_cache(maxsize=1 << 16)(case_key)


class Vocabulary(BaseModel):
    """All gazetteer terms plus the stop sets, indexed by match key.

    The stop sets hold :func:`~paperkg.text.match_key` forms of their phrases.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Term] = Field(default_factory=list)
    generic: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()

    # match key -> [(term, case keys that must match exactly, or None for any case)]
    _index: dict[str, list[tuple[Term, frozenset[str] | None]]] = PrivateAttr(
        default_factory=dict
    )

    def model_post_init(self, __context: object) -> None:
        index: dict[str, list[tuple[Term, frozenset[str] | None]]] = {}
        for term in self.terms:
            by_key: dict[str, set[str] | None] = {}
            for form in term.forms:
                key = match_key(form)
                if not key:
                    continue
                if not term.case_sensitive or form == form.lower():
                    by_key[key] = None
                elif by_key.get(key, set()) is not None:
                    by_key.setdefault(key, set()).add(case_key(form))  # type: ignore[union-attr]
            for key, case_forms in by_key.items():
                index.setdefault(key, []).append(
                    (term, None if case_forms is None else frozenset(case_forms))
                )
        self._index = index

    def lookup(self, surface: str) -> list[Term]:
        """Terms whose name or an alias has the match key of ``surface``.

        A case-sensitive term is returned only when ``surface`` has exactly the
        capitalisation of one of its forms (plural and hyphen variants allowed);
        a form written all in lower case inside a case-sensitive term matches in any
        case, so ``CLIP|contrastive language-image pre-training`` with ``case=1``
        keeps the acronym strict and the long form loose.
        Terms come in load order (type, then file name, then line). O(1) average.
        """
        key = _cached_match_key(surface)
        # the private attribute straight from its slot: ``self._index`` goes through
        # pydantic's ``__getattr__``, a sizeable share of this hot method
        index = self.__pydantic_private__["_index"]  # type: ignore[index]
        hits = index.get(key)
        if not hits and key.endswith("se"):
            # the match key keeps the "e" of a plural in -ses ("Coulomb gases" -> "coulomb
            # gase", "biases" -> "biase"): the singular is the key without it
            hits = index.get(key[:-1])
        if not hits:
            return []
        ck: str | None = None
        out: list[Term] = []
        for term, case_forms in hits:
            if case_forms is not None:
                if ck is None:
                    ck = _cached_case_key(surface)
                if ck not in case_forms:
                    continue
            out.append(term)
        return out

    def keys(self) -> frozenset[str]:
        """Every match key that :meth:`lookup` may answer (before the case check)."""
        return frozenset(self._index)

    def by_type(self, entity_type: EntityType) -> list[Term]:
        """Every term of one type, in load order."""
        return [t for t in self.terms if t.type == entity_type]

    def surfaces(self) -> Iterator[tuple[str, Term]]:
        """Every ``(surface form, term)`` pair, e.g. to build a phrase automaton."""
        for term in self.terms:
            for form in term.forms:
                yield form, term

    def stop_kind(self, surface: str) -> StopKind | None:
        """Which stop list holds ``surface`` (by match key), or ``None``."""
        key = _cached_match_key(surface)
        if key in self.generic:
            return "generic"
        if key in self.tasks:
            return "tasks"
        if key in self.metrics:
            return "metrics"
        return None

    def is_stop(self, surface: str) -> bool:
        """True when ``surface`` is a generic phrase, a task or a metric."""
        return self.stop_kind(surface) is not None


def _where(path: Path, lineno: int) -> str:
    return f"{path}:{lineno}"


def read_terms(path: Path, entity_type: EntityType) -> list[Term]:
    """Read one gazetteer TSV file.

    Raises
    ------
    VocabularyError
        On a wrong header, a wrong column count, an empty name or alias, a case flag
        other than empty/0/1, or two entries of the file with the same match key,
        naming ``file:line``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise VocabularyError(f"{path}: cannot read vocabulary file: {err}") from err
    terms: list[Term] = []
    seen: dict[str, int] = {}
    header_seen = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if (not line.strip() and "\t" not in line) or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if tuple(c.strip() for c in cells) != _HEADER:
                raise VocabularyError(
                    f"{_where(path, lineno)}: header must be 'name<TAB>aliases<TAB>case', "
                    f"got {line!r}"
                )
            header_seen = True
            continue
        if len(cells) != 3:
            raise VocabularyError(
                f"{_where(path, lineno)}: expected 3 tab-separated columns "
                f"(name, aliases, case), got {len(cells)}"
            )
        name = normalize_space(cells[0])
        if not name:
            raise VocabularyError(f"{_where(path, lineno)}: empty name")
        alias_cell = cells[1].strip()
        aliases: list[str] = []
        if alias_cell:
            for alias in alias_cell.split("|"):
                alias = normalize_space(alias)
                if not alias:
                    raise VocabularyError(
                        f"{_where(path, lineno)}: empty alias in {alias_cell!r} (stray '|'?)"
                    )
                if alias != name and alias not in aliases:
                    aliases.append(alias)
        flag = cells[2].strip()
        if flag not in _CASE_FLAGS:
            raise VocabularyError(
                f"{_where(path, lineno)}: case flag must be empty, 0 or 1, got {flag!r}"
            )
        key = match_key(name)
        if not key:
            raise VocabularyError(f"{_where(path, lineno)}: name {name!r} has no letters or digits")
        if key in seen:
            raise VocabularyError(
                f"{_where(path, lineno)}: duplicate name {name!r} "
                f"(same as line {seen[key]}; merge them, aliases go in column 2)"
            )
        seen[key] = lineno
        terms.append(
            Term(
                name=name,
                type=entity_type,
                aliases=aliases,
                case_sensitive=_CASE_FLAGS[flag],
                source=path.name,
            )
        )
    if not header_seen:
        raise VocabularyError(f"{_where(path, 1)}: missing header 'name<TAB>aliases<TAB>case'")
    return terms


def read_stop_list(path: Path) -> frozenset[str]:
    """Read one stop list (one phrase per line) as a set of match keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise VocabularyError(f"{path}: cannot read stop list: {err}") from err
    keys: set[str] = set()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            raise VocabularyError(
                f"{_where(path, lineno)}: stop lists hold one phrase per line, no tabs"
            )
        key = match_key(line)
        if not key:
            raise VocabularyError(
                f"{_where(path, lineno)}: phrase {line!r} has no letters or digits"
            )
        keys.add(key)
    return frozenset(keys)


def _load(data_dir: Path) -> Vocabulary:
    if not data_dir.is_dir():
        raise VocabularyError(f"{data_dir}: vocabulary directory not found")
    terms: list[Term] = []
    for entity_type in VOCAB_TYPES:
        type_dir = data_dir / entity_type
        if type_dir.is_dir():
            for path in sorted(type_dir.glob("*.tsv")):
                terms.extend(read_terms(path, entity_type))  # type: ignore[arg-type]
    stops: dict[str, frozenset[str]] = {kind: frozenset() for kind in STOP_LISTS}
    stop_dir = data_dir / "stop"
    if stop_dir.is_dir():
        for path in sorted(stop_dir.glob("*.txt")):
            if path.stem not in stops:
                raise VocabularyError(
                    f"{path}: unknown stop list (expected one of "
                    + ", ".join(f"{k}.txt" for k in STOP_LISTS)
                    + ")"
                )
            stops[path.stem] = read_stop_list(path)
    return Vocabulary(terms=terms, **stops)


@functools.lru_cache(maxsize=1)
def _load_default() -> Vocabulary:
    return _load(DEFAULT_VOCAB_DIR)


def load_vocabulary(data_dir: Path | None = None) -> Vocabulary:
    """Load every gazetteer and stop list under ``data_dir``.

    Parameters
    ----------
    data_dir
        A vocabulary directory (layout in the module docstring); ``None`` means the
        one shipped with paperkg, which is loaded once and cached.

    Returns
    -------
    Vocabulary
        Terms in order type (method, dataset, math), file name, line.

    Raises
    ------
    VocabularyError
        When the directory is missing or a file is malformed (message names file:line).
    """
    if data_dir is None:
        return _load_default()
    return _load(Path(data_dir))


# --------------------------------------------------------------------------- user vocabulary

_USER_COLUMNS = ("name", "type", "aliases", "case")


def read_user_file(path: Path, what: str) -> str:
    """The text of a user's TSV file (a byte-order mark dropped), or a one-line error:
    :class:`SourceError` for a path that cannot be read, :class:`VocabularyError` for
    text that is not UTF-8. ``what`` names the file in the message ("thesaurus")."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise VocabularyError(f"{path}: not a UTF-8 text file ({err.reason})") from None
    except OSError as err:  # a bad path: a usage error
        raise SourceError(f"{path}: cannot read the {what} ({err.strerror or err})") from None


def read_user_terms(path: str | Path) -> tuple[list[Term], list[str]]:
    """Read a user vocabulary: a TSV file with the header ``name<TAB>type`` and
    optionally ``<TAB>aliases`` (``|``-separated) and ``<TAB>case`` (``1``: the forms
    match only with their capitalisation, as in the shipped gazetteers).

    ``type`` is ``method``, ``dataset`` or ``math``. A bad row is left out with one
    ``file:line: what is wrong`` warning (returned, for the caller to show); the good
    rows are kept.

    Returns
    -------
    terms, warnings

    Raises
    ------
    SourceError
        The file cannot be read.
    VocabularyError
        It is not UTF-8, its header is wrong, or it has no usable row.
    """
    path = Path(path)
    text = read_user_file(path, "vocabulary")
    columns: tuple[str, ...] | None = None
    terms: list[Term] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if columns is None:
            header = tuple(c.lower() for c in cells)
            if header[:2] != _USER_COLUMNS[:2] or header != _USER_COLUMNS[:len(header)]:
                raise VocabularyError(
                    f"{_where(path, lineno)}: the first line must be the header "
                    f"'name<TAB>type' (optionally '<TAB>aliases<TAB>case'), got {line[:60]!r}")
            columns = header
            continue
        problem = _user_term(cells, columns, path, lineno, seen, terms)
        if problem:
            warnings.append(f"{_where(path, lineno)}: {problem}")
    if columns is None:
        raise VocabularyError(f"{path}: empty vocabulary (expected the header 'name<TAB>type' "
                              "and one term per line)")
    if not terms:
        first = (f" ({len(warnings)} bad rows; line {warnings[0][len(str(path)) + 1:]})"
                 if warnings else "")
        raise VocabularyError(f"{path}: no usable term in the vocabulary{first}")
    return terms, warnings


def _user_term(cells: list[str], columns: tuple[str, ...], path: Path, lineno: int,
               seen: dict[str, int], terms: list[Term]) -> str | None:
    """Append the row's term to ``terms``, or say what is wrong with it."""
    while len(cells) > len(columns) and not cells[-1]:
        cells = cells[:-1]
    if len(cells) > len(columns) or len(cells) < 2:
        return (f"{len(cells)} {'column' if len(cells) == 1 else 'columns'}: expected "
                f"{', '.join(columns)} (tab-separated)")
    row = dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=True))
    name = normalize_space(row["name"])
    if not name or not match_key(name):
        return f"name {row['name']!r} has no letters or digits"
    if row["type"].lower() not in VOCAB_TYPES:
        return f"unknown type {row['type']!r} (use {', '.join(VOCAB_TYPES)})"
    aliases: list[str] = []
    for alias in row.get("aliases", "").split("|") if row.get("aliases") else []:
        alias = normalize_space(alias)
        if not alias or not match_key(alias):
            return f"empty alias in {row['aliases']!r} (stray '|'?)"
        if alias != name and alias not in aliases:
            aliases.append(alias)
    flag = row.get("case", "")
    if flag not in _CASE_FLAGS:
        return f"case flag must be empty, 0 or 1, got {flag!r}"
    key = match_key(name)
    if key in seen:
        return f"name {name!r} is already on line {seen[key]} (same normalised name)"
    seen[key] = lineno
    terms.append(Term(name=name, type=row["type"].lower(), aliases=aliases,  # type: ignore[arg-type]
                      case_sensitive=_CASE_FLAGS[flag], source=path.name))
    return None


def with_user_terms(vocabulary: Vocabulary, terms: list[Term]) -> Vocabulary:
    """``vocabulary`` with ``terms`` first, so they win over a shipped term with the same
    form; their forms are taken off the stop lists (a user's term is an entity)."""
    keys = {match_key(form) for term in terms for form in term.forms}
    return Vocabulary(terms=[*terms, *vocabulary.terms], generic=vocabulary.generic - keys,
                      tasks=vocabulary.tasks - keys, metrics=vocabulary.metrics - keys)


def load_user_vocabulary(path: str | Path) -> Vocabulary:
    """The shipped vocabulary plus the user vocabulary file at ``path``
    (:func:`read_user_terms`, :func:`with_user_terms`); loaded once per file version."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as err:
        raise SourceError(f"{path}: cannot read the vocabulary ({err.strerror or err})") from None
    return _load_user(str(path.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _load_user(path: str, mtime_ns: int, size: int) -> Vocabulary:
    terms, _ = read_user_terms(path)
    return with_user_terms(load_vocabulary(), terms)
