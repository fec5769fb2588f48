"""The seed corpus built with a thesaurus: the graph, the GraphML, the HTML map and the
queries all show the merge, the removal and the new type; the cache is reused; the
suggested merges, passed back, merge."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperkg.cli import app
from paperkg.errors import PaperNotFoundError
from paperkg.export import read_graphml
from paperkg.kg import KnowledgeGraph
from paperkg.merges import suggest_merges, write_suggestions
from paperkg.text import slugify
from paperkg.workflow import build_to_dir

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def papers_of(graph, node) -> set[str]:
    return {n for n in graph.adj[node] if graph.nodes[n].get("kind") == "paper"}


def map_payload(path: Path) -> dict:
    page = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="paperkg-data">(.*?)</script>',
                      page, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip("no seeds/ directory")
    root = tmp_path_factory.mktemp("thesaurus-seeds")
    cache = root / "extract.sqlite"
    first = build_to_dir([SEEDS], root / "base", cache=cache, jobs=1)
    assert first.n_extracted > 0
    return root, cache, KnowledgeGraph.load(root / "base" / "kg.graphml")


@pytest.fixture(scope="module")
def corrected(seeds):
    """Merge the second commonest method into the commonest, remove the commonest dataset,
    make a math concept in several papers a method; built through the CLI."""
    root, cache, base = seeds
    keep, merge = (c.entity for c in base.top_entities(type="method", n=2))
    drop = base.top_entities(type="dataset", n=1)[0].entity
    retype = next(c.entity for c in base.top_entities(type="math", n=40)[5:]
                  if f"method:{slugify(c.entity.name)}" not in base.graph)
    thesaurus = root / "thesaurus.txt"
    thesaurus.write_text(
        "label\treplace by\ttype\n"
        f"{merge.name}\t{keep.name}\n"
        f"{drop.name}\t\n"
        f"{retype.name}\t{retype.name}\tmethod\n"
        "a row without a tab\n", encoding="utf-8")
    out = root / "corrected"
    result = CliRunner().invoke(app, ["build", str(SEEDS), "-o", str(out), "--cache", str(cache),
                                      "--jobs", "1", "--thesaurus", str(thesaurus)])
    assert result.exit_code == 0, result.output
    chosen = {"keep": keep, "merge": merge, "drop": drop, "retype": retype,
              "retyped": f"method:{slugify(retype.name)}"}
    return out, chosen, result.output, thesaurus


def test_thesaurus_seeds_rebuild_reextracts_nothing_and_says_what_it_did(seeds, corrected):
    _, _, output, thesaurus = corrected
    n_papers = sum(1 for _, d in seeds[2].graph.nodes(data=True) if d.get("kind") == "paper")
    assert f"(0 extracted, {n_papers} reused)" in output
    assert f"warning: {thesaurus}:5: no tab" in output
    assert f"thesaurus {thesaurus}: 3 rows; " in output and "1 removed, 1 retyped" in output


def check_graph(graph, base, chosen) -> None:
    keep, merge, drop, retype = (chosen[k] for k in ("keep", "merge", "drop", "retype"))
    assert merge.id not in graph and drop.id not in graph and retype.id not in graph
    assert papers_of(graph, keep.id) >= papers_of(base.graph, keep.id) | papers_of(
        base.graph, merge.id)
    assert graph.nodes[chosen["retyped"]]["type"] == "method"
    assert papers_of(graph, chosen["retyped"]) == papers_of(base.graph, retype.id)
    assert not any(d.get("name") == drop.name for _, d in graph.nodes(data=True))


def test_thesaurus_seeds_graph_and_graphml_reflect_the_rows(seeds, corrected):
    out, chosen, _, _ = corrected
    base = seeds[2]
    check_graph(KnowledgeGraph.load(out / "kg.graphml").graph, base, chosen)
    check_graph(read_graphml(out / "kg.graphml"), base, chosen)
    merged = read_graphml(out / "kg.graphml").nodes[chosen["keep"].id]
    assert chosen["merge"].name in merged["aliases"]


def test_thesaurus_seeds_map_data_reflects_the_rows(corrected):
    out, chosen, _, _ = corrected
    nodes = {n["id"]: n for n in map_payload(out / "kg.html")["nodes"]}
    assert chosen["keep"].id in nodes and chosen["retyped"] in nodes
    assert chosen["merge"].id not in nodes and chosen["drop"].id not in nodes
    assert chosen["retype"].id not in nodes
    assert nodes[chosen["retyped"]]["kindLabel"] == "method"
    # the merged name is one of the kept entity's names on the map (searchable, shown)
    assert chosen["merge"].name in json.dumps(nodes[chosen["keep"].id], ensure_ascii=False)


def test_thesaurus_seeds_queries_reflect_the_rows(seeds, corrected):
    out, chosen, _, _ = corrected
    base, kg = seeds[2], KnowledgeGraph.load(out / "kg.graphml")
    # the merged name finds the papers of both
    found = {p.id for p in kg.papers_with(chosen["merge"].name)}
    before = {p.id for p in base.papers_with(chosen["keep"].name)} | {
        p.id for p in base.papers_with(chosen["merge"].name)}
    assert found == before
    with pytest.raises(PaperNotFoundError):
        kg.papers_with(chosen["drop"].id)
    paper = next(iter(papers_of(kg.graph, chosen["retyped"])))
    assert chosen["retyped"] in {e.id for e in kg.entities_of(paper, type="method")}
    assert chosen["retype"].id not in {e.id for e in kg.entities_of(paper)}
    result = CliRunner().invoke(app, ["query", "papers-with", chosen["merge"].name, "-g",
                                      str(out / "kg.graphml"), "--json"])
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in json.loads(result.output)} == before


def test_thesaurus_seeds_suggested_merges_merge_when_passed_back(seeds, tmp_path):
    root, cache, base = seeds
    found = suggest_merges(base.graph, n=10)
    assert len(found) == 10
    thesaurus = tmp_path / "suggested.txt"
    write_suggestions(found, thesaurus)
    result = build_to_dir([SEEDS], tmp_path / "out", cache=cache, jobs=1, thesaurus=thesaurus)
    assert result.n_extracted == 0
    graph = KnowledgeGraph.load(tmp_path / "out" / "kg.graphml").graph
    for s in found:
        assert s.source not in graph, s
        target = s.target if s.type is None else f"{s.type}:{s.target.split(':', 1)[1]}"
        assert papers_of(graph, target) >= papers_of(base.graph, s.source), s
