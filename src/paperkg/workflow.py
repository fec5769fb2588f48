"""End-to-end jobs that chain the stages: load -> extract -> canonical -> graph -> export.

The CLI commands and :func:`paperkg.build` are thin wrappers over these functions.
This is also where the stages are scheduled on the machine: the only domain module
that forks (:func:`paperkg._accel.fork.run_beside`: canonicalisation, the graph's tally
and projection in halves, Louvain beside the knowledge graph's assembly and the
paper graph's layout) or pauses the garbage collector. Each stage's own functions run in one
process and give the same results; the switch points are in
:data:`paperkg._accel.thresholds.THRESHOLDS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from paperkg._accel import kernels
from paperkg._accel.fork import can_fork, run_beside
from paperkg._accel.gcpause import gc_paused
from paperkg._accel.parallel import iter_extract
from paperkg._accel.thresholds import THRESHOLDS
from paperkg.batches import Batches
from paperkg.cache import extractor_fingerprint
from paperkg.canonical import canonicalize_json
from paperkg.errors import GraphError
from paperkg.models import LoadReport, Paper, PaperEntities
from paperkg.progress import Progress
from paperkg.results import ExtractionRun, JsonResults, graph_summary, write_jsonl
from paperkg.thesaurus import apply_thesaurus_encoded, read_user_files

if TYPE_CHECKING:
    from paperkg._accel.parallel import Engine
    from paperkg.graph import Weight
    from paperkg.graph.tally import _Corpus, _Tally
    from paperkg.kg import KnowledgeGraph
    from paperkg.links import PaperLinks
    from paperkg.load import MergingStream
    from paperkg.thesaurus import Thesaurus

__all__ = ["RunResult", "load_sources", "stream_sources", "iter_sources", "extract_corpus", "build",
           "build_to_dir", "extract_to_file", "build_graph", "canonicalize_corpus",
           "graph_summary", "save_graphs", "two_writers"]

log = logging.getLogger("paperkg")
#: One line per stage of a build after extraction (the CLI shows them on stderr).
stage = logging.getLogger("paperkg.stage")
T = TypeVar("T")


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
    graph: str = ""  # one line on the built graph, when a graph was built
    hints: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [self.report.summary()]
        lines.append(
            f"{self.n_papers} papers, {self.n_entities} distinct entities "
            f"({self.n_extracted} extracted, {self.n_reused} reused) in {self.seconds:.1f}s"
        )
        if self.graph:
            lines.append(self.graph)
        for path in self.outputs:
            lines.append(f"wrote {path}")
        lines += self.hints
        return lines


def load_sources(sources: Sequence[str | Path], fmt: str | None = None) -> tuple[list[Paper], LoadReport]:
    """Read and de-duplicate papers from files/directories (see :mod:`paperkg.load`)."""
    from paperkg.load import load_papers

    return load_papers(sources, fmt=fmt)


def stream_sources(sources: Sequence[str | Path], fmt: str | None = None) -> MergingStream:
    """:func:`load_sources` as a stream (see :func:`paperkg.load.stream_papers`): iterate
    it for each new paper as it is read; then ``.papers`` and ``.report`` are what
    :func:`load_sources` returns."""
    from paperkg.load import stream_papers

    return stream_papers(sources, fmt=fmt)


def iter_sources(
    sources: Sequence[str | Path], fmt: str | None = None, report: LoadReport | None = None
) -> Iterator[Paper]:
    """Stream de-duplicated papers from files/directories (see :func:`paperkg.load.iter_papers`).

    Unlike :func:`load_sources`, a later duplicate is dropped rather than merged, and
    memory holds no abstract that has been consumed.
    """
    from paperkg.load import iter_papers

    return iter_papers(sources, fmt=fmt, report=report)


def extract_corpus(
    papers: Iterable[Paper],
    *,
    progress: bool = False,
    jobs: int | None = None,
    cache: str | Path | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    batch_size: int | None = None,
    keep_papers: bool = False,
    for_graph: bool = False,
    model: str | Path | None = None,
    vocab: str | Path | None = None,
    thesaurus: str | Path | Thesaurus | None = None,
) -> ExtractionRun:
    """Extract entities from every paper, then canonicalise them across the corpus.

    Papers are read lazily in batches of ``batch_size``; each batch is looked up in
    the cache, its misses are extracted (see :func:`paperkg._accel.parallel.iter_extract`)
    and stored in one transaction, so an interrupted run keeps every finished batch.
    Only the (small) per-paper results are kept, plus the papers themselves when
    ``keep_papers`` (the graph needs their titles and abstracts).

    Parameters
    ----------
    papers:
        Any iterable of papers, e.g. the stream of :func:`iter_sources`.
    jobs:
        Extraction processes (default: all cores; ``1``: in this process).
    cache:
        SQLite cache file (see :mod:`paperkg.cache`); ``None``: no cache.
    engine, scheduler:
        ``"local"`` process pool, or ``"dask"`` on a LocalCluster / the scheduler at
        ``scheduler`` (``tcp://host:8786``).
    batch_size:
        Papers per batch and per cache transaction (default 256).
    model:
        The learned entity model: ``None`` (the rules alone), ``"shipped"`` (the model
        that comes with paperkg) or a model file written by ``paperkg train``.
    vocab:
        A user vocabulary file (``--vocab``, :func:`paperkg.vocab.read_user_terms`): its
        terms are found like the shipped gazetteers'; part of the cache key.
    thesaurus:
        A thesaurus file (``--thesaurus``, :mod:`paperkg.thesaurus`) applied to the
        canonical records, cached ones included; not part of the cache key.
    keep_papers:
        Also return the papers read, in order, in ``ExtractionRun.papers``.
    for_graph:
        The results are for :func:`paperkg.graph.build_knowledge_graph`: the graph's
        tally of the canonical records is made as they are made
        (:func:`paperkg.graph.tally_records`) and comes with the results
        (``results.graph_tally``), which are kept as extracted and canonicalised only
        when something reads them (the build does not, unless the tally shows a
        problem). Saves writing out every canonical record and parsing it again.
    """
    model = None if model is None else str(model)
    vocab = None if vocab is None else str(vocab)
    # the user's files are read first: a bad file fails before extraction
    vocabulary, thesaurus = read_user_files(vocab, thesaurus)
    if model is not None:
        from paperkg.extract import load_model

        load_model(model)  # a bad model file fails here, in one line, not in every worker
    # a stream's length is unknown; a progress given as a number is its expected total
    total = len(papers) if isinstance(papers, Sequence) else (
        progress if type(progress) is int else None)
    batches = Batches(batch_size or THRESHOLDS.chunk_size, cache,
                       extractor_fingerprint(model, vocab), keep_papers)
    with ExitStack() as stack:
        # millions of objects held and no reference cycles: each full collection would
        # scan them again, taking CPU time from the workers (back on after)
        stack.enter_context(gc_paused())
        bar = stack.enter_context(Progress(progress, total))
        batches.run(papers, stack, bar, lambda misses: iter_extract(
            misses, jobs=jobs, engine=engine, scheduler=scheduler, model=model, vocab=vocab))
    canonical, notes = _canonical_results(batches.raw, for_graph=for_graph,
                                          vocabulary=vocabulary, thesaurus=thesaurus)
    return ExtractionRun(canonical, n_extracted=batches.n_extracted, n_reused=batches.n_reused,
                         papers=batches.kept, notes=notes)


def _canonical_results(raw: JsonResults, *, for_graph: bool, vocabulary: Any,
                       thesaurus: Thesaurus | None) -> tuple[JsonResults, list[str]]:
    """The canonical records of the extracted ``raw`` ones (see :func:`extract_corpus`),
    the user's vocabulary and thesaurus applied, and the thesaurus's summary lines."""
    notes: list[str] = []
    if thesaurus is not None or vocabulary is not None:
        canonical = JsonResults()
        encoded = canonicalize_json(raw.encoded, encoded=True, vocabulary=vocabulary)
        if thesaurus is not None:
            encoded, done = apply_thesaurus_encoded(encoded, thesaurus)
            notes.append(done.summary())
        canonical.extend_encoded(encoded)
    elif for_graph:
        from paperkg.graph import merge_tallies, tally_records

        canonical = JsonResults(raw=raw.encoded, canonicalize=_canonical_json)
        canonical.graph_tally = merge_tallies(
            canonicalize_corpus(raw.encoded, tally_records, encoded=True))
    else:
        canonical = JsonResults()
        canonical.extend_encoded(_canonical_json(raw.encoded))
    return canonical, notes


def build(
    sources: Sequence[str | Path] | str | Path = ("seeds",),
    *,
    fmt: str | None = None,
    weight: Weight = "idf",
    min_shared: int = 1,
    max_df: float = 0.25,
    top_k: int | None = 20,
    progress: bool = False,
    jobs: int | None = None,
    cache: str | Path | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    model: str | Path | None = None,
    thesaurus: str | Path | Thesaurus | None = None,
    vocab: str | Path | None = None,
    min_papers_per_type: str | Mapping[str, int] | None = None,
) -> KnowledgeGraph:
    """Build the knowledge graph of ``sources``.

    Parameters mirror ``paperkg build``; see :func:`paperkg.graph.build_knowledge_graph`
    for the paper-paper weighting options and :func:`extract_corpus` for ``jobs``,
    ``cache`` (default here: no cache), ``engine``, ``scheduler``, ``model``, ``vocab``
    and ``thesaurus``. ``min_papers_per_type`` (``"method=2,math=3"`` or a dict): rarer
    entities stay in the graph but link no papers and are left off the HTML map.
    """
    kg, _ = _build(sources, fmt=fmt, weight=weight, min_shared=min_shared, max_df=max_df,
                   top_k=top_k, progress=progress, jobs=jobs, cache=cache, engine=engine,
                   scheduler=scheduler, model=model, thesaurus=thesaurus, vocab=vocab,
                   min_papers_per_type=min_papers_per_type)
    return kg


def _build(sources, *, fmt, weight, min_shared, max_df, top_k, progress, jobs=None, cache=None,
           engine="local", scheduler=None, model=None, thesaurus=None, vocab=None,
           min_papers_per_type=None):
    from paperkg.graph import check_options
    from paperkg.thesaurus import parse_min_papers

    check_options(weight, min_shared, max_df, top_k)  # fail before the slow stages
    min_papers = parse_min_papers(min_papers_per_type)
    if isinstance(sources, (str, Path)):
        sources = [sources]
    start = time.perf_counter()
    # The graph keeps every paper (titles and abstracts for the HTML view), so the
    # merging loader is used, as a stream: the workers extract the first batches while
    # this process reads the rest (see extract_corpus).
    stream = stream_sources(sources, fmt=fmt)
    run = extract_corpus(stream, progress=progress, jobs=jobs, cache=cache, engine=engine,
                         scheduler=scheduler, model=model, for_graph=True, vocab=vocab,
                         thesaurus=thesaurus)
    papers, report = stream.papers, stream.report
    stage.info("extracted %d papers in %.1fs; building the graphs", len(papers),
               time.perf_counter() - start)
    kg = build_graph(papers, run.results, weight=weight, min_shared=min_shared,
                     max_df=max_df, top_k=top_k, min_papers=min_papers)
    stage.info("built the graphs in %.1fs; writing the files", time.perf_counter() - start)
    result = RunResult(report, n_papers=len(papers), n_extracted=run.n_extracted,
                       n_reused=run.n_reused,
                       n_entities=sum(1 for _, d in kg.graph.nodes(data=True) if d.get("kind") == "entity"))
    result.seconds = time.perf_counter() - start
    result.hints += run.notes
    if len(papers) >= THRESHOLDS.kernel_hint_papers and not kernels.available():
        result.hints.append(
            "hint: the compiled graph kernels are off (numba not importable, or "
            "PAPERKG_KERNELS=python); with them graphs this large build several times "
            "faster (the same graph)")
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
    jobs: int | None = None,
    cache: str | Path | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    model: str | Path | None = None,
    thesaurus: str | Path | Thesaurus | None = None,
    vocab: str | Path | None = None,
    min_papers_per_type: str | Mapping[str, int] | None = None,
    formats: Sequence[str] | None = None,
) -> RunResult:
    """``paperkg build``: build the graph and write the exports (``formats``, default
    all: see :data:`paperkg.export.FORMATS`) into ``output``."""
    from paperkg.export import FORMATS, export_all

    start = time.perf_counter()
    kg, result = _build(sources, fmt=fmt, weight=weight, min_shared=min_shared, max_df=max_df,
                        top_k=top_k, progress=progress, jobs=jobs, cache=cache, engine=engine,
                        scheduler=scheduler, model=model, thesaurus=thesaurus, vocab=vocab,
                        min_papers_per_type=min_papers_per_type)
    with gc_paused():  # the writers make millions of short strings, no cycles
        result.outputs = export_all(kg, Path(output), formats=formats or FORMATS,
                                    beside=two_writers(_nodes(kg), "writing the papers.* files"))
    result.seconds = time.perf_counter() - start
    result.graph = graph_summary(kg)
    return result


def save_graphs(kg: KnowledgeGraph, path: str | Path) -> list[Path]:
    """:meth:`KnowledgeGraph.save <paperkg.kg.KnowledgeGraph.save>` as ``paperkg build``
    writes GraphML: the collector paused and, for big graphs, the paper graph's file
    written in a forked child beside the knowledge graph's (:func:`two_writers`)."""
    from paperkg.io import save_graphs as write_both

    with gc_paused():  # millions of short strings, no cycles
        return write_both(kg.graph, kg.paper_graph_view, path,
                          beside=two_writers(_nodes(kg), "writing the paper graph"))


def two_writers(nodes: int, what: str) -> Callable[..., Any] | None:
    """Runs two writers at once, for :func:`paperkg.export.export_all` and
    :func:`paperkg.io.save_graphs`: from ``THRESHOLDS.fork_min_nodes`` nodes (and where
    :func:`os.fork` exists) the first runs in a forked child while this process runs the
    second, with the same files as one after the other; else ``None`` (serially)."""
    if nodes < THRESHOLDS.fork_min_nodes or not can_fork():
        return None
    return lambda first, second: run_beside(first, second, what=what)


def _nodes(kg: KnowledgeGraph) -> int:
    return kg.graph.number_of_nodes() + kg.paper_graph_view.number_of_nodes()


def extract_to_file(
    sources: Sequence[str | Path],
    output: str | Path,
    *,
    fmt: str | None = None,
    progress: bool = False,
    jobs: int | None = None,
    cache: str | Path | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    model: str | Path | None = None,
) -> RunResult:
    """``paperkg extract``: load, extract, canonicalise, write JSON Lines.

    Papers are streamed: abstracts are dropped once extracted, only the per-paper
    results stay in memory until canonicalisation (which needs the whole corpus).
    """
    start = time.perf_counter()
    report = LoadReport()
    run = extract_corpus(iter_sources(sources, fmt=fmt, report=report), progress=progress,
                         jobs=jobs, cache=cache, engine=engine, scheduler=scheduler,
                         model=model)
    write_jsonl(run.results, output)
    ids = {e.id for r in run.results for e in r.entities}
    return RunResult(report, n_papers=len(run.results), n_entities=len(ids),
                     n_extracted=run.n_extracted,
                     n_reused=run.n_reused, outputs=[Path(output)],
                     seconds=time.perf_counter() - start)


# --------------------------------------------------------------------------- two cores


def canonicalize_corpus(results: Sequence[str] | Sequence[bytes],
                        reduce: Callable[[Iterator[dict[str, Any]]], T], *,
                        encoded: bool = False) -> list[T]:
    """:func:`paperkg.canonical.reduce_canonical_json`, on two cores for large corpora.

    From ``THRESHOLDS.fork_min_records`` records on (and where :func:`os.fork`
    exists) both reads of the corpus are split in two: a forked child reads the
    second half of the records while this process reads the first. The surface counts
    of the halves add up to those of one pass and each record's rewrite depends only
    on the corpus-wide plan, so the records are the same; ``reduce``'s result for each
    half is returned, in order (the child's pickled back).
    """
    from paperkg.canonical import plan_of, reduce_canonical_json, rewrite_records, surface_counts
    from paperkg.vocab import load_vocabulary

    # millions of small tuples and dicts, none of them garbage, made here and unpickled
    # from the child (the cyclic collector would rescan the whole heap again and again)
    with gc_paused():
        if len(results) < max(2, THRESHOLDS.fork_min_records) or not can_fork():
            return reduce_canonical_json(results, reduce, encoded=encoded)
        mid = len(results) // 2
        # counts add up; the keys of the first half come first, as in one pass
        tail_surfaces, found = run_beside(
            lambda: surface_counts(results[mid:], encoded=encoded),
            lambda: surface_counts(results[:mid], encoded=encoded), what="canonicalisation")
        found.update(tail_surfaces)
        plan = plan_of(found)
        del found, tail_surfaces
        vocabulary = load_vocabulary()

        def rewrite(part: Sequence[str] | Sequence[bytes]) -> T:
            return rewrite_records(part, plan, reduce, vocabulary=vocabulary, encoded=encoded)

        tail, head = run_beside(lambda: rewrite(results[mid:]), lambda: rewrite(results[:mid]),
                                what="canonicalisation")
        return [head, tail]


def _canonical_json(results: Sequence[bytes]) -> list[bytes]:
    """The canonical records of ``results`` (compressed JSON, as the cache stores
    them), the same list as :func:`paperkg.canonical.canonicalize_json` gives."""
    from paperkg.canonical import json_writer

    head, *rest = canonicalize_corpus(results, json_writer(True), encoded=True)
    for part in rest:
        head.extend(part)
    return head


def build_graph(papers: Sequence[Paper], results: Sequence[PaperEntities], *,
                weight: Weight = "idf", min_shared: int = 1, max_df: float = 0.25,
                top_k: int | None = 20, seed: int = 42,
                min_papers: Mapping[str, int] | None = None) -> KnowledgeGraph:
    """:func:`paperkg.graph.build_knowledge_graph`, on two cores for large corpora.

    From ``THRESHOLDS.fork_min_papers`` papers on (and where :func:`os.fork` exists)
    the results' tally and the paper-paper projection are made in halves, one in a
    forked child; Louvain runs in another child (from the links alone) while this
    process assembles the knowledge graph and lays out the paper graph. The graphs are
    the same; the paper graph's layout waits in its cache for the exporters, and the
    graph is held as arrays (a :class:`~paperkg.links.PaperGraphView`) until
    ``.paper_graph`` is first read.
    """
    from paperkg.graph import build_knowledge_graph, check_options

    options = dict(weight=weight, min_shared=min_shared, max_df=max_df, top_k=top_k)
    check_options(weight, min_shared, max_df, top_k)
    if not papers:
        raise GraphError("no papers to build a graph from")
    # millions of small dicts and tuples, none of them garbage: the cyclic GC would
    # rescan the growing heap again and again (a third of the time at 10^5 papers)
    with gc_paused():
        if len(papers) < THRESHOLDS.fork_min_papers or not can_fork():
            return build_knowledge_graph(papers, results, seed=seed, min_papers=min_papers,
                                         **options)
        return _build_forked(papers, results, seed=seed, min_papers=min_papers or {}, **options)


def _build_forked(papers: Sequence[Paper], results: Sequence[PaperEntities], *,
                  seed: int, min_papers: Mapping[str, int], **options: Any) -> KnowledgeGraph:
    from paperkg.graph.build import corpus_incidence, finish_build, linking_entities

    corpus = _collect_forked(papers, results)
    ids, rows, cols, incidence = corpus_incidence(corpus)
    del rows, cols
    incidence, linking = linking_entities(corpus, incidence, min_papers)
    links, stats = _project_halves(ids, incidence, [e.id for e in linking],
                                   [e.name for e in linking], **options)
    log.debug("paper graph: %s", stats)
    del incidence
    kg, pg, groups = _graphs_and_layout(corpus, ids, links, seed=seed, **options)
    corpus = None  # type: ignore[assignment]  # free it before the labels
    return finish_build(kg, pg, seed=seed, groups=groups, min_papers=min_papers, **options)


def _collect_forked(papers: Sequence[Paper], results: Sequence[PaperEntities]) -> _Corpus:
    """:func:`paperkg.graph.tally.collect`, the results' second half read in a forked
    child (unless they came with their tally)."""
    from paperkg.graph.tally import corpus_from_tally, given_tally, index_papers, tally_results

    by_id = index_papers(papers)
    tally = given_tally(results, by_id)
    if tally is None:
        if len(results) >= max(THRESHOLDS.fork_min_papers, 2):
            tally = _tally_halves(results, by_id)
        else:
            tally = tally_results(results, by_id)
    return corpus_from_tally(by_id, results, tally)


def _tally_halves(results: Sequence[PaperEntities], known: dict[str, Paper]) -> _Tally:
    """The tally of all ``results``, the second half in a forked child.

    The halves' counts add up to the whole's; on any error (or a paper with a result in
    both halves) the whole is tallied here, so the error is the one the serial pass
    raises first."""
    from paperkg.graph.tally import merge_tallies, tally_results

    mid = len(results) // 2
    try:
        tail, head = run_beside(lambda: tally_results(results, known, mid),
                                lambda: tally_results(results, known, 0, mid),
                                what="half of the results' tally")
    except GraphError:
        return tally_results(results, known)
    whole = merge_tallies([head, tail])
    if not whole.clean:  # a paper with a result in both halves
        return tally_results(results, known)
    return whole


def _project_halves(ids: Sequence[str], incidence: Any, entity_ids: Sequence[str],
                    entity_names: Sequence[str], **options: Any
                    ) -> tuple[PaperLinks, dict[str, Any]]:
    """:func:`paperkg.graph.paper_graph`, the second half of its row blocks (by work)
    computed in a forked child; the blocks are independent, the links the same."""
    from paperkg.graph.projection import plan_projection

    plan = plan_projection(ids, incidence, entity_ids, entity_names, **options)
    halves = plan.halves()
    if halves is None:
        return plan.run()
    head, tail = halves
    (kept_b, pairs_b), (kept, n_pairs) = run_beside(
        lambda: plan.project(tail), lambda: plan.project(head),
        what="the paper-paper projection")
    return plan.finish(kept + kept_b, n_pairs + pairs_b)


def _graphs_and_layout(corpus: _Corpus, ids: list[str], links: PaperLinks, *,
                       seed: int, **options: Any) -> tuple[Any, ...]:
    """The knowledge graph, the paper graph (its layout in its cache) and the
    communities.

    Louvain and the paper graph's layout (which every exporter asks for, and lays the
    knowledge graph out from: :func:`~paperkg.export.layout.paired_layouts`) need only
    the links: for a graph beyond the spring layout's size, Louvain runs on the other
    core while the knowledge graph is assembled and the paper graph laid out here; the
    paper graph stays arrays (~40 bytes a link instead of ~450) with its layout in its
    cache, where :func:`~paperkg.export.layout.compute_layout` finds it.
    """
    from paperkg.export.layout import (
        SMALL_GRAPH,
        compute_layout,
        layout_from_edges,
        remember_layout,
    )
    from paperkg.graph.bipartite import (
        knowledge_graph,
        paper_graph_attrs,
        paper_graph_from_edges,
    )
    from paperkg.graph.communities import groups_of, link_louvain, ordered_groups
    from paperkg.links import PaperGraphView

    def louvain() -> Any:
        return link_louvain(len(ids), links.rows, links.cols, links.weights, seed)

    if len(ids) <= SMALL_GRAPH:  # networkx graphs and the spring layout, here
        kg, labels = knowledge_graph(corpus, consume=True), louvain()
        pg = paper_graph_from_edges(kg, ids, links, **options)
        compute_layout(pg, seed=seed)
    else:
        def here() -> tuple[Any, Any]:
            kg = knowledge_graph(corpus, consume=True)
            return kg, layout_from_edges(len(ids), links.pairs(), seed=seed)

        labels, (kg, positions) = run_beside(louvain, here, what="Louvain")
        pg = PaperGraphView(kg, ids, links, paper_graph_attrs(**options))
        remember_layout(pg, positions, seed=seed)
    groups = ordered_groups(groups_of(ids, labels) if labels is not None
                            else [[i] for i in ids])
    return kg, pg, groups
