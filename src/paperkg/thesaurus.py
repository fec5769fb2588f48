"""User corrections of the graph, as data: a thesaurus file and per-type thresholds.

A thesaurus is VOSviewer's tab-separated format (van Eck & Waltman, *VOSviewer Manual*,
"Thesaurus file"), with an optional third column::

    label<TAB>replace by<TAB>type
    FNOs<TAB>Fourier neural operator
    our framework<TAB>
    Wasserstein distance<TAB>Wasserstein distance<TAB>math

Each row's label is compared through :func:`paperkg.text.match_key` (case, accents,
plural, hyphen/space folded) with every entity's canonical name and with each of its
aliases. An empty "replace by" removes the entity; otherwise the entity is renamed, or
merged into the entity its "replace by" names (by name or alias); a type in the third
column moves it to that type. The rows apply to the canonical records of a whole corpus
(:func:`apply_thesaurus`), after cross-corpus canonicalisation and before the graph is
built, so the extraction cache never holds them: editing the thesaurus re-extracts
nothing.

``--min-papers-per-type method=2,math=3`` (:func:`parse_min_papers`) keeps rarer
entities in the knowledge graph but leaves them out of the paper links
(:func:`linking_columns`) and of the HTML map (:func:`map_graph`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg.errors import OptionError, VocabularyError
from paperkg.models import ENTITY_TYPES
from paperkg.text import match_key, slugify
from paperkg.vocab import read_user_file

__all__ = [
    "ThesaurusRow",
    "Thesaurus",
    "ThesaurusReport",
    "read_thesaurus",
    "apply_thesaurus",
    "apply_thesaurus_encoded",
    "parse_min_papers",
    "format_min_papers",
    "linking_columns",
    "map_graph",
    "read_user_files",
]

log = logging.getLogger("paperkg")

_HEADER = ("label", "replace by")
_FIELD_ORDER = {"title": 0, "abstract": 1}


@dataclass(frozen=True)
class ThesaurusRow:
    """One usable row: ``replace_by`` is ``""`` for a removal; ``type`` may be ``None``."""

    label: str
    replace_by: str
    type: str | None
    line: int


@dataclass
class Thesaurus:
    """The usable rows of a thesaurus file, by the match key of their label."""

    path: str
    rows: dict[str, ThesaurusRow]
    #: one ``file:line: what is wrong`` per row left out
    warnings: list[str] = field(default_factory=list)

    def row_for(self, keys: Iterable[str]) -> ThesaurusRow | None:
        """The row for the first of ``keys`` that has one (name key first, then aliases)."""
        for key in keys:
            row = self.rows.get(key)
            if row is not None:
                return row
        return None


@dataclass
class ThesaurusReport:
    """What a thesaurus did to a corpus (one summary line)."""

    path: str
    rows: int = 0
    merged: int = 0  # entities joined to another one
    renamed: int = 0
    removed: int = 0
    retyped: int = 0
    unused: list[str] = field(default_factory=list)  # labels that matched no entity

    def summary(self) -> str:
        rows = "1 row" if self.rows == 1 else f"{self.rows} rows"
        line = (f"thesaurus {self.path}: {rows}; {self.merged} entities merged, "
                f"{self.renamed} renamed, {self.removed} removed, {self.retyped} retyped")
        if self.unused:
            unused = len(self.unused)
            line += f"; {unused} {'row' if unused == 1 else 'rows'} matched no entity"
        return line


def read_thesaurus(path: str | Path) -> Thesaurus:
    """Read a thesaurus file (header ``label<TAB>replace by``, optional third column
    ``type``). UTF-8, with or without a byte-order mark; ``#`` lines and blank lines are
    skipped.

    A bad row (a missing tab, an empty or duplicate label, an unknown type) is left out
    with one ``file:line: what is wrong`` warning (in ``.warnings``, for the caller to
    show); the good rows are kept.

    Raises
    ------
    SourceError
        The file cannot be read.
    VocabularyError
        It is not UTF-8, has no header, or has no usable row.
    """
    path = Path(path)
    text = read_user_file(path, "thesaurus")
    rows: dict[str, ThesaurusRow] = {}
    warnings: list[str] = []
    header = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not header:
            if tuple(c.lower() for c in cells[:2]) != _HEADER or \
                    any(c.lower() not in ("", "type") for c in cells[2:]):
                raise VocabularyError(
                    f"{path}:{lineno}: the first line must be the header 'label<TAB>replace by' "
                    f"(optionally '<TAB>type'), got {line[:60]!r}")
            header = True
            continue
        problem, row = _row(cells, lineno, rows)
        if problem:
            warnings.append(f"{path}:{lineno}: {problem}")
        if row is not None:
            rows[match_key(row.label)] = row
    if not header:
        raise VocabularyError(f"{path}: empty thesaurus (expected the header "
                              "'label<TAB>replace by' and one row per term)")
    if not rows:
        raise VocabularyError(f"{path}: no usable row in the thesaurus{_first(path, warnings)}")
    return Thesaurus(str(path), rows, warnings)


def _first(path: Path, warnings: list[str]) -> str:
    """`` (2 bad rows; line 3: no tab ...)``: what the first bad row has, for the error."""
    if not warnings:
        return ""
    return f" ({len(warnings)} bad rows; line {warnings[0][len(str(path)) + 1:]})"


def _row(cells: list[str], lineno: int, rows: Mapping[str, ThesaurusRow]
         ) -> tuple[str | None, ThesaurusRow | None]:
    """``(what is wrong or None, the row or None)`` for one line's cells."""
    while len(cells) > 3 and not cells[-1]:
        cells = cells[:-1]  # trailing tabs, as spreadsheets write them
    if len(cells) < 2:
        return "no tab: expected 'label<TAB>replace by' (an empty replace by removes)", None
    if len(cells) > 3:
        return f"{len(cells)} columns: expected label, replace by and an optional type", None
    label, replace_by = cells[0], cells[1]
    etype = cells[2].lower() if len(cells) == 3 and cells[2] else None
    if not label:
        return "empty label", None
    key = match_key(label)
    if not key:
        return f"label {label!r} has no letters or digits", None
    if etype is not None and etype not in ENTITY_TYPES:
        return f"unknown type {cells[2]!r} (use {', '.join(ENTITY_TYPES)})", None
    if not replace_by and etype is not None:
        return ("an empty 'replace by' removes the term and takes no type; to change "
                "only the type, repeat the label as 'replace by'"), None
    if replace_by and not match_key(replace_by):
        return f"replace by {replace_by!r} has no letters or digits", None
    earlier = rows.get(key)
    if earlier is not None:
        return (f"label {label!r} is already on line {earlier.line} (same normalised name); "
                "this row is left out"), None
    return None, ThesaurusRow(label, replace_by, etype, lineno)


