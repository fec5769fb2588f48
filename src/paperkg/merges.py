"""Candidate synonyms in a built graph, written as a thesaurus to edit and pass back.

Canonicalisation (:mod:`paperkg.canonical`) joins the surface forms it can prove are one
entity; what is left are pairs it may not join on its own: the same name typed twice
("linear operator" as a method in one paper and a math concept in another), spellings
its key keeps apart ("sub-gradient"/"subgradient", "matrices"/"matrix",
"optimisation"/"optimization"), an acronym no paper defines beside a long form with those
initials, two long forms with one acronym, and names a letter or two apart.
:func:`suggest_merges` ranks such pairs by how sure each kind of evidence is, then by how
many papers they touch; :func:`write_suggestions` writes them in the
:mod:`paperkg.thesaurus` format, each row under a comment that gives its evidence, for
``paperkg build --thesaurus``.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import networkx as nx

from paperkg.canonical import is_acronym_form
from paperkg.models import ENTITY_TYPES
from paperkg.text import match_key, singular

__all__ = ["MergeSuggestion", "suggest_merges", "write_suggestions", "loose_key"]

#: How sure each kind of evidence is (the first ranking key).
EVIDENCE = {
    "same name, two types": 1.0,
    "hyphenation or spacing": 0.95,
    "singular/plural": 0.9,
    "spelling variant": 0.9,
    "shared long form": 0.9,
    "shared acronym, similar long forms": 0.85,
    "acronym of the long form": 0.7,
    "edit distance": 0.4,
    "acronym of the long form, in other papers": 0.3,
}
#: Acronym-pair evidence counts less across types (an acronym means many things).
CROSS_TYPE_FACTOR = 0.8

_BRITISH = (("isation", "ization"), ("isations", "izations"), ("ised", "ized"),
            ("ising", "izing"), ("yse", "yze"), ("ysed", "yzed"), ("ysing", "yzing"),
            ("lling", "ling"), ("lled", "led"), ("our", "or"))
_SMALL_WORDS = frozenset({"of", "and", "the", "for", "in", "on", "to", "a", "an", "with", "by"})


@dataclass(frozen=True)
class MergeSuggestion:
    """Merge ``source`` into ``target`` (entity ids); ``type`` is set when the merge
    moves ``source`` to another type."""

    source: str
    source_name: str
    target: str
    target_name: str
    type: str | None
    evidence: str
    score: float
    papers: tuple[int, int]  # papers of source, of target

    def row(self) -> str:
        """The thesaurus row: ``label<TAB>replace by<TAB>type``."""
        return f"{self.source_name}\t{self.target_name}\t{self.type or ''}"


def _lemma(word: str) -> str:
    """One stem for a word's singular/plural and British/American forms
    ("matrices", "matrix" -> "matr"; "analyses", "analysis" -> "analys";
    "optimisation" -> "optimization"; "spectra", "spectrum" -> "spectr")."""
    if not word.isalpha() or len(word) < 4:
        return word
    for british, american in _BRITISH:
        if word.endswith(british) and len(word) > len(british) + 2:
            if british == "our" and not word.endswith(("bour", "vour", "lour", "mour")):
                continue  # "colour", "flavour", "humour", "neighbour"; not "four", "hour"
            word = word[: -len(british)] + american
            break
    # match_key has cut the last word's plural "s" already ("matrice", "hypothese")
    for ending in ("ices", "ixes", "exes", "ice", "ix", "ex"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)]
    for ending in ("ses", "sis"):
        if word.endswith(ending) and len(word) > 5:
            return word[:-2]
    if word.endswith("se") and len(word) > 7:
        return word[:-1]
    for ending in ("um", "on", "a"):
        if word.endswith(ending) and len(word) > 5 and not word.endswith(("ion", "ia")):
            return word[: -len(ending)]
    return singular(word)


def loose_key(name: str) -> str:
    """A looser key than :func:`~paperkg.text.match_key`: every word singular (not only the
    last), British spellings as American, and no spaces between words (hyphenation),
    except between two numbers ("Llama 3.1 8B" keeps its space, "3.18" is another model)."""
    words = [_lemma(w) for w in match_key(name).split()]
    out: list[str] = []
    for w in words:
        if out and out[-1][-1:].isdigit() and w[:1].isdigit():
            out.append(" ")
        out.append(w)
    return "".join(out)


@dataclass
class _Node:
    id: str
    name: str
    type: str
    df: int
    key: str
    loose: str
    aliases: tuple[str, ...]
    papers: frozenset[str]


def _entities(graph: nx.Graph) -> list[_Node]:
    nodes = []
    for n, d in graph.nodes(data=True):
        if d.get("kind") != "entity":
            continue
        name = str(d.get("name") or d.get("label") or n)
        aliases = d.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        nodes.append(_Node(str(n), name, str(d.get("type", "")), int(d.get("df", 0) or 0),
                           match_key(name), loose_key(name), tuple(map(str, aliases)),
                           frozenset(graph.adj[n])))
    nodes.sort(key=lambda e: e.id)
    return nodes


def _initials(name: str, split_hyphens: bool) -> str:
    words = re.split(r"[\s\-]+" if split_hyphens else r"\s+", name.strip())
    return "".join(w[0] for w in words if w and w.lower() not in _SMALL_WORDS).upper()


def _capitals(acronym: str) -> str:
    """The letters of an acronym that stand for words: its capitals and digits ("EoS" ->
    "ES": "o" is "of"; "MgNO" -> "MNO": "Mg" is one word, "multigrid")."""
    return "".join(c for c in acronym if c.isupper() or c.isdigit())


def _acronym_key(surface: str) -> str:
    key = surface.upper()
    return key[:-1] if surface.endswith("s") and len(surface) > 2 else key


def _similar_long_forms(a: str, b: str) -> bool:
    """Word by word, each pair the same stem or one a prefix (>= 4 letters) of the other:
    "auto-differentiation" and "automatic differentiation"."""
    wa, wb = match_key(a).split(), match_key(b).split()
    if len(wa) != len(wb):
        return False
    for x, y in zip(wa, wb, strict=True):
        x, y = _lemma(x), _lemma(y)
        if x == y:
            continue
        short, long = sorted((x, y), key=len)
        if len(short) < 4 or not long.startswith(short):
            return False
    return True


def _loose_kind(a: _Node, b: _Node) -> str:
    """Which difference two entities with one loose key have."""
    if a.key == b.key and a.type != b.type:
        return "same name, two types"
    if a.key.replace(" ", "") == b.key.replace(" ", ""):
        return "hyphenation or spacing"
    if _american(a.key) == _american(b.key):
        return "spelling variant"
    return "singular/plural"


def _american(key: str) -> str:
    words = []
    for w in key.split():
        for british, american in _BRITISH:
            if w.endswith(british) and len(w) > len(british) + 2:
                if british != "our" or w.endswith(("bour", "vour", "lour", "mour")):
                    w = w[: -len(british)] + american
                break
        words.append(w)
    return " ".join(words)


def _near(a: str, b: str) -> bool:
    """Edit-distance evidence: long names, one or two letters apart inside words (not a
    digit, not a word's first letter: "ODE solver"/"PDE solver" are not synonyms)."""
    if min(len(a), len(b)) < 10 or abs(len(a) - len(b)) > 2:
        return False
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
           if op[0] != "equal"]
    changed = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in ops)
    if changed > 2:
        return False
    for _, i1, i2, j1, j2 in ops:
        piece = a[i1:i2] + b[j1:j2]
        if any(c.isdigit() or c == " " for c in piece):
            return False
        if i1 == 0 or a[i1 - 1] == " " or j1 == 0 or b[j1 - 1] == " ":
            return False
    return True


