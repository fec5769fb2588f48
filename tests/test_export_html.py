"""The offline HTML map: self-contained, escaped, physics/sampling by size (no browser here)."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from paperkg.export.html import (
    html_payload,
    node_links,
    render_html,
    script_json,
    vis_network_assets,
    write_html,
)
from paperkg.export.style import TYPE_COLORS, hex_color
from test_export import MALICIOUS, make_kg

URL = re.compile(r"https?://[^\s\"'<>\\)]+")


@pytest.fixture(scope="module")
def kg():
    return make_kg()


@pytest.fixture(scope="module")
def page(kg) -> str:
    return render_html(kg.graph, title="test <map>")


def payload_of(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="paperkg-data">(.*?)</script>', page, re.S
    )
    assert match, "no data block"
    return json.loads(match.group(1))


def outside_vis(page: str) -> str:
    page = re.sub(r'<script id="vis-network-js">.*?</script>', "", page, flags=re.S)
    return re.sub(r'<style id="vis-network-css">.*?</style>', "", page, flags=re.S)


def test_html_loads_nothing_from_the_network(page):
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"@import", page, re.I)
    styles = "".join(re.findall(r"<style[^>]*>(.*?)</style>", page, re.S))
    assert "url(" in styles  # the vis-network icons, as data: URIs
    assert not re.search(r"url\(\s*(?!['\"]?data:)", styles)
    assert "cdn" not in outside_vis(page).lower()
    assert "default-src 'none'" in page  # CSP forbids any fetch even if something tried


def test_html_inlines_the_vis_network_build_unchanged(page):
    js, css, version = vis_network_assets()
    assert version.startswith("9.")
    block = re.search(r'<script id="vis-network-js">\n(.*?)\n</script>', page, re.S).group(1)
    assert block == js
    assert css and css in page


def test_html_only_urls_are_the_data_links(page):
    data = payload_of(page)
    links = {link["href"] for node in data["nodes"] for link in node["info"]["links"]}
    assert links  # arXiv, DOI, GitHub
    found = set(URL.findall(outside_vis(page)))
    assert found <= links, found - links
    vis_urls = set(URL.findall(vis_network_assets()[0]))
    # the library's own strings: licence header and the SVG namespace, none fetched
    assert all(
        re.match(
            r"https?://(www\.w3\.org/2000/svg|[^ ]*(licen|github\.com|almende|visjs))", u, re.I
        )
        for u in vis_urls
    ), vis_urls


def test_html_malicious_text_is_never_markup(page):
    assert "<img src=x" not in page
    assert "</script><script>alert(2)" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    data = payload_of(page)
    titles = {node["info"]["heading"] for node in data["nodes"]}
    assert MALICIOUS in titles  # comes back as the same text for textContent
    assert "<title>test &lt;map&gt;</title>" in page


def test_html_app_code_never_uses_inner_html(page):
    app = re.search(r'<script id="paperkg-js">(.*?)</script>', page, re.S).group(1)
    assert "innerHTML" not in app and "insertAdjacentHTML" not in app
    assert "document.write" not in app and "eval(" not in app


def test_html_script_json_escapes_markup_characters():
    value = {"t": "</script><!-- & \u2028 >"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_html_payload_colours_legend_and_sizes(kg):
    data = html_payload(kg.graph)
    by_id = {node["id"]: node for node in data["nodes"]}
    assert by_id["method:bert"]["color"] == hex_color(TYPE_COLORS["method"])
    assert by_id["dataset:imagenet"]["color"] == hex_color(TYPE_COLORS["dataset"])
    papers = [node for node in data["nodes"] if node["kind"] == "paper"]
    assert len({node["color"] for node in papers}) == 2  # two communities
    assert by_id["method:transformer"]["value"] == kg.graph.degree("method:transformer")
    legend = {item["key"]: item["count"] for item in data["legend"]}
    assert legend == {"method": 3, "dataset": 2, "repo": 1, "math": 1, "paper": 6}
    assert [item["label"] for item in data["sublegend"]] == [
        "community 0: language <models>",
        "community 1: vision",
    ]


def test_html_payload_tooltip_fields(kg):
    data = html_payload(kg.graph)
    by_id = {node["id"]: node for node in data["nodes"]}
    paper = by_id["paper:2101.00001"]["info"]
    assert paper["heading"] == "Attention Is All You Need & more"
    assert paper["abstract"].endswith("…") and len(paper["abstract"]) <= 301
    assert {link["label"] for link in paper["links"]} == {"arXiv", "DOI"}
    assert "community 0: language <models>" in paper["meta"]
    bert = by_id["method:bert"]
    assert bert["info"]["aliases"] == ["Bidirectional Encoder Representations from Transformers"]
    assert "Bidirectional Encoder Representations from Transformers" in bert["search"]
    repo = by_id["repo:huggingface-transformers"]["info"]["links"]
    assert repo == [{"label": "GitHub", "href": "https://github.com/huggingface/transformers"}]


def test_html_node_links_reject_unsafe_urls():
    assert node_links({"url": "javascript:alert(1)"}) == []
    assert node_links({"url": "https://ex.com/a b"}) == []
    assert node_links({"arxiv_id": '2101.00001"><b>'}) == []
    assert node_links({"doi": "10.1/x y"}) == []
    assert node_links({"type": "repo", "name": "../../etc"}) == []
    assert node_links({"url": "https://github.com/a/b.git"}) == [
        {"label": "GitHub", "href": "https://github.com/a/b"}
    ]


def test_html_small_graph_uses_physics_large_graph_fixed_layout(kg):
    small = html_payload(kg.graph)
    assert small["physics"] is True and small["options"]["physics"]["enabled"] is True
    large = html_payload(kg.graph, physics_threshold=5)
    assert large["physics"] is False and large["options"]["physics"] == {"enabled": False}
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in large["nodes"])
    assert len({(n["x"], n["y"]) for n in large["nodes"]}) == len(large["nodes"])


def test_html_over_the_cap_keeps_best_connected_nodes_and_says_so(kg):
    data = html_payload(kg.graph, max_nodes=5)
    assert len(data["nodes"]) == 5
    assert data["stats"]["total_nodes"] == kg.graph.number_of_nodes()
    assert "showing the 5 best-connected of 13 nodes" in data["notice"]
    kept = {node["id"] for node in data["nodes"]}
    degrees = dict(kg.graph.degree())
    assert min(degrees[n] for n in kept) >= max(degrees[n] for n in set(kg.graph) - kept)
    assert all(e["from"] in kept and e["to"] in kept for e in data["edges"])


_SAMPLED_PAYLOAD = """
import hashlib, json, sys
import networkx as nx
from paperkg.export.html import html_payload
g = nx.Graph()
for i in range(300):
    g.add_node(f"n{(i * 37) % 300:03d}", kind="entity", type="method", name=f"m{i}")