# --------------------------------------------------------------------------- applying


_Record = dict[str, Any]


@dataclass
class _Known:
    type: str
    name: str
    keys: list[str]  # name key first, then alias keys in sorted order


def _plan(records: Iterable[_Record], thesaurus: Thesaurus
          ) -> tuple[dict[str, tuple[str, str, str] | None], ThesaurusReport]:
    """Entity id -> ``(new id, new type, new name)`` or ``None`` (removed), for every
    entity a row applies to; and the report. Decided once per entity over the whole
    corpus, so an entity is changed the same way in every paper."""
    names: dict[str, str] = {}
    types: dict[str, str] = {}
    alias_keys: dict[str, set[str]] = {}
    for rec in records:
        for e in rec["entities"]:
            eid = e["id"]
            if eid not in names:
                names[eid], types[eid] = e["name"], e["type"]
                alias_keys[eid] = set()
            alias_keys[eid].update(match_key(a) for a in e["aliases"])
    known: dict[str, _Known] = {}
    by_name: dict[tuple[str, str], str] = {}
    by_alias: dict[tuple[str, str], set[str]] = {}
    for eid in sorted(names):
        name_key = match_key(names[eid])
        keys = [name_key, *sorted(alias_keys[eid] - {name_key, ""})]
        known[eid] = _Known(types[eid], names[eid], keys)
        by_name.setdefault((types[eid], name_key), eid)
        for k in keys[1:]:
            by_alias.setdefault((types[eid], k), set()).add(eid)

    report = ThesaurusReport(thesaurus.path, rows=len(thesaurus.rows))
    used: set[str] = set()
    step: dict[str, tuple[str, str, str] | None] = {}
    for eid, k in known.items():
        row = thesaurus.row_for(k.keys)
        if row is None:
            continue
        used.add(match_key(row.label))
        if not row.replace_by:
            step[eid] = None
            continue
        etype = row.type or k.type
        target_key = match_key(row.replace_by)
        target = by_name.get((etype, target_key))
        if target is None:
            found = by_alias.get((etype, target_key), set())
            target = next(iter(found)) if len(found) == 1 else None
        if target is None or target == eid:
            # a new name (and id) for this entity, or a new spelling of its own name
            step[eid] = (f"{etype}:{slugify(row.replace_by)}", etype, row.replace_by)
        else:
            step[eid] = (target, etype, known[target].name)
    final = {eid: _follow(eid, step) for eid in step}
    final = {eid: dest for eid, dest in final.items()
             if dest is None or dest != (eid, known[eid].type, known[eid].name)}
    report.unused = sorted(r.label for key, r in thesaurus.rows.items() if key not in used)
    targets: dict[str, int] = {}
    for dest in final.values():
        if dest is not None:
            targets[dest[0]] = targets.get(dest[0], 0) + 1
    for eid, dest in final.items():
        if dest is None:
            report.removed += 1
            continue
        if dest[1] != known[eid].type:
            report.retyped += 1
        if dest[0] != eid and (dest[0] in known or targets[dest[0]] > 1):
            report.merged += 1
        elif dest[2] != known[eid].name:
            report.renamed += 1
    for label in report.unused:
        log.debug("%s: row %r matched no entity", thesaurus.path, label)
    return final, report