def _pairs(nodes: list[_Node]) -> Iterator[tuple[_Node, _Node, str]]:
    """Every candidate pair with the kind of evidence for it (a pair may come twice)."""
    by_loose: dict[str, list[_Node]] = defaultdict(list)
    for e in nodes:
        if e.type != "repo":
            by_loose[e.loose].append(e)
    for group in by_loose.values():
        for a, b in itertools.combinations(group, 2):
            yield a, b, _loose_kind(a, b)

    # acronyms: the long forms each acronym is an alias of, and the acronym-named entities
    long_forms: dict[str, list[_Node]] = defaultdict(list)
    for e in nodes:
        if e.type == "repo" or is_acronym_form(e.name):
            continue
        for alias in e.aliases:
            if is_acronym_form(alias):
                long_forms[_acronym_key(alias)].append(e)
    for group in long_forms.values():
        for a, b in itertools.combinations(group, 2):
            if a.type == b.type and _similar_long_forms(a.name, b.name):
                yield a, b, "shared acronym, similar long forms"
    by_initials: dict[str, list[_Node]] = defaultdict(list)
    for e in nodes:
        if e.type != "repo" and not is_acronym_form(e.name) and len(e.key.split()) >= 2:
            for split in (False, True):
                by_initials[_initials(e.name, split)].append(e)
    for e in nodes:
        if e.type == "repo" or not is_acronym_form(e.name) or \
                not e.name.replace("-", "").isalnum():
            continue  # "PFGM++", "GPT-4.5": a variant of what the letters stand for
        expansions = {x.id: x for x in [*by_initials.get(_capitals(e.name), []),
                                        *long_forms.get(_acronym_key(e.name), [])]}
        if len(expansions) == 1:  # an acronym that could stand for several: no evidence
            long_form = next(iter(expansions.values()))
            # an abstract that uses both is the evidence that the acronym means this
            yield e, long_form, ("acronym of the long form" if e.papers & long_form.papers
                                 else "acronym of the long form, in other papers")

    # a long form two types share (one type's name, the other's alias): canonicalisation
    # joins within a type only
    by_form: dict[str, dict[str, _Node]] = defaultdict(dict)
    for e in nodes:
        if e.type == "repo":
            continue
        for form in (e.name, *e.aliases):
            if not any(is_acronym_form(w) for w in form.split()):
                by_form[match_key(form)][e.id] = e
    for group in by_form.values():
        for a, b in itertools.combinations(group.values(), 2):
            if a.type != b.type and a.loose != b.loose:
                yield a, b, "shared long form"

    # edit distance, among names that share a deletion variant (Mor & Fraenkel, 1982;
    # the SymSpell idea): only pairs at most two edits apart are compared
    variants: dict[tuple[str, str], list[_Node]] = defaultdict(list)
    for e in nodes:
        if e.type == "repo" or len(e.key) < 10:
            continue
        for i in range(len(e.key)):
            variants[(e.type, e.key[:i] + e.key[i + 1:])].append(e)
    seen: set[tuple[str, str]] = set()
    for group in variants.values():
        for a, b in itertools.combinations(group, 2):
            if a.loose != b.loose and (a.id, b.id) not in seen and _near(a.key, b.key):
                seen.add((a.id, b.id))
                yield a, b, "edit distance"


