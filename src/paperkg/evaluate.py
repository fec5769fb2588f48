"""Evaluation against gold annotations, with exactly the matching of the reference scorer.

The reference is ``../shared/gold/score.py``. A predicted entity matches a gold entity
when one of its surface forms (name or alias) equals one of the gold forms after
:func:`~paperkg.text.match_key` normalisation and the type agrees; each gold entity is
matched at most once, a second prediction for it counts as a duplicate (neither true
nor false positive); gold entities flagged ``optional`` are neither required nor
penalised. Papers are paired by :func:`normalised title <title_key>` or id.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paperkg.errors import SourceError
from paperkg.models import ENTITY_TYPES, PaperEntities
from paperkg.text import match_key

__all__ = [
    "TYPE_MAP",
    "GoldEntity",
    "GoldPaper",
    "PRF",
    "Scores",
    "PaperErrors",
    "EvalResult",
    "title_key",
    "read_gold",
    "read_predictions",
    "evaluate",
    "format_report",
]

#: Type synonyms accepted in predictions (as in the reference scorer).
TYPE_MAP: dict[str, str] = {
    "method": "method", "methods": "method", "model": "method", "algorithm": "method",
    "dataset": "dataset", "datasets": "dataset", "benchmark": "dataset",
    "repo": "repo", "repository": "repo", "github": "repo", "github_repo": "repo", "code": "repo",
    "math": "math", "math_concept": "math", "concept": "math", "mathematics": "math",
    "math-concept": "math", "mathconcept": "math",
}


class GoldEntity(BaseModel):
    """One annotated entity (GUIDELINES.md)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = Field(default_factory=list)
    types: list[str]
    optional: bool = False


class GoldPaper(BaseModel):
    """One annotated paper."""

    model_config = ConfigDict(extra="ignore")

    id: str
    title: str
    entities: list[GoldEntity] = Field(default_factory=list)


class PRF(BaseModel):
    """Precision, recall, F1 (rounded to 3 decimals, as the reference) and counts."""

    p: float
    r: float
    f1: float
    tp: int = 0
    fp: int = 0
    fn: int = 0


class Scores(BaseModel):
    """Precision, recall, F1 without counts (the reference's untyped figures)."""

    p: float
    r: float
    f1: float


class PaperErrors(BaseModel):
    """False hits (``type:name``) and misses (``types:key``) of one paper."""

    title: str
    fp: list[str]
    fn: list[str]


class EvalResult(BaseModel):
    """Everything the reference scorer reports."""

    papers: int
    missing_papers: int
    duplicates: int
    types: dict[str, PRF]
    micro: PRF
    untyped: Scores
    per_paper: list[PaperErrors]


def title_key(title: str) -> str:
    """The reference scorer's paper key: NFKD, lower case, non-word runs to one space."""
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKD", title).lower()).strip()


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"{path}: cannot read: {err}") from err
    out = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise SourceError(f"{path}:{lineno}: invalid JSON: {err.msg}") from err
        if not isinstance(record, dict):
            raise SourceError(f"{path}:{lineno}: expected a JSON object")
        out.append((lineno, record))
    return out