def _follow(eid: str, step: Mapping[str, tuple[str, str, str] | None]
            ) -> tuple[str, str, str] | None:
    """Where ``eid`` ends after following rows whose target has a row of its own
    ("A -> B", "B -> C": A ends at C); a cycle stops where it would repeat."""
    dest = step[eid]
    seen = {eid}
    while dest is not None and dest[0] in step and dest[0] not in seen:
        seen.add(dest[0])
        dest = step[dest[0]]
    return dest


def _mention_order(m: Mapping[str, Any]) -> tuple[int, int, int]:
    return _FIELD_ORDER.get(m["field"], 2), m["start"], m["end"]


def _rewrite(rec: _Record, final: Mapping[str, tuple[str, str, str] | None]) -> _Record:
    """One paper's record with the thesaurus applied: entities that end under one id are
    one entity (names become aliases, mentions joined)."""
    if not any(e["id"] in final for e in rec["entities"]):
        return rec
    merged: dict[str, dict[str, Any]] = {}
    for e in rec["entities"]:
        if e["id"] in final:
            dest = final[e["id"]]
            if dest is None:
                continue
            eid, etype, name = dest
        else:
            eid, etype, name = e["id"], e["type"], e["name"]
        surfaces = [e["name"], *e["aliases"]]
        target = merged.get(eid)
        if target is None:
            target = merged[eid] = {"id": eid, "name": name, "type": etype, "aliases": [],
                                    "mentions": []}
        for s in surfaces:
            if s != name and s not in target["aliases"]:
                target["aliases"].append(s)
        target["mentions"].extend(e["mentions"])
    for ent in merged.values():
        unique = {(m["field"], m["start"], m["end"]): m for m in ent["mentions"]}
        ent["mentions"] = sorted(unique.values(), key=_mention_order)
    return {**rec, "entities": list(merged.values())}


def apply_thesaurus(records: Callable[[], Iterable[_Record]], thesaurus: Thesaurus
                    ) -> tuple[Iterator[_Record], ThesaurusReport]:
    """Apply ``thesaurus`` to canonical records (``PaperEntities`` as JSON dicts).

    ``records()`` gives the corpus; it is read twice: once to decide, per entity over
    the whole corpus, what each row does to it (so an entity changes the same way in
    every paper, whichever of its aliases a paper uses), then once more as it is
    rewritten. O(entities + aliases).

    A row applies to an entity whose name or an alias has the match key of its label
    (the name first). Its "replace by" names the entity's new name; when that is the
    name or the only entity with that alias of another entity of the (new) type, the
    entity is merged into that one. Rows chain ("A -> B" and "B -> C" take A to C).

    Returns
    -------
    records, report
        The rewritten records (an iterator, in input order) and what was done.
    """
    final, report = _plan(records(), thesaurus)
    return (_rewrite(rec, final) for rec in records()), report