def _head(key: str) -> str:
    return _lemma(key.rsplit(" ", 1)[-1])


def _direction(a: _Node, b: _Node, evidence: str, type_order: dict[str, int]
               ) -> tuple[_Node, _Node, str | None]:
    """``(source, target, type)``: the rarer entity goes into the commoner one, an acronym
    into its long form; across types, to the commoner type (on a tie, the vocabulary's)."""
    if evidence == "acronym of the long form":
        source, target = (a, b) if is_acronym_form(a.name) else (b, a)
    else:
        source, target = sorted((a, b), key=lambda e: (
            e.df, not is_acronym_form(e.name), -type_order.get(e.type, 9), e.id))
    return source, target, (None if source.type == target.type else target.type)


def suggest_merges(graph: nx.Graph, n: int | None = 50,
                   vocabulary_types: dict[str, str] | None = None) -> list[MergeSuggestion]:
    """Candidate synonym pairs among the entities of a knowledge graph, best first.

    Parameters
    ----------
    graph
        A knowledge graph (``KnowledgeGraph.graph``, or read from ``kg.graphml``).
    n
        How many suggestions (``None``: all).
    vocabulary_types
        Match key -> type the vocabulary gives a name; decides the type of a merge across
        types whose two sides have as many papers (default: the shipped vocabulary).

    Returns
    -------
    list of MergeSuggestion
        Ranked by the evidence's certainty (:data:`EVIDENCE`), then by the papers the two
        entities are in together, then by name. Each entity is the source of one
        suggestion at most. O(E * L) for E entities of names up to L characters, plus the
        pairs found.
    """
    nodes = _entities(graph)
    if vocabulary_types is None:
        vocabulary_types = _vocabulary_types(e.name for e in nodes)
    heads: Counter[tuple[str, str]] = Counter()
    for e in nodes:
        heads[(_head(e.key), e.type)] += e.df
    best: dict[tuple[str, str], MergeSuggestion] = {}
    for a, b, evidence in _pairs(nodes):
        if a.id == b.id:
            continue
        # a tie across types goes to the vocabulary's type, else to the type the graph
        # gives most often to names with the same head word ("... operator": math)
        known = vocabulary_types.get(a.key) or vocabulary_types.get(b.key)
        head = _head(a.key)
        ranked_types = sorted(ENTITY_TYPES, key=lambda t: (
            t != known, -heads[(head, t)], ENTITY_TYPES.index(t)))
        order = {t: i for i, t in enumerate(ranked_types)}
        source, target, etype = _direction(a, b, evidence, order)
        score = EVIDENCE[evidence]
        if source.type != target.type and evidence != "same name, two types":
            score *= CROSS_TYPE_FACTOR
        pair = tuple(sorted((a.id, b.id)))
        found = MergeSuggestion(source.id, source.name, target.id, target.name, etype,
                                evidence, round(score, 3), (source.df, target.df))
        if pair not in best or found.score > best[pair].score:
            best[pair] = found  # type: ignore[index]
    ranked = sorted(best.values(), key=lambda s: (-s.score, -sum(s.papers), s.source_name,
                                                  s.target_name))
    out: list[MergeSuggestion] = []
    sources: set[str] = set()
    for s in ranked:
        if match_key(s.source_name) in sources:
            continue  # one row per label: a thesaurus takes the first
        sources.add(match_key(s.source_name))
        out.append(s)
        if n is not None and len(out) >= n:
            break
    return out


