"""The query store (paperkg.store): the same answers as the GraphML, and never a stale one."""

from __future__ import annotations

import logging
import os
import random
import shutil

import pytest
from typer.testing import CliRunner

from paperkg.cli import app
from paperkg.errors import PaperKGError
from paperkg.kg import KnowledgeGraph
from paperkg.store import StoredKnowledgeGraph, store_path
from test_export_seed import SEEDS, seed_export

runner = CliRunner()


@pytest.fixture(scope="module")
def seed_dirs(tmp_path_factory):
    """The seed build with its store, and a copy of it without one."""
    if not SEEDS.is_dir():
        pytest.skip("no seeds/ directory")
    _, outdir = seed_export()
    bare = tmp_path_factory.mktemp("bare")
    for name in ("kg.graphml", "papers.graphml"):
        shutil.copy2(outdir / name, bare / name)
    return outdir, bare


def _answer(kg, method, *args, **kwargs):
    try:
        return ("ok", getattr(kg, method)(*args, **kwargs))
    except PaperKGError as error:
        return ("error", type(error).__name__, str(error))


def test_store_is_used_when_current(seed_dirs):
    outdir, bare = seed_dirs
    assert isinstance(KnowledgeGraph.load(outdir / "kg.graphml"), StoredKnowledgeGraph)
    assert not isinstance(KnowledgeGraph.load(bare / "kg.graphml"), StoredKnowledgeGraph)
    assert not isinstance(KnowledgeGraph.load(outdir / "kg.graphml", store=False),
                          StoredKnowledgeGraph)


def test_store_answers_every_query_as_the_graphml_does(seed_dirs):
    outdir, _ = seed_dirs
    stored = KnowledgeGraph.load(outdir / "kg.graphml")
    plain = KnowledgeGraph.load(outdir / "kg.graphml", store=False)
    nodes = plain.graph.nodes
    rng = random.Random(7)
    entities = sorted(n for n, d in nodes(data=True) if d.get("kind") == "entity")
    papers = sorted(n for n, d in nodes(data=True) if d.get("kind") == "paper")
    names = [nodes[e]["name"] for e in rng.sample(entities, 250)]
    names += [a for e in rng.sample(entities, 80) for a in nodes[e].get("aliases", [])]
    names += ["FNO", "fourier neural operators", "no such entity at all", "ImageNet", "  "]
    picked = rng.sample(papers, 50)
    paper_names = picked + [nodes[p]["title"] for p in picked[:20]]
    paper_names += [nodes[p]["title"][5:30].upper() for p in picked[20:30]]
    paper_names += ["neural", "zz no such paper zz", picked[0].removeprefix("paper:")]
    calls = [("papers_with", (n,), {}) for n in names]
    calls += [("repos_for", (n,), {}) for n in names]
    calls += [("entity_nodes", (n,), {}) for n in names[:60]]
    calls += [("entities_of", (p,), {}) for p in paper_names]
    calls += [("entities_of", (p,), {"type": "math"}) for p in paper_names[:20]]
    calls += [("entities_of", ("zz", ), {"type": "bogus"})]
    calls += [("related", (p,), {"k": 7}) for p in paper_names]
    calls += [("paper", (p,), {}) for p in paper_names[:30]]
    calls += [("why", (rng.choice(papers), rng.choice(papers)), {}) for _ in range(150)]
    calls += [("why", (picked[0], picked[0]), {})]
    calls += [("top_entities", (), {"type": t, "n": 30})
              for t in (None, "method", "dataset", "repo", "math", "bogus")]
    calls += [("communities", (), {}), ("mention_count", (picked[1], names[0]), {})]
    kinds = set()
    for method, args, kwargs in calls:
        expected = _answer(plain, method, *args, **kwargs)
        assert _answer(stored, method, *args, **kwargs) == expected, (method, args, kwargs)
        if method == "why" and expected[0] == "ok":
            kinds.add("shared" if expected[1].shared else "chain" if expected[1].path else "none")
        kinds.add(expected[0])
    assert kinds == {"ok", "error", "shared", "chain", "none"}  # every branch was compared
    assert repr(stored) == repr(plain)


