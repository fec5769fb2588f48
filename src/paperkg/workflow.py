"""End-to-end jobs that chain the stages: load -> extract -> canonical -> graph -> export.

The CLI commands and :func:`paperkg.build` are thin wrappers over these functions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from paperkg.errors import ExportError
from paperkg.models import LoadReport, Paper, PaperEntities

if TYPE_CHECKING:
    from paperkg.kg import KnowledgeGraph

__all__ = ["RunResult", "load_sources", "extract_corpus", "build", "build_to_dir", "extract_to_file"]

Weight = Literal["count", "idf", "jaccard"]


@dataclass
class RunResult:
    """What a run did, for the closing summary lines."""

    report: LoadReport
    n_papers: int = 0
    n_entities: int = 0
    n_extracted: int = 0
    n_reused: int = 0
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        lines = [self.report.summary()]
        lines.append(
            f"{self.n_papers} papers, {self.n_entities} distinct entities "
            f"({self.n_extracted} extracted, {self.n_reused} reused) in {self.seconds:.1f}s"
        )
        for path in self.outputs:
            lines.append(f"wrote {path}")
        return lines


def load_sources(sources: Sequence[str | Path], fmt: str | None = None) -> tuple[list[Paper], LoadReport]:
    """Read and de-duplicate papers from files/directories (see :mod:`paperkg.load`)."""
    from paperkg.load import load_papers

    return load_papers(sources, fmt=fmt)


@dataclass
class ExtractionRun:
    results: list[PaperEntities]
    n_extracted: int
    n_reused: int


def extract_corpus(papers: Sequence[Paper], *, progress: bool = False) -> ExtractionRun:
    """Extract entities from every paper, then canonicalise them across the corpus."""
    from paperkg.canonical import canonicalize
    from paperkg.extract import extract_papers

    results = extract_papers(papers, progress=progress)
    return ExtractionRun(canonicalize(results), n_extracted=len(results), n_reused=0)


def build(
    sources: Sequence[str | Path] | str | Path = ("seeds",),
    *,
    fmt: str | None = None,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    progress: bool = False,
) -> KnowledgeGraph:
    """Build the knowledge graph of ``sources``.

    Parameters mirror ``paperkg build``; see :func:`paperkg.graph.build_knowledge_graph`
    for the paper-paper weighting options.
    """
    kg, _ = _build(sources, fmt=fmt, weight=weight, min_shared=min_shared, max_df=max_df,
                   top_k=top_k, progress=progress)
    return kg


def _build(sources, *, fmt, weight, min_shared, max_df, top_k, progress):
    from paperkg.graph import build_knowledge_graph

    if isinstance(sources, (str, Path)):
        sources = [sources]
    start = time.perf_counter()
    papers, report = load_sources(sources, fmt=fmt)
    run = extract_corpus(papers, progress=progress)
    kg = build_knowledge_graph(papers, run.results, weight=weight, min_shared=min_shared,
                               max_df=max_df, top_k=top_k)
    result = RunResult(report, n_papers=len(papers), n_extracted=run.n_extracted,
                       n_reused=run.n_reused,
                       n_entities=sum(1 for _, d in kg.graph.nodes(data=True) if d.get("kind") == "entity"))
    result.seconds = time.perf_counter() - start
    return kg, result


def build_to_dir(
    sources: Sequence[str | Path],
    output: str | Path,
    *,
    fmt: str | None = None,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    progress: bool = False,
) -> RunResult:
    """``paperkg build``: build the graph and write every export into ``output``."""
    from paperkg.export import export_all

    start = time.perf_counter()
    kg, result = _build(sources, fmt=fmt, weight=weight, min_shared=min_shared, max_df=max_df,
                        top_k=top_k, progress=progress)
    result.outputs = export_all(kg, Path(output))
    result.seconds = time.perf_counter() - start
    return result


def write_jsonl(results: Sequence[PaperEntities], path: str | Path) -> None:
    """Write one JSON object per paper (the ``paperkg extract`` format)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for res in results:
                fh.write(json.dumps(res.model_dump(mode="json"), ensure_ascii=False) + "\n")
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error


def extract_to_file(
    sources: Sequence[str | Path],
    output: str | Path,
    *,
    fmt: str | None = None,
    progress: bool = False,
) -> RunResult:
    """``paperkg extract``: load, extract, canonicalise, write JSON Lines."""
    start = time.perf_counter()
    papers, report = load_sources(sources, fmt=fmt)
    run = extract_corpus(papers, progress=progress)
    write_jsonl(run.results, output)
    ids = {e.id for r in run.results for e in r.entities}
    return RunResult(report, n_papers=len(papers), n_entities=len(ids), n_extracted=run.n_extracted,
                     n_reused=run.n_reused, outputs=[Path(output)],
                     seconds=time.perf_counter() - start)
