"""End-to-end jobs that chain the stages: load -> extract -> canonical -> graph -> export.

The CLI commands and :func:`paperkg.build` are thin wrappers over these functions.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from paperkg import _kernels
from paperkg._gc import gc_paused
from paperkg.cache import ExtractionCache, decode_result, encode_result, extractor_fingerprint
from paperkg.errors import ExportError
from paperkg.models import LoadReport, Paper, PaperEntities

if TYPE_CHECKING:
    from paperkg.kg import KnowledgeGraph
    from paperkg.load import MergingStream
    from paperkg.thesaurus import Thesaurus
    from paperkg.vocab import Vocabulary

#: One line per stage of a build after extraction (the CLI shows them on stderr).
stage = logging.getLogger("paperkg.stage")

__all__ = ["RunResult", "load_sources", "stream_sources", "iter_sources", "extract_corpus", "build",
           "build_to_dir", "extract_to_file"]

Weight = Literal["count", "idf", "jaccard"]
Engine = Literal["local", "dask"]
#: From this many papers on, a build without numba says that numba would speed it up.
KERNEL_HINT_PAPERS = 20_000


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


@dataclass
class ExtractionRun:
    results: Sequence[PaperEntities]  # canonical; parsed from JSON on each access
    n_extracted: int
    n_reused: int
    papers: list[Paper] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # summary lines (the thesaurus's)


class _JsonResults(Sequence[PaperEntities]):
    """Per-paper results held as compressed JSON text and parsed on access.

    A parsed :class:`PaperEntities` takes ~10x the memory of its JSON (about 23 KB vs
    2.5 KB for a typical abstract), and the JSON compresses ~4x more
    (:func:`paperkg.cache.encode_result`, as the cache stores it); canonicalisation and
    the graph stage only read each result a few times, so the results of a large
    corpus, before and after canonicalisation, are kept as compressed text.

    Made with ``raw`` results (``extract_corpus(..., for_graph=True)``), it holds
    those and canonicalises them when first read.
    """

    def __init__(self, raw: list[bytes] | None = None) -> None:
        self._items: list[bytes] = []
        # raw (not yet canonical) results, canonicalised when first read (see encoded)
        self._raw = raw
        #: the graph's tally of these records, when it was made with them
        #: (:func:`paperkg.graph.tally_records`; ``paperkg build``)
        self.graph_tally: Any = None

    def extend(self, items: Iterable[str]) -> None:
        """Add results given as JSON text (compressed here)."""
        self.encoded.extend(map(encode_result, items))

    def extend_encoded(self, items: Iterable[bytes]) -> None:
        """Add results already compressed with :func:`paperkg.cache.encode_result`."""
        self.encoded.extend(items)

    def __len__(self) -> int:
        return len(self._items) if self._raw is None else len(self._raw)

    @property
    def encoded(self) -> list[bytes]:
        """The compressed JSON blobs themselves (not a copy).

        Results made from raw ones are canonicalised here, the first time they are
        needed (:func:`~paperkg.canonical.canonicalize_json`: the same records as
        canonicalising them at once)."""
        if self._raw is not None:
            from paperkg.canonical import canonicalize_json

            self._items, self._raw = canonicalize_json(self._raw, encoded=True), None
        return self._items

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [PaperEntities.model_validate_json(decode_result(j))
                    for j in self.encoded[index]]
        return PaperEntities.model_validate_json(decode_result(self.encoded[index]))

    def __iter__(self) -> Iterator[PaperEntities]:
        for item in self.encoded:
            yield PaperEntities.model_validate_json(decode_result(item))


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(islice(it, size)):
        yield chunk


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
    the cache, its misses are extracted (see :func:`paperkg.parallel.iter_extract`)
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
    from collections import deque
    from contextlib import ExitStack

    from paperkg.canonical import canonicalize_json
    from paperkg.parallel import DEFAULT_CHUNK_SIZE, iter_extract

    size = batch_size or DEFAULT_CHUNK_SIZE
    model = None if model is None else str(model)
    vocab = None if vocab is None else str(vocab)
    vocabulary, thesaurus = _user_files(vocab, thesaurus)  # a bad file fails before extraction
    fingerprint = extractor_fingerprint(model, vocab)
    if model is not None:
        from paperkg.extract import load_model

        load_model(model)  # a bad model file fails here, in one line, not in every worker
    # a stream's length is unknown; a progress given as a number is its expected total
    total = len(papers) if isinstance(papers, Sequence) else (
        progress if type(progress) is int else None)
    kept: list[Paper] = []
    raw = _JsonResults()
    n_extracted = n_reused = 0
    with ExitStack() as stack:
        # This process reads the corpus into a growing list of papers and holds every
        # result: millions of objects and no reference cycles, which each full
        # collection would scan again (15.6 s of its CPU time at 10^6 papers, taken
        # from the workers it shares the cores with). The collector is back on after.
        stack.enter_context(gc_paused())
        store: ExtractionCache | None = None
        bar = stack.enter_context(_Progress(progress, total))
        # Batches whose misses are in flight, oldest first: (batch, cached blob or None).
        waiting: deque[tuple[list[Paper], list[bytes | None]]] = deque()

        def misses() -> Iterator[list[Paper]]:
            nonlocal store
            for batch in _chunks(papers, size):
                if store is None and cache is not None:
                    # opened with the first batch: an input with no usable paper (an
                    # error raised by a streaming loader) leaves no cache file behind
                    store = stack.enter_context(ExtractionCache(cache, extractor=fingerprint))
                found = (store.lookup_encoded(batch) if store is not None
                         else [None] * len(batch))
                waiting.append((batch, found))
                yield [p for p, hit in zip(batch, found, strict=True) if hit is None]

        for new in iter_extract(misses(), jobs=jobs, engine=engine, scheduler=scheduler,
                                model=model, vocab=vocab):
            batch, found = waiting.popleft()
            # results held compressed, as the cache stores them: encoded once
            fresh = iter([encode_result(j) for j in new])
            merged = [hit if hit is not None else next(fresh) for hit in found]
            if store is not None and new:
                store.store_encoded(
                    (p, j) for p, j, hit in zip(batch, merged, found, strict=True) if hit is None
                )
            raw.extend_encoded(merged)
            n_extracted += len(new)
            n_reused += len(batch) - len(new)
            if keep_papers:
                kept.extend(batch)
            bar.advance(len(batch))
    notes: list[str] = []
    if thesaurus is not None or vocabulary is not None:
        from paperkg.thesaurus import apply_thesaurus_encoded

        canonical = _JsonResults()
        encoded = canonicalize_json(raw.encoded, encoded=True, vocabulary=vocabulary)
        if thesaurus is not None:
            encoded, done = apply_thesaurus_encoded(encoded, thesaurus)
            notes.append(done.summary())
        canonical.extend_encoded(encoded)
    elif for_graph:
        from paperkg.canonical import reduce_canonical_json
        from paperkg.graph import merge_tallies, tally_records

        canonical = _JsonResults(raw=raw.encoded)
        with gc_paused():  # the halves' tallies: millions of small objects, no cycles
            canonical.graph_tally = merge_tallies(
                reduce_canonical_json(raw.encoded, tally_records, encoded=True))
    else:
        canonical = _JsonResults()
        canonical.extend_encoded(canonicalize_json(raw.encoded, encoded=True))
    del raw
    return ExtractionRun(canonical, n_extracted=n_extracted, n_reused=n_reused, papers=kept,
                         notes=notes)


def _user_files(vocab: str | None, thesaurus: str | Path | Thesaurus | None
                ) -> tuple[Vocabulary | None, Thesaurus | None]:
    """The user vocabulary and thesaurus, read (their bad rows warned about) once here."""
    import logging

    from paperkg.thesaurus import Thesaurus, read_thesaurus
    from paperkg.vocab import load_user_vocabulary, read_user_terms

    vocabulary = None
    if vocab is not None:
        for warning in read_user_terms(vocab)[1]:
            logging.getLogger("paperkg").warning("%s", warning)
        vocabulary = load_user_vocabulary(vocab)
    if thesaurus is not None and not isinstance(thesaurus, Thesaurus):
        thesaurus = read_thesaurus(thesaurus)
        for warning in thesaurus.warnings:
            logging.getLogger("paperkg").warning("%s", warning)
    return vocabulary, thesaurus


class _Progress:
    """A rich progress bar on stderr when ``enabled``, else nothing.

    It counts papers (``1,200/5,000 papers``); a streamed input has no total until it
    has been read, so its bar counts up (``1,200/? papers``) with the elapsed time and
    no estimate of the time left."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("papers"), TimeElapsedColumn()]
            if self.total is not None:
                columns.append(TimeRemainingColumn())
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("extracting", total=self.total)
        return self

    def advance(self, n: int) -> None:
        if self.enabled:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._bar.stop()


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
    from paperkg.graph import build_knowledge_graph, check_options
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
    kg = build_knowledge_graph(papers, run.results, weight=weight, min_shared=min_shared,
                               max_df=max_df, top_k=top_k, min_papers=min_papers)
    stage.info("built the graphs in %.1fs; writing the files", time.perf_counter() - start)
    result = RunResult(report, n_papers=len(papers), n_extracted=run.n_extracted,
                       n_reused=run.n_reused,
                       n_entities=sum(1 for _, d in kg.graph.nodes(data=True) if d.get("kind") == "entity"))
    result.seconds = time.perf_counter() - start
    result.hints += run.notes
    if len(papers) >= KERNEL_HINT_PAPERS and not _kernels.available():
        result.hints.append(
            "hint: with numba installed (pip install 'paperkg[fast]') graphs this large "
            "build several times faster (the same graph)")
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
    result.outputs = export_all(kg, Path(output), formats=formats or FORMATS)
    result.seconds = time.perf_counter() - start
    result.graph = graph_summary(kg)
    return result


