"""Exporters: GraphML and GEXF for Gephi, node-link JSON and CSV tables, an offline HTML map.

:func:`export_all` writes every format for a built knowledge graph; the single-format
writers live in :mod:`~paperkg.export.graphml`, :mod:`~paperkg.export.gexf`,
:mod:`~paperkg.export.tables` and :mod:`~paperkg.export.html`.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import networkx as nx

from paperkg.errors import ExportError
from paperkg.export.gexf import read_gexf, write_gexf
from paperkg.export.graphml import read_graphml, write_graphml
from paperkg.export.html import write_html
from paperkg.export.layout import compute_layout, paired_layouts
from paperkg.export.tables import (
    read_node_link_json,
    write_csv_tables,
    write_neo4j_script,
    write_node_link_json,
)
from paperkg.thesaurus import map_graph

#: Runs two zero-argument writers at once: ``beside(first, second) -> (first(), second())``.
Beside = Callable[[Callable[[], list[Path]], Callable[[], list[Path]]],
                  tuple[list[Path], list[Path]]]

__all__ = [
    "FORMATS",
    "check_formats",
    "export_all",
    "export_graph",
    "write_graphml",
    "read_graphml",
    "write_gexf",
    "read_gexf",
    "write_node_link_json",
    "read_node_link_json",
    "write_csv_tables",
    "write_html",
    "compute_layout",
]

logger = logging.getLogger("paperkg")
stage = logging.getLogger("paperkg.stage")

#: What :func:`export_all` can write: ``graphml``, ``gexf``, ``json`` (node-link), ``csv``
#: (node and edge tables, and ``neo4j.cypher`` to load them), ``html`` (the maps) and
#: ``store`` (``kg.sqlite``, the query store; it belongs to the GraphML files).
FORMATS: tuple[str, ...] = ("graphml", "gexf", "json", "csv", "html", "store")
#: The lock file :func:`export_all` holds in the output directory while it writes.
LOCK_NAME = ".paperkg.lock"
#: Prefix of the staging directories :func:`export_all` writes into first.
STAGING_PREFIX = ".paperkg-tmp-"


class _HasGraphs(Protocol):
    graph: nx.Graph
    paper_graph: nx.Graph


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """``formats`` in :data:`FORMATS` order, or an :class:`ExportError` naming the bad one."""
    chosen = set(formats)
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ExportError(f"unknown output format {unknown[0]!r}: use any of {', '.join(FORMATS)}")
    if not chosen:
        raise ExportError(f"no output format chosen: use any of {', '.join(FORMATS)}")
    if "store" in chosen and "graphml" not in chosen:
        raise ExportError("the query store (store) belongs to the GraphML files: add graphml")
    return tuple(f for f in FORMATS if f in chosen)


def export_graph(
    graph: nx.Graph,
    outdir: Path,
    stem: str,
    *,
    title: str,
    seed: int = 42,
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Write one graph as ``<stem>.graphml``, ``.gexf``, ``.json``, ``_nodes.csv``,
    ``_edges.csv`` and ``.html`` into ``outdir`` (those of ``formats``), sharing one
    layout. Returns the paths."""
    outdir = Path(outdir)
    formats = check_formats(formats)
    if layout is None and set(formats) - {"json", "store"}:
        layout = compute_layout(graph, seed=seed)
    paths: list[Path] = []
    writers = {
        "graphml": ([".graphml"], lambda p: write_graphml(graph, p[0], layout=layout, seed=seed)),
        "gexf": ([".gexf"], lambda p: write_gexf(graph, p[0], layout=layout, seed=seed)),
        "json": ([".json"], lambda p: write_node_link_json(graph, p[0])),
        "csv": (["_nodes.csv", "_edges.csv"],
                lambda p: write_csv_tables(graph, p[0], p[1], layout=layout)),
        "html": ([".html"], lambda p: write_html(map_graph(graph), p[0], title=title, layout=layout,
                                                 seed=seed)),
    }
    for fmt in formats:
        if fmt in writers:
            suffixes, write = writers[fmt]
            start = time.perf_counter()
            targets = [outdir / f"{stem}{suffix}" for suffix in suffixes]
            write(targets)
            paths += targets
            stage.info("wrote %s in %.1fs", ", ".join(t.name for t in targets),
                       time.perf_counter() - start)
    return paths