QUERIES = [
    ["papers-with", "FNO"], ["papers-with", "diffusion model"],
    ["related", "Light Schrödinger Bridge", "-k", "5"],
    ["why", "Light Schrödinger Bridge", "Fourier Neural Operator for Parametric"],
    ["entities-of", "Light Schrödinger Bridge"], ["entities-of", "Light Schrödinger Bridge",
                                                   "--type", "math"],
    ["top"], ["top", "--type", "dataset", "-n", "5"], ["repos-for", "diffusion model"],
    ["communities"], ["papers-with", "no such entity"], ["related", "neural"],
]


@pytest.mark.parametrize("args", QUERIES, ids=lambda a: " ".join(a))
def test_store_cli_queries_print_the_same_as_from_graphml(seed_dirs, args):
    outdir, bare = seed_dirs
    for extra in ([], ["--json"]):
        outputs = []
        for folder in (outdir, bare):
            res = runner.invoke(app, ["query", *args, "-g", str(folder / "kg.graphml"), *extra],
                                env={"COLUMNS": "200"})
            outputs.append((res.exit_code, res.stdout, res.stderr))
        assert outputs[0] == outputs[1]


def test_store_stale_after_the_graphml_changes_falls_back_with_a_note(seed_dirs, tmp_path,
                                                                      caplog):
    outdir, _ = seed_dirs
    for name in ("kg.graphml", "papers.graphml", "kg.sqlite"):
        shutil.copy2(outdir / name, tmp_path / name)
    path = tmp_path / "kg.graphml"
    assert isinstance(KnowledgeGraph.load(path), StoredKnowledgeGraph)
    # one byte changed, the size kept: the time changes, as any edit changes it
    data = bytearray(path.read_bytes())
    middle = data.index(b"<node ", len(data) // 2)
    data[middle + 1:middle + 5] = b"NODE"
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        with pytest.raises(PaperKGError):  # the GraphML is read: and it is now broken
            KnowledgeGraph.load(path)
    assert caplog.text.count("changed since the query store was written") == 1
    # an edit that keeps size and time shows in the sampled fingerprint (the head is one)
    shutil.copy2(outdir / "kg.graphml", path)
    stat = path.stat()
    data = bytearray(path.read_bytes())
    word = data.index(b" the ", data.index(b"<node "))
    data[word:word + 5] = b" thE "
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        assert not isinstance(KnowledgeGraph.load(path), StoredKnowledgeGraph)
    assert "kg.graphml changed" in caplog.text
    # a touched file (same bytes, new time) is not trusted either
    shutil.copy2(outdir / "kg.graphml", path)
    os.utime(tmp_path / "papers.graphml", ns=(1, 1))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        kg = KnowledgeGraph.load(path)
    assert not isinstance(kg, StoredKnowledgeGraph)
    assert "papers.graphml changed" in caplog.text


def test_store_unreadable_or_missing_graphml(seed_dirs, tmp_path, caplog):
    outdir, _ = seed_dirs
    shutil.copy2(outdir / "kg.graphml", tmp_path / "kg.graphml")
    store_path(tmp_path / "kg.graphml").write_bytes(b"not a database")
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        kg = KnowledgeGraph.load(tmp_path / "kg.graphml")
    assert not isinstance(kg, StoredKnowledgeGraph)
    assert "unreadable query store" in caplog.text
    assert kg.papers_with("FNO")  # the paper graph is rebuilt from kg.graphml


def test_store_whole_graph_is_read_on_first_use(seed_dirs):
    outdir, _ = seed_dirs
    stored = KnowledgeGraph.load(outdir / "kg.graphml")
    plain = KnowledgeGraph.load(outdir / "kg.graphml", store=False)
    assert stored.stats() == plain.stats()
    assert list(stored.graph.nodes(data=True)) == list(plain.graph.nodes(data=True))
    assert stored.paper_graph.number_of_edges() == plain.paper_graph.number_of_edges()
    assert [p.id for p in stored.papers()] == [p.id for p in plain.papers()]
