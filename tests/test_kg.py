"""Tests of paperkg.kg.KnowledgeGraph: naming, queries, save/load."""

from __future__ import annotations

import logging

import networkx as nx
import pytest

from kg_corpus import PAPERS, results
from paperkg.errors import GraphError, PaperNotFoundError
from paperkg.graph import build_knowledge_graph
from paperkg.kg import KnowledgeGraph, paper_graph_path
from paperkg.models import Paper


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    # max_df 0.5: the PDE shared by four papers links nothing
    return build_knowledge_graph(PAPERS, results(), max_df=0.5)


def _ids(papers) -> list[str]:
    return [p.id for p in papers]


@pytest.mark.parametrize(
    "name",
    ["FNO", "fno", "Fourier neural operator", "fourier neural operators", "Fourier-Neural Operator",
     "method:fourier-neural-operator"],
)
def test_kg_papers_with_any_alias(kg, name):
    # p2 only says "Fourier neural operators": canonicalisation made it the same entity
    assert _ids(kg.papers_with(name)) == ["p1", "p2"]


def test_kg_papers_with_returns_paper_records(kg):
    p1 = kg.papers_with("PDE")[0]
    assert isinstance(p1, Paper)
    assert p1 == PAPERS[0].model_copy(update={"url": "https://arxiv.org/abs/2010.08895"})
    # title mention first, then earliest year (p4 has none: last among abstract-only)
    assert _ids(kg.papers_with("PDE")) == ["p1", "p5", "p3", "p2"]
    assert _ids(kg.papers_with("imagenet")) == ["p3", "p4"]


def test_kg_unknown_entity_lists_close_names(kg):
    with pytest.raises(PaperNotFoundError, match="no entity matches 'Imagenette'") as info:
        kg.papers_with("Imagenette")
    assert info.value.candidates == ["ImageNet (dataset)"]
    with pytest.raises(PaperNotFoundError, match="no entity matches 'zzz'$"):
        kg.papers_with("zzz")


@pytest.mark.parametrize(
    "name",
    ["p1", "paper:p1", "Fourier Neural Operator for Parametric Partial Differential Equations",
     "fourier neural operator for parametric partial differential equations", "PARAMETRIC",
     PAPERS[0]],
)
def test_kg_paper_named_by_id_title_or_substring(kg, name):
    assert kg.paper(name).id == "p1"


def test_kg_ambiguous_paper_lists_candidates(kg):
    with pytest.raises(PaperNotFoundError, match="'diffusion' matches 2 papers") as info:
        kg.related("diffusion")
    # shortest title first
    assert [c.rsplit("[", 1)[1] for c in info.value.candidates] == ["p4]", "p3]"]


def test_kg_unknown_paper_lists_closest_titles(kg):
    with pytest.raises(PaperNotFoundError, match="no paper matches") as info:
        kg.entities_of("Neural operator for turbulance")
    assert info.value.candidates[0] == "Neural operators for turbulence [p2]"
    assert len(info.value.candidates) <= 5


def test_kg_entities_of_in_order_with_first_mention(kg):
    ents = kg.entities_of("p1")
    assert [e.id for e in ents] == [
        "method:fourier-neural-operator",
        "math:partial-differential-equation",
        "dataset:navier-stokes",
        "repo:neuraloperator-neuraloperator",
    ]
    first = ents[0].mentions[0]
    assert (first.field, first.start, first.end, first.text) == ("title", 0, 23,
                                                                 "Fourier Neural Operator")
    assert [e.name for e in kg.entities_of("p1", type="dataset")] == ["Navier-Stokes"]
    assert kg.mention_count("p1", "FNO") == 3
    assert kg.mention_count("p4", "FNO") == 0
    with pytest.raises(GraphError, match="unknown entity type 'model'"):
        kg.entities_of("p1", type="model")


def test_kg_related_scores_and_shared(kg):
    rel = kg.related("Scalable diffusion")
    assert [r.paper.id for r in rel] == ["p3", "p5"]
    assert rel[0].shared == ["ImageNet", "diffusion model"]
    assert rel[0].score > rel[1].score
    assert rel[1].shared_ids == ["method:transformer"]
    assert len(kg.related("p4", k=1)) == 1
    assert _ids(r.paper for r in kg.related("p1")) == ["p2"]


def test_kg_why_shared_or_chain(kg):
    why = kg.why("p1", "p2")
    # every shared entity in the knowledge graph, rarest first (PDE too)
    assert why.shared == ["Navier-Stokes", "Fourier neural operator",
                          "partial differential equation"]
    assert why.path == ["paper:p1", "dataset:navier-stokes", "paper:p2"]
    chain = kg.why("p1", "p4")
    assert chain.shared == []
    assert len(chain.path) == 5 and chain.path[0] == "paper:p1" and chain.path[-1] == "paper:p4"
    assert nx.is_path(kg.graph, chain.path)
    assert chain.path_labels[2].startswith("Diffusion models beat GANs")
    with pytest.raises(GraphError, match="same paper"):
        kg.why("p1", "paper:p1")


def test_kg_why_not_connected():
    lonely = Paper(id="p9", title="Unrelated", abstract="Nothing here.")
    kg = build_knowledge_graph([*PAPERS, lonely], results())
    assert kg.why("p1", "p9").path == []


