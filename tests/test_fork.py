"""Tests of the forked-child paths: paperkg._accel.fork.run_beside, KnowledgeGraph.save
writing its two GraphML files at once, and paperkg.workflow's graph build computing half
the projection's row blocks in a child and running Louvain in a child.

Every test forks for real (thresholds lowered to 0) and compares with the serial path.
"""

from __future__ import annotations

import logging
import os
import re
import signal

import networkx as nx
import pytest
import scipy.sparse as sp

from kg_corpus import PAPERS, clustered_corpus, random_incidence, results, thresholds
from paperkg import workflow
from paperkg._accel import fork as _fork
from paperkg._accel.fork import run_beside
from paperkg.errors import ExportError, GraphError
from paperkg.export.layout import SMALL_GRAPH, compute_layout, paired_layouts
from paperkg.graph import build_knowledge_graph
from paperkg.graph import projection as projection_mod
from paperkg.io import save_graphs
from paperkg.links import PaperGraphView
from paperkg.models import Entity, Paper, PaperEntities

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The pids of the children forked during the test (os.fork still forks)."""
    pids: list[int] = []
    real_fork = os.fork

    def spy() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", spy)
    return pids


def _save(kg, path, fork_min_nodes):
    """The two GraphML files as ``paperkg build``'s writers make them: the papers file
    in a forked child from ``fork_min_nodes`` nodes (:func:`paperkg.workflow.two_writers`)."""
    nodes = kg.graph.number_of_nodes() + kg.paper_graph_view.number_of_nodes()
    with thresholds(fork_min_nodes=fork_min_nodes):
        beside = workflow.two_writers(nodes, "writing papers.graphml")
    return save_graphs(kg.graph, kg.paper_graph_view, path, beside=beside)


def _build(papers, found, fork_min_papers, **options):
    with thresholds(fork_min_papers=fork_min_papers):
        return workflow.build_graph(papers, found, **options)


def _project(papers, b, ids, fork_min_papers, block_work, **options):
    """The projection as ``paperkg build`` makes it: in halves from ``fork_min_papers``."""
    with thresholds(block_work=block_work):
        if len(papers) < fork_min_papers:
            return projection_mod.paper_graph(papers, b, ids, ids, **options)
        return workflow._project_halves(papers, b, ids, ids, **options)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


# --------------------------------------------------------------------------- run_beside


def test_fork_run_beside_runs_background_in_a_child(forks):
    parent = os.getpid()
    child_pid, here = run_beside(os.getpid, lambda: ("fg", os.getpid()))
    assert here == ("fg", parent)
    assert child_pid != parent and forks == [child_pid]
    assert _reaped(child_pid)


def test_fork_run_beside_big_result_comes_back_whole(forks):
    big = list(range(300_000))  # far more than a pipe buffer
    got, _ = run_beside(lambda: big, lambda: None)
    assert got == big
    assert _reaped(forks[0])


def test_fork_child_error_is_raised_in_the_parent(forks):
    def fail() -> None:
        raise ExportError("cannot write x.graphml: Permission denied")

    ran = []
    with pytest.raises(ExportError) as err:
        run_beside(fail, lambda: ran.append(1))
    assert str(err.value) == "cannot write x.graphml: Permission denied"
    assert ran == [1]  # the foreground work finished first
    assert _reaped(forks[0])


def test_fork_unpicklable_child_error_becomes_runtime_error(forks):
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise Local("boom")

    with pytest.raises(RuntimeError, match="Local: boom"):
        run_beside(fail, lambda: None)
    assert _reaped(forks[0])


def test_fork_foreground_error_propagates_and_child_is_reaped(forks):
    def fail() -> None:
        raise GraphError("here")

    with pytest.raises(GraphError, match="here"):
        run_beside(lambda: 1, fail)
    assert _reaped(forks[0])


def test_fork_child_killed_without_result_runs_background_here(forks, caplog):
    parent = os.getpid()

    def die_in_child() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return 7

    with caplog.at_level(logging.WARNING, logger="paperkg"):
        got = run_beside(die_in_child, lambda: 8, what="the test work")
    assert got == (7, 8)
    assert "the test work was killed by signal 9" in caplog.text
    assert _reaped(forks[0])


def test_fork_failure_and_no_fork_run_serially(monkeypatch):
    order: list[str] = []

    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    got = run_beside(lambda: order.append("bg") or 1, lambda: order.append("fg") or 2)
    assert got == (1, 2) and order == ["fg", "bg"]
    monkeypatch.setattr(_fork, "can_fork", lambda: False)
    assert run_beside(lambda: 3, lambda: 4) == (3, 4)


# --------------------------------------------------------------------------- GraphML files


@pytest.fixture(scope="module")
def small_kg():
    return build_knowledge_graph(PAPERS, results(), max_df=0.5)


def _read(path) -> bytes:
    return path.read_bytes()


def test_fork_save_writes_the_same_bytes(small_kg, tmp_path, forks):
    serial = _save(small_kg, tmp_path / "s" / "kg.graphml", 10**9)
    assert forks == []
    forked = _save(small_kg, tmp_path / "f" / "kg.graphml", 0)
    assert len(forks) == 1 and _reaped(forks[0])
    for a, b in zip(serial, forked, strict=True):
        assert _read(a) == _read(b)


def test_fork_save_default_threshold_keeps_small_graphs_serial(small_kg, tmp_path, forks):
    small_kg.save(tmp_path / "kg.graphml")
    assert forks == []


def test_fork_save_child_error_is_the_serial_message(small_kg, tmp_path, forks):
    messages = []
    for name, threshold in (("s", 10**9), ("f", 0)):
        out = tmp_path / name
        (out / "papers.graphml").mkdir(parents=True)  # the child's file cannot be opened
        with pytest.raises(ExportError) as err:
            _save(small_kg, out / "kg.graphml", threshold)
        messages.append(str(err.value).replace(f"/{name}/", "/X/"))
    assert messages[0] == messages[1]
    assert messages[0].startswith("cannot write ") and "papers.graphml" in messages[0]
    assert "\n" not in messages[0]
    assert len(forks) == 1 and _reaped(forks[0])


def test_fork_save_parent_error_waits_for_the_child(small_kg, tmp_path, forks):
    _save(small_kg, tmp_path / "s" / "kg.graphml", 10**9)
    out = tmp_path / "f"
    (out / "kg.graphml").mkdir(parents=True)
    with pytest.raises(ExportError, match="cannot write .*kg.graphml"):
        _save(small_kg, out / "kg.graphml", 0)
    assert _reaped(forks[0])
    # the child's file was written completely all the same
    assert _read(out / "papers.graphml") == _read(tmp_path / "s" / "papers.graphml")


# --------------------------------------------------------------------------- Louvain in a child


@pytest.mark.parametrize("weight", ["idf", "count", "jaccard"])
def test_fork_build_louvain_in_child_gives_the_same_graphs(weight, tmp_path, forks):
    # more papers than SMALL_GRAPH: the child lays the paper graph out from the links
    papers, found = clustered_corpus(n_papers=SMALL_GRAPH + 80)
    serial = _build(papers, found, 10**9, weight=weight, max_df=0.5, top_k=10)
    assert forks == []
    forked = _build(papers, found, 0, weight=weight, max_df=0.5, top_k=10)
    # one child reads half the results, one runs Louvain
    assert len(forks) == 2 and all(map(_reaped, forks))
    # the knowledge graph is laid out only when written, from the paper graph's layout
    assert forked.graph.number_of_nodes() > SMALL_GRAPH
    assert "paperkg_layouts" not in forked.graph.__networkx_cache__
    assert "paperkg_layouts" not in serial.graph.__networkx_cache__
    assert len(serial.communities()) > 3
    # the forked build keeps the paper graph as arrays; saving writes from them
    assert isinstance(forked.paper_graph_view, PaperGraphView)
    assert isinstance(serial.paper_graph_view, nx.Graph)
    assert "paperkg_layouts" not in serial.paper_graph.__networkx_cache__
    from_view = _save(forked, tmp_path / "v" / "kg.graphml", 0)
    assert isinstance(forked.paper_graph_view, PaperGraphView)
    assert "paperkg_layouts" in forked.graph.__networkx_cache__
    a = _save(serial, tmp_path / "s" / "kg.graphml", 10**9)
    # the forked build lays the paper graph out beside Louvain (kept in the graph's
    # cache): the layout an equal graph without a cache gets
    assert "paperkg_layouts" in forked.paper_graph.__networkx_cache__
    assert compute_layout(forked.paper_graph) == compute_layout(nx.Graph(forked.paper_graph))
    # saving laid the knowledge graph out from it, once (kept in its cache)
    assert paired_layouts(forked.graph, forked.paper_graph) == paired_layouts(
        nx.Graph(forked.graph), nx.Graph(forked.paper_graph))
    for g, h in ((serial.graph, forked.graph), (serial.paper_graph, forked.paper_graph)):
        assert list(g.nodes(data=True)) == list(h.nodes(data=True))
        assert list(g.edges(data=True)) == list(h.edges(data=True))
        assert g.graph == h.graph
    b = _save(forked, tmp_path / "f" / "kg.graphml", 0)
    for x, y, z in zip(a, b, from_view, strict=True):
        assert _read(x) == _read(y) == _read(z)


def test_fork_build_without_links_and_small_corpus(forks):
    # max_df 0.25 on five papers: no paper links, every paper its own community; a
    # graph this small is laid out here (the spring layout): the only child reads half
    # the results
    serial = _build(PAPERS, results(), 10**9)
    forked = _build(PAPERS, results(), 0)
    assert forked.paper_graph.number_of_edges() == 0
    assert serial.communities() == forked.communities()
    assert list(serial.graph.nodes(data=True)) == list(forked.graph.nodes(data=True))
    assert len(forks) == 1 and _reaped(forks[0])
    # more papers than SMALL_GRAPH, none sharing an entity: the child lays them out
    papers = [Paper(id=f"n{i:04d}", title=f"Paper {i}", abstract="An abstract.")
              for i in range(SMALL_GRAPH + 10)]
    found = [PaperEntities(id=p.id, title=p.title, entities=[
        Entity(id=f"method:only-{p.id}", name=f"only {p.id}", type="method", aliases=[])])
        for p in papers]
    serial = _build(papers, found, 10**9)
    forked = _build(papers, found, 0)
    assert len(forks) == 3 and all(map(_reaped, forks))
    assert isinstance(forked.paper_graph_view, PaperGraphView)
    assert forked.paper_graph_view.number_of_edges() == 0
    assert serial.communities() == forked.communities()
    assert len(forked.communities()) == len(papers)
    assert forked.stats() == serial.stats() and forked.stats()["components"] == len(papers)
    assert compute_layout(forked.paper_graph_view) == compute_layout(serial.paper_graph)
    workflow.build_graph(PAPERS, results())  # default threshold: no fork
    assert len(forks) == 3


def test_fork_collect_raises_the_serial_error_first(forks):
    papers, found = clustered_corpus(n_papers=40)
    nobody = PaperEntities(id="nobody", title="Nobody", entities=[])
    cases = [
        # a result again in the second half, then one of an unknown paper
        (found + [found[3], nobody], "two extractor results for paper id 'x0003'"),
        # the same, the other way round
        (found + [nobody, found[3]], "extractor result for unknown paper id 'nobody'"),
        # both halves have a bad result: the first half's comes first
        (found[:4] + [found[1]] + found[4:] + [nobody],
         "two extractor results for paper id 'x0001'"),
    ]
    for bad, message in cases:
        for fork_min in (10**9, 0):
            with pytest.raises(GraphError, match=re.escape(message)):
                _build(papers, bad, fork_min)
    assert len(forks) == len(cases) and all(map(_reaped, forks))


# --------------------------------------------------------------------------- projection


@pytest.mark.parametrize("weight", ["idf", "count", "jaccard"])
@pytest.mark.parametrize(("min_shared", "top_k"), [(1, None), (1, 3), (2, 5)])
def test_fork_projection_halves_give_the_same_edges(weight, min_shared, top_k, forks):
    papers, b, ids = random_incidence(300, 80, 8)
    kwargs = {"weight": weight, "min_shared": min_shared, "top_k": top_k, "max_df": 0.2}
    serial = _project(papers, b, ids, 10**9, 200, **kwargs)
    assert forks == []
    forked = _project(papers, b, ids, 0, 200, **kwargs)
    assert len(forks) == 1 and _reaped(forks[0])
    assert len(serial[0]) > 100
    assert forked == serial
    # one block: nothing to split, no child
    assert _project(papers, b, ids, 0, 10**9, **kwargs) == serial
    assert len(forks) == 1


def test_fork_projection_error_in_the_child_is_raised_here(monkeypatch, forks):
    calls = []
    real = projection_mod._project_blocks

    def failing(blocks, *args, **kwargs):
        calls.append(os.getpid())
        if os.getpid() != parent:
            raise MemoryError("no room for the product")
        return real(blocks, *args, **kwargs)

    parent = os.getpid()
    monkeypatch.setattr(projection_mod, "_project_blocks", failing)
    b = sp.csr_matrix(([1.0] * 6, ([0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 2, 2])), shape=(6, 3))
    with pytest.raises(MemoryError, match="no room"):
        _project(list("abcdef"), b, ["x", "y", "z"], 0, 1, max_df=1.0)
    assert len(forks) == 1 and _reaped(forks[0])


def test_fork_workflow_save_graphs_writes_what_save_writes(small_kg, tmp_path, forks):
    # paperkg build's GraphML writing: collector paused, the paper graph in a child
    serial = small_kg.save(tmp_path / "s" / "kg.graphml")
    assert forks == []
    with thresholds(fork_min_nodes=0):
        forked = workflow.save_graphs(small_kg, tmp_path / "f" / "kg.graphml")
    assert len(forks) == 1 and _reaped(forks[0])
    for a, b in zip(serial, forked, strict=True):
        assert a.read_bytes() == b.read_bytes()