def read_gold(path: str | Path) -> list[GoldPaper]:
    """Read a gold JSON Lines file (one annotated paper per line)."""
    path = Path(path)
    papers = []
    for lineno, record in _read_jsonl(path):
        try:
            papers.append(GoldPaper.model_validate(record))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise SourceError(f"{path}:{lineno}: gold record: {where}: {first['msg']}") from err
    return papers


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Read predictions (``paperkg extract`` output or any ``{"title", "entities"}`` lines)."""
    path = Path(path)
    out = []
    for lineno, record in _read_jsonl(path):
        if not isinstance(record.get("entities", []), list) or (
                "title" not in record and "id" not in record):
            raise SourceError(f"{path}:{lineno}: a prediction needs 'title' or 'id' and a list "
                              "'entities'")
        for ent in record.get("entities", []):
            if not isinstance(ent, dict) or "name" not in ent:
                raise SourceError(f"{path}:{lineno}: every entity needs a 'name'")
        out.append(record)
    return out


def _prf(tp: int, fp: int, fn: int) -> PRF:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p=round(p, 3), r=round(r, 3), f1=round(f, 3), tp=tp, fp=fp, fn=fn)


def _as_dict(pred: PaperEntities | Mapping[str, Any]) -> Mapping[str, Any]:
    return pred.model_dump() if isinstance(pred, PaperEntities) else pred


def evaluate(gold: Sequence[GoldPaper],
             predictions: Iterable[PaperEntities | Mapping[str, Any]]) -> EvalResult:
    """Score ``predictions`` against ``gold`` exactly as the reference scorer does.

    O(P * G) per paper for P predicted and G gold entities (both small).
    """
    predmap: dict[str, Mapping[str, Any]] = {}
    for pred in map(_as_dict, predictions):
        if "title" in pred:
            predmap[title_key(pred["title"])] = pred
        if "id" in pred:
            predmap[str(pred["id"])] = pred
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    ucounts = [0, 0, 0]
    dup = 0
    missing = 0
    per_paper: list[PaperErrors] = []
    for g in gold:
        p = predmap.get(title_key(g.title)) or predmap.get(str(g.id))
        if p is None:
            missing += 1
            p = {"entities": []}
        gents = [({match_key(e.name)} | {match_key(a) for a in e.aliases if a},
                  set(e.types), e.optional) for e in g.entities]
        matched_typed: set[int] = set()
        matched_untyped: set[int] = set()
        fps: list[str] = []
        fns: list[str] = []
        for e in p.get("entities", []):
            raw_type = str(e.get("type", ""))
            t = TYPE_MAP.get(raw_type.lower().strip(), raw_type)
            pkeys = {match_key(e["name"])} | {match_key(a) for a in e.get("aliases", []) or []
                                             if a}
            hit_t = [i for i, (k, ts, _) in enumerate(gents) if k & pkeys and t in ts]
            hit_u = [i for i, (k, _, _) in enumerate(gents) if k & pkeys]
            if hit_u:
                free = [i for i in hit_u if i not in matched_untyped]
                if free:
                    matched_untyped.add(free[0])
                    if not gents[free[0]][2]:
                        ucounts[0] += 1
            else:
                ucounts[1] += 1
            if hit_t:
                new = [i for i in hit_t if i not in matched_typed]
                if not new:
                    dup += 1
                    continue
                matched_typed.add(new[0])
                if not gents[new[0]][2]:
                    counts[t][0] += 1
            else:
                counts[t][1] += 1
                fps.append(f"{t}:{e['name']}")
        for i, (k, ts, optional) in enumerate(gents):
            if optional:
                continue
            if i not in matched_typed:
                for t in ts:
                    counts[t][2] += 1
                fns.append(f"{'/'.join(sorted(ts))}:{sorted(k)[0]}")
            if i not in matched_untyped:
                ucounts[2] += 1
        per_paper.append(PaperErrors(title=g.title, fp=fps, fn=fns))
    types: dict[str, PRF] = {}
    total = [0, 0, 0]
    for t in ENTITY_TYPES:
        c = counts[t]
        total = [a + b for a, b in zip(total, c, strict=True)]
        types[t] = _prf(*c)
    for t, c in counts.items():
        if t not in types:
            total[1] += c[1]
    return EvalResult(papers=len(gold), missing_papers=missing, duplicates=dup, types=types,
                      micro=_prf(*total),
                      untyped=Scores(**_prf(*ucounts).model_dump(include={"p", "r", "f1"})), per_paper=per_paper)


def format_report(result: EvalResult, *, errors: bool = False) -> str:
    """The reference scorer's text report (with per-paper errors first when asked)."""
    lines: list[str] = []
    if errors:
        for pp in result.per_paper:
            lines.append(f"## {pp.title[:80]}")
            lines.append("  FP: " + "; ".join(pp.fp))
            lines.append("  FN: " + "; ".join(pp.fn))
    for t, v in result.types.items():
        lines.append(f"{t:8s} P={v.p:.3f} R={v.r:.3f} F1={v.f1:.3f}  "
                     f"(tp={v.tp} fp={v.fp} fn={v.fn})")
    u = result.untyped
    lines.append(f"untyped  P={u.p:.3f} R={u.r:.3f} F1={u.f1:.3f}")
    lines.append(f"papers={result.papers} missing={result.missing_papers} "
                 f"duplicates={result.duplicates}")
    m = result.micro
    lines.append(f"micro    P={m.p:.3f} R={m.r:.3f} F1={m.f1:.3f}")
    return "\n".join(lines)
