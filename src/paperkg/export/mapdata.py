"""The data an HTML map draws: nodes, links, legend, views and what was left out.

Pure functions, no I/O. Everything is plain JSON for :func:`paperkg.export.html.script_json`;
the page inserts every string with ``textContent``, never as markup.

Maps up to :data:`WEBGL_THRESHOLD` nodes are drawn by vis-network (with its physics up
to :data:`PHYSICS_THRESHOLD`), larger ones by sigma.js in WebGL, which stays interactive
at 20,000 papers and 200,000 links. Maps above :data:`MAX_NODES` keep every paper and
drop the entities shared by the fewest papers first; search still finds what was left
out and says it is not drawn.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

from paperkg.export.layout import compute_layout
from paperkg.export.style import (
    COMMUNITY_COLORS,
    OTHER_COLOR,
    PAPER_COLOR,
    TYPE_COLORS,
    hex_color,
    node_group,
)

__all__ = [
    "PHYSICS_THRESHOLD",
    "WEBGL_THRESHOLD",
    "MAX_NODES",
    "EDGE_BUDGET",
    "html_payload",
    "node_links",
]

logger = logging.getLogger("paperkg")

#: Above this many nodes the layout is computed in Python and physics is off.
PHYSICS_THRESHOLD = 1_500
#: Above this many nodes the map is drawn with WebGL (sigma.js) instead of vis-network.
WEBGL_THRESHOLD = 500
#: Above this many nodes the least shared entities (or least connected nodes) are left out.
MAX_NODES = 50_000
#: A WebGL map with more links than this draws only each node's strongest links (at most
#: this many) until a node is selected; a selected node shows all of its links.
EDGE_BUDGET = 15_000
#: ... each node's this many strongest (fewer where that would pass the budget).
EDGE_PER_NODE = 2

#: Legend entries before communities are pooled into "other communities".
MAX_COMMUNITY_ENTRIES = len(COMMUNITY_COLORS)

_ABSTRACT_CHARS = 300
_LABEL_CHARS = 36
_EDGE_COLOR = "#b8b8b8"
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_GITHUB = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9_.-]{1,100})/?$"
)
_OWNER_REPO = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9_.-]{1,100})$")
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>`]+$", re.IGNORECASE)


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return [str(v) for v in decoded] if isinstance(decoded, list) else [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    return [str(value)]


def node_links(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """External links of a node (paper URL, arXiv, DOI, GitHub), only well-formed http(s) ones."""
    links: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(label: str, href: str) -> None:
        if _SAFE_URL.match(href) and href not in seen:
            seen.add(href)
            links.append({"label": label, "href": href})

    arxiv = _text(data.get("arxiv_id"))
    if arxiv and _ARXIV_ID.match(arxiv):
        add("arXiv", f"https://arxiv.org/abs/{arxiv}")
    doi = _text(data.get("doi"))
    if doi and _DOI.match(doi):
        add("DOI", f"https://doi.org/{doi}")
    url = _text(data.get("url"))
    for name in (url, _text(data.get("name"))):
        match = _GITHUB.match(name)
        if not match and data.get("type") == "repo":
            match = _OWNER_REPO.match(name)
        if match:
            owner, repo = match.group(1), match.group(2).removesuffix(".git")
            add("GitHub", f"https://github.com/{owner}/{repo}")
            if name == url:
                url = ""
    if url and not any(link["href"] == url for link in links):
        host = re.sub(r"^https?://(?:www\.)?([^/]+).*$", r"\1", url)
        add("arXiv" if host == "arxiv.org" and not arxiv else host, url)
    return links


def _community_labels(graph: nx.Graph) -> dict[int, str]:
    raw = graph.graph.get("community_labels", graph.graph.get("communities"))
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            logger.warning("graph attribute community_labels is not JSON; ignored")
            return {}
    if not isinstance(raw, Mapping):
        return {}
    labels: dict[int, str] = {}
    for key, value in raw.items():
        try:
            labels[int(key)] = _text(value)
        except (TypeError, ValueError):
            continue
    return labels


def _darker(rgb: tuple[int, int, int]) -> str:
    return hex_color(tuple(int(c * 0.7) for c in rgb))  # type: ignore[arg-type]


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


# --------------------------------------------------------------------------- sampling
def _shared_by(data: Mapping[str, Any]) -> int:
    """An entity's number of papers (its ``df``), 0 where unknown."""
    number = _int_or_none(data.get("df"))
    return number if number is not None and number > 0 else 0