for i in range(300):
    for j in (1, 2, 5, 11):
        g.add_edge(f"n{i:03d}", f"n{(i * j + 7) % 300:03d}")
data = html_payload(g, max_nodes=60)
sys.stdout.write(hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest())
"""


def test_html_sampled_graph_is_the_same_whatever_the_hash_seed():
    """A sampled map keeps the graph's own node order: the page does not change with
    PYTHONHASHSEED (a subgraph view of fewer than half the nodes iterated a set)."""
    import os
    import subprocess
    import sys

    digests = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _SAMPLED_PAYLOAD], env=env, check=True,
                              capture_output=True, text=True)
        digests.add(done.stdout)
    assert len(digests) == 1


def test_html_sample_keeps_node_order_and_edge_data(kg):
    from paperkg.export.html import _sample

    sub, notice = _sample(kg.graph, 5)
    assert notice is not None
    assert list(sub) == [node for node in kg.graph if node in sub]
    assert sub.number_of_nodes() == 5
    for u, v, data in sub.edges(data=True):
        assert data == kg.graph.edges[u, v]
    assert sub.number_of_edges() == kg.graph.subgraph(list(sub)).number_of_edges()


def test_html_paper_graph_legend_is_communities(kg):
    data = html_payload(kg.paper_graph)
    assert [item["key"] for item in data["legend"]] == ["community 0", "community 1"]
    widths = [edge["width"] for edge in data["edges"]]
    assert max(widths) == 6.0 and min(widths) >= 1.0
    assert all(edge["title"].startswith("shared: ") for edge in data["edges"])


def test_html_empty_graph_renders(tmp_path):
    path = tmp_path / "empty.html"
    write_html(nx.Graph(), path)
    data = payload_of(path.read_text(encoding="utf-8"))
    assert data["nodes"] == [] and data["stats"]["nodes"] == 0


def test_html_singleton_communities_share_one_legend_entry(kg):
    graph = kg.paper_graph.copy()
    graph.add_node("paper:lonely", kind="paper", label="Lonely", title="Lonely", community=7)
    data = html_payload(graph)
    legend = {item["key"]: item["count"] for item in data["legend"]}
    assert legend == {"community 0": 3, "community 1": 3, "community other": 1}
    lonely = next(node for node in data["nodes"] if node["id"] == "paper:lonely")
    assert lonely["filter"] == "community other"


def test_html_large_map_is_webgl_with_the_bundled_renderer_inline(kg, tmp_path):
    from paperkg.export.html import webgl_assets

    path = tmp_path / "gl.html"
    write_html(kg.graph, path, webgl_threshold=0)
    page = path.read_text(encoding="utf-8")
    data = payload_of(page)
    assert data["renderer"] == "webgl" and data["edges"] == []
    js, versions = webgl_assets()
    assert versions.startswith("sigma 3.") and "graphology" in versions
    block = re.search(r'<script id="sigma-js">\n(.*?)\n</script>', page, re.S).group(1)
    assert block == js
    assert not re.search(r"<(script|style) id=\"vis-network", page)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not URL.findall(js)  # the bundle names no address at all
    assert "default-src 'none'" in page
    app = re.search(r'<script id="paperkg-js">(.*?)</script>', page, re.S).group(1)
    ui = re.search(r'<script id="paperkg-ui-js">(.*?)</script>', page, re.S).group(1)
    for code in (app, ui):
        assert "innerHTML" not in code and "insertAdjacentHTML" not in code
        assert "eval(" not in code and "document.write" not in code


def test_html_webgl_bundle_ships_with_its_licences():
    from importlib import resources

    static = resources.files("paperkg.export") / "static"
    licences = (static / "sigma-bundle.LICENSE.txt").read_text(encoding="utf-8")
    for name in ("sigma", "graphology", "graphology-utils", "events"):
        assert f"==== {name} " in licences
    assert licences.count("Permission is hereby granted") >= 4


def test_html_webgl_links_are_indices_strongest_first(kg):
    data = html_payload(kg.paper_graph, webgl_threshold=0)
    ids = [node["id"] for node in data["nodes"]]
    links = data["links"]
    assert len(links) == kg.paper_graph.number_of_edges()
    weights = [w for *_, w in links]
    assert weights == sorted(weights, reverse=True) and weights[0] == 1.0
    pairs = {frozenset((ids[i], ids[j])) for i, j, _ in links}
    assert pairs == {frozenset(e) for e in kg.paper_graph.edges()}


def test_html_webgl_links_above_the_budget_are_each_nodes_strongest(kg, monkeypatch):
    from paperkg.export import mapdata

    graph = nx.barabasi_albert_graph(300, 3, seed=1)
    for u, v in graph.edges():
        graph.edges[u, v]["weight"] = 1 + (u * 7 + v * 13) % 10
    data = html_payload(graph, webgl_threshold=0)
    assert data["edgeBudget"] == len(data["links"]) and data["edgePerNode"] == 0
    monkeypatch.setattr(mapdata, "EDGE_BUDGET", 500)
    data = html_payload(graph, webgl_threshold=0)
    links, drawn = data["links"], data["edgeBudget"]
    assert data["edgePerNode"] == 2 and drawn <= 500 and len(links) == graph.number_of_edges()
    # the drawn links first, each part strongest first
    for part in (links[:drawn], links[drawn:]):
        weights = [w for *_, w in part]
        assert weights == sorted(weights, reverse=True)
    # every linked node keeps its strongest link
    linked = {i for i, j, _ in links[:drawn]} | {j for i, j, _ in links[:drawn]}
    assert linked == set(range(graph.number_of_nodes()))
    monkeypatch.setattr(mapdata, "EDGE_BUDGET", 250)  # 2 per node do not fit: 1 per node
    assert html_payload(graph, webgl_threshold=0)["edgePerNode"] == 1


def test_html_cap_keeps_every_paper_and_drops_least_shared_entities(kg):
    data = html_payload(kg.graph, max_nodes=9)
    kept = {node["id"] for node in data["nodes"]}
    papers = {n for n, d in kg.graph.nodes(data=True) if d["kind"] == "paper"}
    assert papers <= kept and len(kept) == 9
    df = {n: int(d["df"]) for n, d in kg.graph.nodes(data=True) if d["kind"] == "entity"}
    kept_entities = kept - papers
    assert min(df[n] for n in kept_entities) >= max(df[n] for n in set(df) - kept_entities)
    assert "showing all 6 papers and the 3 most shared of 7 entities" in data["notice"]
    # the dropped ones are still searchable, with their names and aliases
    offmap = {entry["id"]: entry for entry in data["offmap"]}
    assert set(offmap) == set(kg.graph) - kept
    assert all(entry["search"] for entry in offmap.values())


def test_html_payload_carries_views(kg):
    data = html_payload(kg.graph)
    by_id = {node["id"]: node for node in data["nodes"]}
    assert by_id["paper:2101.00001"]["year"] == 2018
    assert by_id["paper:2101.00001"]["community"] == 0
    assert by_id["method:bert"]["papers"] == int(kg.graph.nodes["method:bert"]["df"])
    assert by_id["method:bert"]["community"] is None
    assert set(data["palette"]["types"]) == set(TYPE_COLORS)