def _vocabulary_types(names: Iterable[str]) -> dict[str, str]:
    from paperkg.vocab import load_vocabulary

    vocabulary = load_vocabulary()
    out = {}
    for name in names:
        terms = vocabulary.lookup(name)
        if terms:
            out[match_key(name)] = terms[0].type
    return out


def _papers(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def write_suggestions(suggestions: Iterable[MergeSuggestion], out: str | Path | IO[str]) -> None:
    """Write suggestions as a thesaurus (``label<TAB>replace by<TAB>type``), each row under
    a ``#`` comment with its evidence; delete the rows you disagree with and pass the file
    to ``paperkg build --thesaurus``."""
    lines = ["# paperkg suggest-merges: delete the rows that are not synonyms, then",
             "# paperkg build --thesaurus THIS_FILE",
             "label\treplace by\ttype"]
    for s in suggestions:
        lines.append(f"# {s.score:.2f} {s.evidence}: {s.source_name!r} ({s.source.split(':')[0]}, "
                     f"{_papers(s.papers[0])}) -> {s.target_name!r} "
                     f"({s.target.split(':')[0]}, {_papers(s.papers[1])})")
        lines.append(s.row())
    text = "\n".join(lines) + "\n"
    if isinstance(out, (str, Path)):
        Path(out).write_text(text, encoding="utf-8")
    else:
        out.write(text)
