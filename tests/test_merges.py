"""Candidate synonyms from a built graph (paperkg.merges) and the suggest-merges command."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from paperkg.cli import app
from paperkg.kg import KnowledgeGraph
from paperkg.merges import loose_key, suggest_merges, write_suggestions
from paperkg.thesaurus import read_thesaurus


@pytest.mark.parametrize("a, b", [
    ("sub-gradient methods", "subgradient method"),
    ("Hessian matrices", "Hessian matrix"),
    ("hypotheses testing", "hypothesis testing"),
    ("power spectra", "power spectrum"),
    ("graph optimisation", "graph optimization"),
    ("ResNet-50", "ResNet50"),
])
def test_merges_loose_key_joins_spelling_variants(a, b):
    assert loose_key(a) == loose_key(b)


@pytest.mark.parametrize("a, b", [
    ("Llama 3.1 8B", "Llama 3.18B"),
    ("ODE solver", "PDE solver"),
    ("convex set", "nonconvex set"),
])
def test_merges_loose_key_keeps_different_names_apart(a, b):
    assert loose_key(a) != loose_key(b)


def graph_of(*entities, papers: dict[str, list[str]]):
    """A knowledge graph of entities ``(id, name, aliases)`` and paper -> entity ids."""
    g = nx.Graph(kind="knowledge")
    df = {eid: sum(eid in ents for ents in papers.values()) for eid, _, _ in entities}
    for eid, name, aliases in entities:
        g.add_node(eid, kind="entity", type=eid.split(":")[0], name=name, label=name,
                   aliases=list(aliases), df=df[eid])
    for pid, ents in papers.items():
        g.add_node(pid, kind="paper", title=pid)
        g.add_edges_from((pid, e) for e in ents)
    return g


def pairs(found):
    return {(s.source, s.target, s.type, s.evidence) for s in found}


def test_merges_finds_each_kind_of_evidence_and_ranks_by_certainty():
    g = graph_of(
        ("math:linear-operator", "linear operator", []),
        ("method:linear-operator", "linear operators", []),
        ("method:sub-gradient-method", "sub-gradient method", []),
        ("method:subgradient-method", "subgradient method", []),
        ("method:gfs", "GFS", []),
        ("method:gradient-flow-solution", "gradient flow solution", []),
        ("method:ode-solver", "ODE solver", []),
        ("method:pde-solver", "PDE solver", []),
        papers={"p1": ["math:linear-operator", "method:sub-gradient-method", "method:gfs",
                       "method:gradient-flow-solution", "method:ode-solver"],
                "p2": ["math:linear-operator", "method:linear-operator",
                       "method:subgradient-method", "method:pde-solver"],
                "p3": ["method:subgradient-method"]})
    found = suggest_merges(g, n=None)
    assert [s.evidence for s in found] == ["same name, two types", "hyphenation or spacing",
                                           "acronym of the long form"]
    assert pairs(found) == {
        ("method:linear-operator", "math:linear-operator", "math", "same name, two types"),
        ("method:sub-gradient-method", "method:subgradient-method", None,
         "hyphenation or spacing"),
        ("method:gfs", "method:gradient-flow-solution", None, "acronym of the long form"),
    }
    assert suggest_merges(g, n=2) == found[:2]


def test_merges_acronym_with_two_possible_long_forms_is_no_evidence():
    g = graph_of(
        ("method:snn", "SNN", []),
        ("method:spiking-neural-network", "spiking neural network", ["SNN"]),
        ("method:self-normalizing-neural-network", "self-normalizing neural network", ["SNN"]),
        papers={"p1": ["method:snn", "method:spiking-neural-network"],
                "p2": ["method:self-normalizing-neural-network"]})
    assert suggest_merges(g) == []


def test_merges_shared_acronym_with_similar_long_forms():
    g = graph_of(
        ("method:automatic-differentiation", "automatic differentiation", ["AD"]),
        ("method:auto-differentiation", "auto-differentiation", ["AD"]),
        papers={"p1": ["method:automatic-differentiation"], "p2": ["method:auto-differentiation"],
                "p3": ["method:automatic-differentiation"]})
    (s,) = suggest_merges(g)
    assert (s.source_name, s.target_name) == ("auto-differentiation", "automatic differentiation")


def test_merges_written_file_is_a_thesaurus_with_evidence_comments(tmp_path):
    g = graph_of(("method:resnet-50", "ResNet-50", []), ("method:resnet50", "ResNet50", []),
                 papers={"p1": ["method:resnet-50"], "p2": ["method:resnet50"],
                         "p3": ["method:resnet50"]})
    buffer = io.StringIO()
    write_suggestions(suggest_merges(g), buffer)
    assert "# 0.95 hyphenation or spacing: 'ResNet-50' (method, 1 paper)" in buffer.getvalue()
    path = tmp_path / "t.txt"
    path.write_text(buffer.getvalue())
    thesaurus = read_thesaurus(path)
    assert thesaurus.warnings == []
    assert [(r.label, r.replace_by) for r in thesaurus.rows.values()] == [("ResNet-50", "ResNet50")]


def test_merges_cli_writes_the_thesaurus_and_prints_json(tmp_path):
    from kg_corpus import PAPERS, results
    from paperkg.graph import build_knowledge_graph

    kg = build_knowledge_graph(PAPERS, results())
    kg.graph.add_node("method:fourier-neural-operators-x", kind="entity", type="method",
                      name="Fourier-neural operator", label="x", aliases=[], df=1)
    kg.graph.add_edge("paper:p5", "method:fourier-neural-operators-x")
    kg.save(tmp_path / "kg.graphml")
    assert KnowledgeGraph.load(tmp_path / "kg.graphml")
    runner = CliRunner()
    out = tmp_path / "suggested.txt"
    result = runner.invoke(app, ["query", "suggest-merges", "-g", str(tmp_path / "kg.graphml"),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Fourier-neural operator\tFourier neural operator\t" in out.read_text()
    result = runner.invoke(app, ["query", "suggest-merges", "-g", str(tmp_path / "kg.graphml"),
                                 "--json", "-n", "1"])
    assert json.loads(result.output)[0]["evidence"] == "hyphenation or spacing"
    result = runner.invoke(app, ["query", "suggest-merges", "-g", str(tmp_path / "none.graphml")])
    assert result.exit_code == 1 and "no such graph file" in result.output


def test_merges_edit_distance_inside_a_word_but_not_at_its_start():
    g = graph_of(
        ("math:kl-divergence", "Kullback-Leibler divergence", []),
        ("math:kl-divergance", "Kullback-Leibler divergance", []),
        ("method:bound-propagation", "bound propagation", []),
        ("method:sound-propagation", "sound propagation", []),
        papers={"p1": ["math:kl-divergence", "method:bound-propagation"],
                "p2": ["math:kl-divergence", "math:kl-divergance", "method:sound-propagation"]})
    assert pairs(suggest_merges(g)) == {
        ("math:kl-divergance", "math:kl-divergence", None, "edit distance")}