def _keep(graph: nx.Graph, max_nodes: int) -> tuple[set[Hashable], str]:
    """The nodes a capped map draws, and how they were chosen (for the notice)."""
    n = graph.number_of_nodes()
    degrees = dict(graph.degree())
    papers = [node for node, data in graph.nodes(data=True) if data.get("kind") == "paper"]
    if papers and len(papers) <= max_nodes:
        others = [node for node, data in graph.nodes(data=True) if data.get("kind") != "paper"]
        ranked = sorted(others, key=lambda node: (-_shared_by(graph.nodes[node]),
                                                  -degrees[node], str(node)))
        room = max_nodes - len(papers)
        return (set(papers) | set(ranked[:room]),
                f"all {len(papers):,} papers and the {room:,} most shared of "
                f"{len(others):,} entities")
    ranked = sorted(graph, key=lambda node: (-degrees[node], str(node)))
    return set(ranked[:max_nodes]), f"the {max_nodes:,} best-connected of {n:,} nodes"


def _sample(graph: nx.Graph, max_nodes: int) -> tuple[nx.Graph, str | None]:
    """``graph`` itself, or a copy of at most ``max_nodes`` nodes and a notice saying
    what was kept. O(n log n + m)."""
    n = graph.number_of_nodes()
    if n <= max_nodes:
        return graph, None
    keep, what = _keep(graph, max_nodes)
    # a copy in the graph's own node and adjacency order: a subgraph view of fewer than
    # half the nodes iterates them in set order, which changes with the hash seed
    order = [node for node in graph if node in keep]
    sub = graph.__class__()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((node, graph.nodes[node]) for node in order)
    if graph.is_multigraph():
        sub.add_edges_from(e for e in graph.edges(order, keys=True, data=True) if e[1] in keep)
    else:
        sub.add_edges_from(e for e in graph.edges(order, data=True) if e[1] in keep)
    notice = (
        f"Large graph: showing {what} ({sub.number_of_edges():,} of "
        f"{graph.number_of_edges():,} edges). Search finds the others too and says they "
        "are not drawn. Open the GraphML/GEXF export in Gephi for the full graph."
    )
    logger.warning("HTML map: %s", notice)
    return sub, notice


# --------------------------------------------------------------------------- nodes
class _Groups:
    """Legend groups, filter keys, colours and community names of one graph's nodes."""

    def __init__(self, graph: nx.Graph) -> None:
        self.labels = _community_labels(graph)
        self.of = {node: node_group(data) for node, data in graph.nodes(data=True)}
        self.has_entities = any(d.get("kind") == "entity" for _, d in graph.nodes(data=True))
        self.community_sizes = Counter(
            g for g in self.of.values() if g.startswith("community "))
        # one legend entry per sizeable community; singletons are pooled
        self.top = [g for g, size in self.community_sizes.most_common(MAX_COMMUNITY_ENTRIES)
                    if size >= 2]
        self._top = set(self.top)

    def filter_key(self, group: str) -> str:
        if group in TYPE_COLORS:
            return group
        if group.startswith("community ") or group == "paper":
            if self.has_entities:
                return "paper"
            return group if group in self._top else "community other"
        return "other"

    def community_name(self, group: str) -> str:
        cid = int(group.split()[1])
        label = _shorten(self.labels.get(cid, ""), 48)
        return f"community {cid}: {label}" if label else f"community {cid}"

    @staticmethod
    def color_of(group: str) -> tuple[int, int, int]:
        if group in TYPE_COLORS:
            return TYPE_COLORS[group]
        if group.startswith("community "):
            return COMMUNITY_COLORS[int(group.split()[1]) % len(COMMUNITY_COLORS)]
        return PAPER_COLOR if group == "paper" else OTHER_COLOR