def graph_summary(kg: KnowledgeGraph) -> str:
    """``"entities: 1200 method, 40 dataset, ...; paper graph: 3600 links, 55 communities"``."""
    by_type: dict[str, int] = {}
    for _, data in kg.graph.nodes(data=True):
        if data.get("kind") == "entity":
            by_type[data.get("type", "")] = by_type.get(data.get("type", ""), 0) + 1
    types = ", ".join(f"{by_type.get(t, 0)} {t}" for t in ("method", "dataset", "repo", "math"))
    papers = kg.paper_graph_view
    degree = dict(papers.degree())
    linked = {d.get("community") for n, d in papers.nodes(data=True) if degree[n]}
    linked.discard(None)
    unlinked = sum(1 for n in degree if not degree[n])
    return (f"entities: {types}; paper graph: {papers.number_of_edges()} links, "
            f"{len(linked)} communities of linked papers, {unlinked} papers without links")


def write_jsonl(results: Sequence[PaperEntities], path: str | Path) -> None:
    """Write one JSON object per paper (the ``paperkg extract`` format)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # /dev/stdout, a pipe: written as it is
        try:
            with path.open("w", encoding="utf-8") as fh:
                for res in results:
                    fh.write(json.dumps(res.model_dump(mode="json"), ensure_ascii=False) + "\n")
        except OSError as error:
            raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
        return
    # written beside it and renamed over it once complete: an interrupted run leaves
    # the previous file, never a part of one
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as fh:
            for res in results:
                fh.write(json.dumps(res.model_dump(mode="json"), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)


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