def apply_thesaurus_encoded(encoded: Sequence[bytes], thesaurus: Thesaurus
                            ) -> tuple[list[bytes], ThesaurusReport]:
    """:func:`apply_thesaurus` on records held compressed, as the cache stores them
    (:func:`paperkg.cache.encode_result`)."""
    from paperkg.cache import decode_result, encode_result

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def records() -> Iterator[_Record]:
        return (json.loads(decode_result(blob)) for blob in encoded)

    rewritten, report = apply_thesaurus(records, thesaurus)
    return [encode_result(dumps(rec)) for rec in rewritten], report


# --------------------------------------------------------------------------- thresholds


def parse_min_papers(spec: str | Mapping[str, int] | None) -> dict[str, int]:
    """``"method=2,math=3"`` -> ``{"method": 2, "math": 3}`` (a mapping is checked and
    copied; ``None`` or ``""`` -> ``{}``).

    Raises
    ------
    OptionError
        An unknown type, a count that is not a positive integer, or a type given twice.
    """
    if not spec:
        return {}
    items: Iterable[tuple[str, Any]]
    if isinstance(spec, Mapping):
        items = spec.items()
    else:
        pairs = []
        for part in str(spec).split(","):
            if not part.strip():
                continue
            etype, sep, count = part.partition("=")
            if not sep:
                raise OptionError(f"--min-papers-per-type: {part.strip()!r} is not TYPE=N "
                                  "(e.g. method=2,math=3)")
            pairs.append((etype.strip(), count.strip()))
        items = pairs
    out: dict[str, int] = {}
    for etype, count in items:
        if etype not in ENTITY_TYPES:
            raise OptionError(f"--min-papers-per-type: unknown type {etype!r} "
                              f"(use {', '.join(ENTITY_TYPES)})")
        try:
            n = int(count)
        except (TypeError, ValueError):
            n = 0
        if n < 1 or str(count).strip() not in (str(n), f"+{n}"):
            raise OptionError(f"--min-papers-per-type: {etype}={count} is not a positive "
                              "whole number of papers")
        if etype in out:
            raise OptionError(f"--min-papers-per-type: {etype} given twice")
        out[etype] = n
    return out


def format_min_papers(thresholds: Mapping[str, int]) -> str:
    """``{"method": 2, "math": 3}`` -> ``"method=2,math=3"`` (types in the usual order)."""
    return ",".join(f"{t}={thresholds[t]}" for t in ENTITY_TYPES if t in thresholds)


def _below(etype: str, df: int, thresholds: Mapping[str, int]) -> bool:
    return df < thresholds.get(etype, 1)


def linking_columns(types: Sequence[str], df: Sequence[int],
                    thresholds: Mapping[str, int]) -> list[int]:
    """Indices of the entities (given by type and number of papers) that may link
    papers: those at or above their type's threshold."""
    return [j for j, (t, d) in enumerate(zip(types, df, strict=True))
            if not _below(t, d, thresholds)]


def map_graph(graph: nx.Graph) -> nx.Graph:
    """The graph the HTML map shows: without the entities below the graph's
    ``min_papers`` thresholds (a read-only view; the graph itself when there are none)."""
    thresholds = parse_min_papers(str(graph.graph.get("min_papers") or ""))
    if not thresholds:
        return graph
    hidden = {n for n, d in graph.nodes(data=True)
              if d.get("kind") == "entity"
              and _below(str(d.get("type", "")), int(d.get("df", 0) or 0), thresholds)}
    if not hidden:
        return graph
    return nx.restricted_view(graph, hidden, [])


def read_user_files(vocab: str | None, thesaurus: str | Path | Thesaurus | None
                    ) -> tuple[Any, Thesaurus | None]:
    """The user vocabulary (a :class:`~paperkg.vocab.Vocabulary` with the user's terms)
    and thesaurus, read once, their bad rows warned about with ``file:line``."""
    from paperkg.vocab import load_user_vocabulary, read_user_terms

    vocabulary = None
    if vocab is not None:
        for warning in read_user_terms(vocab)[1]:
            log.warning("%s", warning)
        vocabulary = load_user_vocabulary(vocab)
    if thesaurus is not None and not isinstance(thesaurus, Thesaurus):
        thesaurus = read_thesaurus(thesaurus)
        for warning in thesaurus.warnings:
            log.warning("%s", warning)
    return vocabulary, thesaurus