def _info(node: Hashable, data: Mapping[str, Any], group: str, groups: _Groups,
          degree: int) -> tuple[dict[str, Any], str, str]:
    """The tooltip/details fields of a node, its label and its kind label."""
    kind = _text(data.get("kind")) or "node"
    title, name = _text(data.get("title")), _text(data.get("name"))
    label = _text(data.get("label")) or name or title or str(node)
    kind_label = (_text(data.get("type")) if kind == "entity" else kind) or kind
    meta: list[str] = [kind_label]
    if kind == "paper":
        if data.get("year") not in (None, ""):
            meta.append(_text(data.get("year")))
        if group.startswith("community "):
            meta.append(groups.community_name(group))
        if data.get("n_entities") not in (None, ""):
            meta.append(f"{_text(data.get('n_entities'))} entities")
    elif data.get("df") not in (None, ""):
        meta.append(f"in {_text(data.get('df'))} papers")
    meta.append(f"{degree} links")
    info = {
        "heading": title if kind == "paper" and title else name or label,
        "meta": " · ".join(meta),
        "abstract": _shorten(_text(data.get("abstract")), _ABSTRACT_CHARS),
        "aliases": [_text(a) for a in _as_list(data.get("aliases")) if _text(a)],
        "links": node_links(data),
    }
    return info, label, kind_label


def _search_keys(node: Hashable, data: Mapping[str, Any], label: str,
                 info: Mapping[str, Any]) -> list[str]:
    keys = [label, _text(data.get("name")), _text(data.get("title")), *info["aliases"],
            _text(data.get("arxiv_id")), str(node)]
    return list(dict.fromkeys(k for k in keys if k))