def test_kg_top_entities(kg):
    top = kg.top_entities(n=3)
    assert [(t.entity.name, t.df) for t in top] == [
        ("partial differential equation", 4), ("Fourier neural operator", 2), ("ImageNet", 2)]
    assert [t.entity.name for t in kg.top_entities(type="repo")] == [
        "neuraloperator/neuraloperator", "openai/guided-diffusion"]
    assert kg.top_entities(n=0) == []


def test_kg_repos_for_proposing_first(kg):
    links = kg.repos_for("fno")
    assert [(r.repo, r.paper.id, r.proposing) for r in links] == [
        ("neuraloperator/neuraloperator", "p1", True)]
    assert links[0].url == "https://github.com/neuraloperator/neuraloperator"
    # diffusion model: p4 names it in its title, but p3 does too and is dated 2021
    links = kg.repos_for("Diffusion Models")
    assert [(r.repo, r.paper.id, r.proposing) for r in links] == [
        ("openai/guided-diffusion", "p3", True)]
    # PDE: p1 names it in the title; p3's repo comes after, not proposing
    assert [(r.paper.id, r.proposing) for r in kg.repos_for("PDE")] == [("p1", True),
                                                                       ("p3", False)]
    assert kg.repos_for("transformer") == []


def test_kg_communities_and_subgraph(kg):
    comms = kg.communities()
    assert [c.papers for c in comms] == [["p3", "p4", "p5"], ["p1", "p2"]]
    sub = kg.subgraph(community=1)
    assert sorted(n for n in sub if n.startswith("paper:")) == ["paper:p1", "paper:p2"]
    assert "method:fourier-neural-operator" in sub and "dataset:imagenet" not in sub
    sub = kg.subgraph(entity="Navier-Stokes")
    assert {n for n in sub if n.startswith("paper:")} == {"paper:p1", "paper:p2"}
    assert sub.has_edge("paper:p1", "repo:neuraloperator-neuraloperator")
    sub.add_node("x")
    assert "x" not in kg.graph
    with pytest.raises(GraphError, match="no community 7"):
        kg.subgraph(community=7)
    with pytest.raises(GraphError, match="exactly one"):
        kg.subgraph()


def test_kg_stats(kg):
    st = kg.stats()
    assert st["papers"] == 5 and st["entities"] == 9 and st["mentions"] == 17
    assert st["paper_links"] == 3 and st["components"] == 2
    assert st["entities_by_type"] == {"method": 4, "dataset": 2, "repo": 2, "math": 1}
    assert st["top_entities"]["math"] == [{"name": "partial differential equation", "df": 4}]
    assert st["degree"]["entities_per_paper"]["max"] == 4
    assert [c["size"] for c in st["communities"]] == [3, 2]
    assert "5 papers, 9 entities, 3 paper links, 2 communities" in repr(kg)


# ------------------------------------------------------------------ persistence

def _same(a: nx.Graph, b: nx.Graph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert sorted((tuple(sorted((u, v))), d) for u, v, d in a.edges(data=True)) == sorted(
        (tuple(sorted((u, v))), d) for u, v, d in b.edges(data=True))


def test_kg_save_load_round_trip(kg, tmp_path):
    paths = kg.save(tmp_path / "kg.graphml")
    assert paths == [tmp_path / "kg.graphml", tmp_path / "papers.graphml"]
    back = KnowledgeGraph.load(tmp_path / "kg.graphml")
    _same(kg.graph, back.graph)
    _same(kg.paper_graph, back.paper_graph)
    assert back.graph.graph == kg.graph.graph
    assert back.communities() == kg.communities()
    assert back.papers_with("FNO") == kg.papers_with("FNO")
    assert back.related("p4") == kg.related("p4")
    assert back.entities_of("p1") == kg.entities_of("p1")
    assert back.repos_for("PDE") == kg.repos_for("PDE")
    assert isinstance(back.graph.nodes["paper:p1"]["sources"], list)
    assert isinstance(back.paper_graph.edges["paper:p1", "paper:p2"]["shared"], list)


def test_kg_save_other_name_and_rebuild_missing_paper_graph(kg, tmp_path, caplog):
    path = tmp_path / "corpus.graphml"
    assert paper_graph_path(path) == tmp_path / "corpus.papers.graphml"
    kg.save(path)
    paper_graph_path(path).unlink()
    with caplog.at_level(logging.WARNING, logger="paperkg"):
        back = KnowledgeGraph.load(path)
    assert "rebuilding" in caplog.text
    _same(kg.paper_graph, back.paper_graph)
    assert back.communities() == kg.communities()


def test_kg_load_errors(tmp_path, kg):
    with pytest.raises(GraphError, match="no such graph file"):
        KnowledgeGraph.load(tmp_path / "missing.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("not xml at all", encoding="utf-8")
    with pytest.raises(GraphError, match="bad.graphml"):
        KnowledgeGraph.load(bad)
    kg.save(tmp_path / "kg.graphml")
    with pytest.raises(GraphError, match="paper graph"):
        KnowledgeGraph.load(tmp_path / "papers.graphml")
