"""export_all and the hand-built graphs every export test uses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from paperkg.errors import ExportError
from paperkg.export import export_all, read_gexf, read_graphml, read_node_link_json

MALICIOUS = "<img src=x onerror=alert(1)>"

ENTITIES = [
    ("method", "transformer", "Transformer", ["transformers", "transformer model"]),
    ("method", "bert", "BERT", ["Bidirectional Encoder Representations from Transformers"]),
    ("method", "resnet", "ResNet", ["residual network"]),
    ("dataset", "imagenet", "ImageNet", ["ILSVRC"]),
    ("dataset", "cifar-10", "CIFAR-10", []),
    ("repo", "huggingface-transformers", "huggingface/transformers", []),
    ("math", "kl-divergence", "KL divergence", ["Kullback–Leibler divergence"]),
]
# paper index -> entity slugs it mentions
MENTIONS = {
    0: ["transformer", "bert", "huggingface-transformers"],
    1: ["transformer", "bert", "kl-divergence"],
    2: ["resnet", "imagenet", "cifar-10"],
    3: ["resnet", "imagenet"],
    4: ["kl-divergence", "transformer"],
    5: ["cifar-10", "imagenet", "resnet", "kl-divergence"],
}
TITLES = {
    0: MALICIOUS,
    1: "Attention Is All You Need & more",
    2: "Deep Residual Learning for Image Recognition",
    3: 'ImageNet classification with "deep" CNNs',
    4: "Variational inference with KL divergence — a survey",
    5: "Training small ResNets on CIFAR-10 </script><script>alert(2)</script>",
}


def make_kg(n_extra_papers: int = 0) -> SimpleNamespace:
    """A knowledge graph in the graph stage's schema, built by hand.

    Covers every attribute kind the exporters must handle: lists, numpy scalars,
    ``None``, a bool, non-ASCII text, HTML in titles, a community label map.
    """
    kg = nx.Graph()
    kg.graph["community_labels"] = json.dumps({"0": "language <models>", "1": "vision"})
    kg.graph["paper_graph"] = "papers.graphml"
    kg.graph["dense"] = False
    type_of = {}
    for etype, slug, name, aliases in ENTITIES:
        nid = f"{etype}:{slug}"
        type_of[slug] = nid
        df = sum(slug in m for m in MENTIONS.values())
        kg.add_node(
            nid,
            id=nid,
            kind="entity",
            label=name,
            type=etype,
            name=name,
            aliases=list(aliases),
            df=np.int64(df),
        )
    papers = dict(TITLES)
    mentions = dict(MENTIONS)
    for extra in range(n_extra_papers):
        i = len(TITLES) + extra
        papers[i] = f"Extra paper {i}"
        mentions[i] = [ENTITIES[i % len(ENTITIES)][1], ENTITIES[(i * 3) % len(ENTITIES)][1]]
    for i, title in papers.items():
        pid = f"paper:2101.{i:05d}"
        kg.add_node(
            pid,
            id=pid,
            kind="paper",
            label=title[:60],
            title=title,
            abstract=f"We study {title}. " + "Ünïcode text with 'quotes' & ampersands. " * 8,
            url=f"https://arxiv.org/abs/2101.{i:05d}",
            year=2017 + i % 5,
            arxiv_id=f"2101.{i:05d}",
            doi="10.1000/xyz123" if i == 1 else None,
            sources=["seeds/a.json", "seeds/b.bib"] if i % 2 else ["seeds/a.json"],
            n_entities=len(mentions[i]),
            community=np.int64(0 if i in (0, 1, 4) else 1),
        )
        for slug in dict.fromkeys(mentions[i]):
            kg.add_edge(
                pid,
                type_of[slug],
                kind="mentions",
                mentions=1 + i % 3,
                field="abstract",
                start=np.int32(3),
                end=10,
            )
    paper_graph = nx.Graph()
    for node, data in kg.nodes(data=True):
        if data["kind"] == "paper":
            paper_graph.add_node(node, **data)
    ids = [n for n in paper_graph]
    for a_pos, a in enumerate(ids):
        for b in ids[a_pos + 1 :]:
            shared = sorted(set(kg[a]) & set(kg[b]))
            if shared:
                paper_graph.add_edge(
                    a,
                    b,
                    shared=[kg.nodes[s]["label"] for s in shared],
                    shared_ids=shared,
                    shared_count=len(shared),
                    weight=np.float64(0.25 * len(shared)),
                )
    paper_graph.graph["community_labels"] = kg.graph["community_labels"]
    return SimpleNamespace(graph=kg, paper_graph=paper_graph)


def plain(value):
    """Compare values the way they are meant: numpy scalars as Python ones."""
    return value.item() if isinstance(value, np.generic) else value


def plain_nodes(graph: nx.Graph) -> dict:
    return {
        str(n): {k: plain(v) for k, v in d.items() if v is not None}
        for n, d in graph.nodes(data=True)
    }


def plain_edges(graph: nx.Graph) -> dict:
    return {
        frozenset((str(u), str(v))): {k: plain(v) for k, v in d.items()}
        for u, v, d in graph.edges(data=True)
    }


EXPECTED_FILES = [
    "kg.graphml", "kg.gexf", "kg.json", "kg_nodes.csv", "kg_edges.csv", "kg.html",
    "papers.graphml", "papers.gexf", "papers.json", "papers_nodes.csv", "papers_edges.csv",
    "papers.html", "neo4j.cypher", "kg.sqlite",
]  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[SimpleNamespace, Path, list[Path]]:
    kg = make_kg()
    outdir = tmp_path_factory.mktemp("graphs")
    return kg, outdir, export_all(kg, outdir)


def test_export_all_writes_every_file(exported):
    _, outdir, written = exported
    assert sorted(p.name for p in written) == sorted(EXPECTED_FILES)
    for path in written:
        assert path.parent == outdir
        assert path.stat().st_size > 0


def test_export_all_files_read_back_with_every_attribute(exported):
    kg, outdir, _ = exported
    for stem, graph in (("kg", kg.graph), ("papers", kg.paper_graph)):
        for reader in (read_graphml, read_gexf):
            back = reader(outdir / f"{stem}.{'graphml' if reader is read_graphml else 'gexf'}")
            assert plain_nodes(back) == plain_nodes(graph), (stem, reader.__name__)
            assert plain_edges(back) == plain_edges(graph), (stem, reader.__name__)
        back = read_node_link_json(outdir / f"{stem}.json")
        # node-link JSON stores the node key once, as "id": the schema's id attribute
        # always equals it, so it is the one attribute not repeated
        without_id = {
            n: {k: v for k, v in d.items() if k != "id"} for n, d in plain_nodes(graph).items()
        }
        assert plain_nodes(back) == without_id
        assert plain_edges(back) == plain_edges(graph)


def test_export_all_is_deterministic(exported, tmp_path):
    kg, outdir, _ = exported
    again = export_all(kg, tmp_path)
    for path in again:
        if path.suffix == ".gexf":  # GEXF carries the write date
            continue
        if path.suffix == ".sqlite":  # the store records the GraphML files' times
            assert _store_rows(path) == _store_rows(outdir / path.name)
            continue
        assert path.read_bytes() == (outdir / path.name).read_bytes(), path.name


def _store_rows(path: Path) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        rows = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            where = " WHERE key NOT LIKE '%_file'" if table == "meta" else ""
            rows += con.execute(f"SELECT * FROM {table}{where}").fetchall()
        return rows
    finally:
        con.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_export_all_forked_writes_the_same_bytes(exported, tmp_path):
    # threshold 0: the papers.* files are written by a real forked child process
    kg, outdir, written = exported
    forked = export_all(kg, tmp_path, beside=_forking())
    assert [p.name for p in forked] == [p.name for p in written]
    for path in forked:
        if path.suffix == ".gexf":  # GEXF carries the write date
            continue
        if path.suffix == ".sqlite":  # the store records the GraphML files' times
            assert _store_rows(path) == _store_rows(outdir / path.name)
            continue
        assert path.read_bytes() == (outdir / path.name).read_bytes(), path.name


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_export_all_forked_child_error_is_the_export_error(tmp_path):
    # the papers.* files fail in the child: the same one-line ExportError reaches here
    kg = make_kg()
    (tmp_path / "papers.graphml").mkdir()
    with pytest.raises(ExportError, match="papers.graphml"):
        export_all(kg, tmp_path, beside=_forking())


def test_export_all_unwritable_directory_raises_export_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ExportError, match="cannot create"):
        export_all(make_kg(), blocker / "graphs")


def test_export_all_readonly_directory_raises_export_error(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    outdir = tmp_path / "ro"
    outdir.mkdir()
    outdir.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            export_all(make_kg(), outdir)
    finally:
        outdir.chmod(0o700)


def test_export_all_existing_file_in_the_way_raises_export_error(tmp_path):
    (tmp_path / "kg.graphml").mkdir()  # a directory where the file should go
    with pytest.raises(ExportError, match="kg.graphml"):
        export_all(make_kg(), tmp_path)


def test_export_all_survives_control_characters_and_lone_surrogates(tmp_path):
    kg = make_kg()
    kg.graph.nodes["paper:2101.00002"]["title"] = "bad \x00\x1b bytes \ud800 here"
    kg.graph.nodes["method:bert"]["aliases"] = ["B\x07ERT", "\udfff"]
    written = export_all(kg, tmp_path)
    assert len(written) == len(EXPECTED_FILES)
    back = read_graphml(tmp_path / "kg.graphml")
    assert back.nodes["paper:2101.00002"]["title"] == "bad  bytes  here"
    # inside JSON-encoded lists a control character is a \u0007 escape: kept, still valid XML
    assert back.nodes["method:bert"]["aliases"] == ["B\x07ERT", ""]
    assert read_gexf(tmp_path / "kg.gexf").nodes["method:bert"]["aliases"] == ["B\x07ERT", ""]
    assert "bad" in (tmp_path / "kg.html").read_text(encoding="utf-8")


# --- issue 26, item 18: outputs move into place only when complete, and one at a time --


def _snapshot(outdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.iterdir()) if p.is_file()
            and not p.name.startswith(".")}


@pytest.mark.parametrize("failure", [ExportError("disk full"), KeyboardInterrupt()],
                         ids=["failed", "interrupted"])
def test_export_all_failed_or_interrupted_leaves_the_previous_set(tmp_path, monkeypatch,
                                                                   failure):
    import paperkg.export as export_mod

    export_all(make_kg(), tmp_path)
    before = _snapshot(tmp_path)
    assert len(before) == len(EXPECTED_FILES)

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(export_mod, "write_html", broken)  # the last file of each set
    with pytest.raises(type(failure)):
        export_all(make_kg(n_extra_papers=3), tmp_path)
    assert _snapshot(tmp_path) == before
    assert not list(tmp_path.glob(".paperkg-tmp-*"))


def test_export_all_killed_leaves_the_previous_set_and_the_next_run_cleans_up(tmp_path):
    import signal
    import subprocess
    import sys

    export_all(make_kg(), tmp_path)
    before = _snapshot(tmp_path)
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import paperkg.export as export_mod\n"
        "from test_export import make_kg\n"
        "def die(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "export_mod.write_html = die\n"
        f"export_mod.export_all(make_kg(n_extra_papers=3), {str(tmp_path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert _snapshot(tmp_path) == before  # kill -9 half-way: the old set, whole
    assert list(tmp_path.glob(".paperkg-tmp-*"))  # its staging directory is left ...
    export_all(make_kg(n_extra_papers=3), tmp_path)
    assert not list(tmp_path.glob(".paperkg-tmp-*"))  # ... and removed by the next run
    assert _snapshot(tmp_path) != before


def test_export_all_second_export_into_one_directory_waits_for_the_first(tmp_path):
    import fcntl
    import threading

    export_all(make_kg(), tmp_path)
    before = _snapshot(tmp_path)
    with open(tmp_path / ".paperkg.lock", "a+b") as held:  # another build is writing
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=export_all, args=(make_kg(n_extra_papers=3), tmp_path))
        worker.start()
        worker.join(timeout=3)
        assert worker.is_alive()  # waiting for the lock, nothing written
        assert _snapshot(tmp_path) == before
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert _snapshot(tmp_path) != before


def _forking():
    """export_all's ``beside`` as ``paperkg build`` passes it for big graphs: the papers.*
    files written in a forked child (:func:`paperkg.workflow.two_writers`)."""
    from kg_corpus import thresholds
    from paperkg import workflow

    with thresholds(fork_min_nodes=0):
        return workflow.two_writers(1, "writing the papers.* files")