def _int_or_none(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None


def _node_records(graph: nx.Graph, layout: Mapping[Hashable, tuple[float, float]],
                  groups: _Groups) -> tuple[list[dict[str, Any]], Counter[str]]:
    degrees = dict(graph.degree())
    tiers = _label_tiers(graph, degrees)
    fit_scale = _fit_scale(graph.number_of_nodes())
    nodes: list[dict[str, Any]] = []
    filter_counts: Counter[str] = Counter()
    for node, data in graph.nodes(data=True):
        group = groups.of[node]
        fkey = groups.filter_key(group)
        filter_counts[fkey] += 1
        info, label, kind_label = _info(node, data, group, groups, degrees[node])
        rgb = groups.color_of(group)
        x, y = layout[node]
        community = data.get("community")
        nodes.append({
            "id": str(node),
            "label": _shorten(label, _LABEL_CHARS),
            "kind": _text(data.get("kind")) or "node",
            "kindLabel": kind_label,
            "filter": fkey,
            "color": hex_color(rgb),
            "border": _darker(rgb),
            "value": max(degrees[node], 1),
            "papers": _shared_by(data) or None,
            "community": int(community) if group.startswith("community ") else None,
            "year": _int_or_none(data.get("year")),
            "tier": tiers[node],
            # a first guess; the page rescales labels to the real zoom once drawn
            "font": round(LABEL_TIER_PIXELS[tiers[node]] / fit_scale, 1),
            "x": _finite(x),
            "y": _finite(y),
            "search": _search_keys(node, data, label, info),
            "info": info,
        })
    return nodes, filter_counts


def _offmap(graph: nx.Graph, drawn: nx.Graph) -> list[dict[str, Any]]:
    """Search entries for the nodes a capped map leaves out."""
    if drawn is graph:
        return []
    groups = _Groups(graph)
    found = []
    for node, data in graph.nodes(data=True):
        if node in drawn:
            continue
        info, label, kind_label = _info(node, data, groups.of[node], groups, graph.degree(node))
        found.append({"id": str(node), "label": _shorten(label, _LABEL_CHARS),
                      "kindLabel": kind_label, "search": _search_keys(node, data, label, info)})
    return found


# --------------------------------------------------------------------------- edges
def _edge_title(graph: nx.Graph, u: Hashable, v: Hashable, data: Mapping[str, Any]) -> str:
    shared = _as_list(data.get("shared"))
    if shared:
        more = f" (+{len(shared) - 12} more)" if len(shared) > 12 else ""
        return "shared: " + ", ".join(shared[:12]) + more
    if data.get("kind") == "mentions":
        where = _text(data.get("field"))
        labels = [_text(graph.nodes[x].get("label")) or str(x) for x in (u, v)]
        return f"{labels[0]} — {labels[1]}: mentioned {data.get('mentions') or 1}×" + (
            f" (first in {where})" if where else "")
    return ""


def _weight(data: Mapping[str, Any]) -> float | None:
    weight = data.get("weight")
    if isinstance(weight, (int, float)) and not isinstance(weight, bool) and math.isfinite(weight):
        return float(weight)
    return None


def _edge_records(graph: nx.Graph) -> list[dict[str, Any]]:
    """vis-network edges: ids, tooltip and a width by weight."""
    top = max((w for *_, d in graph.edges(data=True) if (w := _weight(d)) is not None),
              default=0.0)
    edges: list[dict[str, Any]] = []
    for u, v, data in graph.edges(data=True):
        edge: dict[str, Any] = {"from": str(u), "to": str(v)}
        title = _edge_title(graph, u, v, data)
        if title:
            edge["title"] = title
        weight = _weight(data)
        if top > 0 and weight is not None:
            edge["width"] = round(1.0 + 5.0 * weight / top, 2)
        edges.append(edge)
    return edges


def _link_records(graph: nx.Graph) -> tuple[list[list[float]], int, int]:
    """WebGL links as ``[from index, to index, weight in 0..1]``, the drawn ones first,
    each part strongest first; how many are drawn until a node is selected; and how many
    strongest links per node that is (0: all links, or the strongest that fit the budget).

    Up to :data:`EDGE_BUDGET` links every link is drawn. Above, a link is drawn if it is
    among the :data:`EDGE_PER_NODE` strongest of either of its nodes (fewer per node where
    that would pass the budget): every linked node keeps its strongest link, where the
    budget's strongest links alone leave a third of a big map's nodes unlinked.
    """
    index = {node: i for i, node in enumerate(graph)}
    rows = [(index[u], index[v], _weight(d) or 0.0) for u, v, d in graph.edges(data=True)
            if u != v]
    top = max((w for *_, w in rows), default=0.0)
    rows.sort(key=lambda row: (-row[2], row[0], row[1]))
    drawn, per_node = len(rows), 0
    if len(rows) > EDGE_BUDGET:
        drawn = EDGE_BUDGET
        ranks = []  # each link's rank among its two nodes' links, the better one
        seen = [0] * len(index)
        for i, j, _ in rows:
            ranks.append(min(seen[i], seen[j]))
            seen[i] += 1
            seen[j] += 1
        for k in range(EDGE_PER_NODE, 0, -1):
            keep = [rank < k for rank in ranks]
            if sum(keep) <= EDGE_BUDGET:
                rows = ([r for r, kept in zip(rows, keep, strict=True) if kept]
                        + [r for r, kept in zip(rows, keep, strict=True) if not kept])
                drawn, per_node = sum(keep), k
                break
    links = [[i, j, round(w / top, 3) if top > 0 else 1.0] for i, j, w in rows]
    return links, drawn, per_node


# --------------------------------------------------------------------------- legend
def _legend_item(key: str, label: str, rgb: tuple[int, int, int], shape: str,
                 count: int) -> dict[str, Any]:
    return {"key": key, "label": label, "color": hex_color(rgb), "shape": shape, "count": count}


def _legend(groups: _Groups, counts: Counter[str]) -> tuple[list[dict[str, Any]],
                                                            list[dict[str, Any]]]:
    legend: list[dict[str, Any]] = []
    if groups.has_entities:
        legend += [_legend_item(t, t, TYPE_COLORS[t], "dot", counts[t])
                   for t in TYPE_COLORS if counts.get(t)]
        if counts.get("paper"):
            label = "papers (colour = community)" if groups.community_sizes else "papers"
            legend.append(_legend_item("paper", label, PAPER_COLOR, "diamond", counts["paper"]))
    else:
        legend += [_legend_item(g, groups.community_name(g), groups.color_of(g), "diamond",
                                counts[g]) for g in groups.top]
        legend += [_legend_item(key, label, PAPER_COLOR, "diamond", counts[key])
                   for key, label in (("community other", "other communities"),
                                      ("paper", "papers")) if counts.get(key)]
    if counts.get("other"):
        legend.append(_legend_item("other", "other", OTHER_COLOR, "dot", counts["other"]))
    sublegend = []
    if groups.has_entities:
        sublegend = [{"label": groups.community_name(g), "color": hex_color(groups.color_of(g)),
                      "count": groups.community_sizes[g]} for g in groups.top[:10]]
    return legend, sublegend


def _palette() -> dict[str, Any]:
    return {
        "communities": [hex_color(c) for c in COMMUNITY_COLORS],
        "types": {t: hex_color(c) for t, c in TYPE_COLORS.items()},
        "paper": hex_color(PAPER_COLOR),
        "other": hex_color(OTHER_COLOR),
    }


# --------------------------------------------------------------------------- payload
def html_payload(
    graph: nx.Graph,
    *,
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
    webgl_threshold: int = WEBGL_THRESHOLD,
) -> dict[str, Any]:
    """The JSON document the HTML page draws: nodes, edges, legend, options, notice.

    Pure: no I/O. O(n log n + m) plus the layout when one is needed and not given.
    """
    full = graph
    graph, notice = _sample(graph, max_nodes)
    n = graph.number_of_nodes()
    renderer = "vis" if n <= webgl_threshold else "webgl"
    physics = renderer == "vis" and n <= physics_threshold
    if layout is None or any(node not in layout for node in graph):
        layout = compute_layout(graph, seed=seed)
    groups = _Groups(graph)
    nodes, filter_counts = _node_records(graph, layout, groups)
    legend, sublegend = _legend(groups, filter_counts)
    webgl = renderer == "webgl"
    links, drawn, per_node = _link_records(graph) if webgl else ([], 0, 0)
    return {
        "renderer": renderer,
        "nodes": nodes,
        "edges": [] if webgl else _edge_records(graph),
        "links": links,
        "edgeBudget": drawn,
        "edgePerNode": per_node,
        "offmap": _offmap(full, graph),
        "legend": legend,
        "sublegend": sublegend,
        "palette": _palette(),
        "physics": physics,
        "notice": notice,
        "edgeColor": _EDGE_COLOR,
        "tierPixels": list(LABEL_TIER_PIXELS),
        "stats": {
            "nodes": n,
            "edges": graph.number_of_edges(),
            "total_nodes": full.number_of_nodes(),
            "total_edges": full.number_of_edges(),
        },
        "options": {} if webgl else _vis_options(n, physics=physics, seed=seed),
    }


#: Screen size (px) of each label tier when the whole map is in view.
LABEL_TIER_PIXELS: tuple[float, ...] = (14.0, 6.5, 4.0)


def _label_tiers(graph: nx.Graph, degrees: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Label tier per node by degree rank: 0 = labelled in the overview, 1 = on a little
    zoom, 2 = on a closer look.

    About sqrt(n) / 2 best-connected nodes (5 to 25) get tier 0, the next 3x as many
    tier 1. vis-network skips labels drawn under ``drawThreshold`` pixels, so the
    overview is never a wall of overlapping text; graphs up to 60 nodes label all.
    """
    n = graph.number_of_nodes()
    if n <= 60:
        return dict.fromkeys(graph, 0)
    hubs = min(max(round(math.sqrt(n) / 2), 5), 25)
    ranked = sorted(graph, key=lambda node: (-degrees[node], str(node)))
    return {
        node: 0 if rank < hubs else 1 if rank < 4 * hubs else 2 for rank, node in enumerate(ranked)
    }


def _fit_scale(n: int) -> float:
    """Expected zoom when the map fits ~1000 px (canvas half-width 30 sqrt(n))."""
    return min(1000.0 / (60.0 * math.sqrt(max(n, 1))), 2.0)


def _vis_options(n: int, *, physics: bool, seed: int) -> dict[str, Any]:
    """vis-network options; physics presets come from pyvis's option model."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    if physics:
        net.force_atlas_2based(
            gravity=-60,
            central_gravity=0.01,
            spring_length=80,
            spring_strength=0.08,
            damping=0.5,
            overlap=0.2,
        )
        physics_options = json.loads(net.options.to_json())["physics"]
        physics_options["stabilization"] = {
            "enabled": True,
            "iterations": 300 if n <= 300 else 150 if n <= 800 else 80,
            "updateInterval": 50,
            "fit": True,
        }
    else:
        net.toggle_physics(False)
        physics_options = {"enabled": False}
    large = n > 1_000
    return {
        "autoResize": True,
        "layout": {"randomSeed": seed, "improvedLayout": False},
        "physics": physics_options,
        "nodes": {
            "borderWidth": 1,
            "scaling": {
                "min": 7,
                "max": 40,
                # per-node font sizes (see _label_tiers); labels under 7 screen px
                # are not drawn, so they appear as one zooms in
                "label": {"enabled": False, "maxVisible": 24, "drawThreshold": 8},
            },
            "font": {
                "size": 12,
                "color": "#222",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "face": "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif",
            },
        },
        "edges": {
            "color": {"color": _EDGE_COLOR, "opacity": 1, "highlight": "#444", "hover": "#444"},
            "width": 0.8,
            "selectionWidth": 1.5,
            "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3},
        },
        "interaction": {
            "hover": not large,
            "tooltipDelay": 200,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "navigationButtons": False,
            "keyboard": False,
        },
    }