def export_all(kg: _HasGraphs, outdir: Path, *, seed: int = 42,
               beside: Beside | None = None,
               formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write every export of a knowledge graph into ``outdir``.

    Files: ``kg.graphml``, ``kg.gexf``, ``kg.json``, ``kg_nodes.csv``, ``kg_edges.csv``,
    ``kg.html`` for the paper-entity graph ``kg.graph`` and the same ``papers.*`` set for
    the paper-paper graph ``kg.paper_graph``.

    Parameters
    ----------
    kg
        Anything with ``.graph`` and ``.paper_graph`` NetworkX graphs
        (a :class:`paperkg.kg.KnowledgeGraph`).
    outdir
        Output directory, created if missing. The files are written into a staging
        directory inside it and renamed into place only once all of them are complete,
        so a failed or interrupted export leaves the previous set untouched; a lock
        file (``.paperkg.lock``) makes a second export into the same directory wait.
    seed
        Layout seed: the same graph and seed give the same files.
    formats
        Which files to write (:data:`FORMATS`, default all); ``csv`` adds
        ``neo4j.cypher``, ``store`` adds ``kg.sqlite``.
    beside
        Runs two writers at once and returns both results, ``beside(papers_files,
        kg_files) -> (papers_written, kg_written)``: :func:`paperkg.workflow.build_to_dir`
        passes one that writes the ``papers.*`` files in a forked child for big graphs
        (the same bytes). ``None``: one after the other.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    paperkg.errors.ExportError
        The directory or a file cannot be written.
    """
    outdir = Path(outdir)
    formats = check_formats(formats)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot create {outdir}: {error.strerror or error}") from error
    if outdir.exists() and not outdir.is_dir():  # pragma: no cover - mkdir raised already
        raise ExportError(f"{outdir} is not a directory")
    with _locked(outdir):
        _remove_stale_staging(outdir)
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=outdir))
        except OSError as error:
            raise ExportError(f"cannot write in {outdir}: {error.strerror or error}") from error
        try:
            written = _export_files(kg, staging, seed=seed, beside=beside,
                                    formats=formats)
            return _move_into_place(written, outdir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _locked(outdir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``outdir`` (``flock`` on :data:`LOCK_NAME`): a second
    build into the same directory waits for the first one's files to be in place, so
    the two never interleave. Released when the process ends, however it ends."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock (Windows): no lock
        yield
        return
    try:
        handle = open(outdir / LOCK_NAME, "a+b")  # noqa: SIM115 - held across the yield
    except OSError as error:
        raise ExportError(f"cannot write in {outdir}: {error.strerror or error}") from error
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("%s: another paperkg build is writing here; waiting for it", outdir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def _remove_stale_staging(outdir: Path) -> None:
    """Staging directories left by a build that was killed (only ever called with the
    lock held, so none of them is in use)."""
    for stale in outdir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def _move_into_place(written: list[Path], outdir: Path) -> list[Path]:
    """Flush every staged file to disk, then rename each over its old version (a rename
    in one file system is atomic): a build that fails or is interrupted before this
    point leaves the previous complete set of files as it was."""
    for path in written:  # what would stop a rename half-way, found before the first
        target = outdir / path.name
        if target.is_dir():
            raise ExportError(f"cannot write {target}: Is a directory")
    target = outdir
    try:
        for path in written:
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        final = []
        for path in written:
            target = outdir / path.name
            os.replace(path, target)
            final.append(target)
        try:
            fd = os.open(outdir, os.O_RDONLY)
        except OSError:  # pragma: no cover - a directory that cannot be opened to sync
            return final
        try:
            os.fsync(fd)
        except OSError:  # pragma: no cover - some file systems refuse to sync a directory
            pass
        finally:
            os.close(fd)
        return final
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from error


def _export_files(kg: _HasGraphs, outdir: Path, *, seed: int, beside: Beside | None,
                  formats: tuple[str, ...]) -> list[Path]:
    # a big build's paper graph is held as arrays (a PaperGraphView) until kg.paper_graph
    # is read: here only its layout and node count are needed, and the papers.* writer
    # (a forked child for big graphs) makes the NetworkX graph it writes from
    papers = getattr(kg, "paper_graph_view", None)
    if papers is None:
        papers = kg.paper_graph
    laid_out = bool(set(formats) - {"json", "store"})
    # The paper graph holds the community structure; laying the paper-entity graph out
    # from it keeps the same clusters in the same places on both maps.
    papers_layout = compute_layout(papers, seed=seed) if laid_out else None

    def kg_files() -> list[Path]:
        # laid out here, beside the papers.* files when those are written by a child
        kg_layout = paired_layouts(kg.graph, papers, seed=seed)[0] if laid_out else None
        return export_graph(kg.graph, outdir, "kg", title="paperkg: papers and entities",
                            seed=seed, layout=kg_layout, formats=formats)

    def paper_files() -> list[Path]:
        return export_graph(kg.paper_graph, outdir, "papers",
                            title="paperkg: papers linked by shared entities", seed=seed,
                            layout=papers_layout, formats=formats)

    if beside is None:
        written = kg_files() + paper_files()
    else:
        papers_written, kg_written = beside(paper_files, kg_files)
        written = kg_written + papers_written
    if "csv" in formats:
        written.append(outdir / "neo4j.cypher")
        write_neo4j_script(written[-1])
    if "store" in formats:
        from paperkg.store import store_path, write_store  # above the exporters: it reads kg

        start = time.perf_counter()
        written.append(write_store(kg, store_path(outdir / "kg.graphml"),
                                   graph_file=outdir / "kg.graphml",
                                   paper_graph_file=outdir / "papers.graphml"))
        stage.info("wrote kg.sqlite in %.1fs", time.perf_counter() - start)
    return written
