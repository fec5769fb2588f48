"""A self-contained, offline interactive HTML map of a graph (vis-network via pyvis).

The page inlines vis-network (the copy bundled with pyvis), its own CSS/JS and the
graph itself, and loads nothing from the network: a Content-Security-Policy forbids
it. Graph data travels as JSON in a ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` escaped, and the page builds tooltips and panels with
``textContent``, so no input text is ever parsed as HTML.

Graphs above ``physics_threshold`` nodes are laid out in Python and drawn with physics
off; graphs above ``max_nodes`` keep their best-connected nodes and say so on the page.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Hashable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from paperkg.errors import ExportError
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
    "MAX_NODES",
    "write_html",
    "render_html",
    "html_payload",
    "node_links",
    "script_json",
    "vis_network_assets",
]

logger = logging.getLogger("paperkg")

#: Above this many nodes the layout is computed in Python and physics is off.
PHYSICS_THRESHOLD = 1_500
#: Above this many nodes only the best-connected ones are drawn.
MAX_NODES = 20_000
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


# --------------------------------------------------------------------------- assets
@lru_cache(maxsize=1)
def vis_network_assets() -> tuple[str, str, str]:
    """``(js, css, version)`` of the vis-network build bundled with pyvis.

    Falls back to a copy in ``paperkg/export/static/`` (``vis-network.min.js`` and
    ``vis-network.css``) if pyvis ever stops shipping one.

    Raises
    ------
    paperkg.errors.ExportError
        No vis-network build is available.
    """
    candidates: list[Path] = []
    try:
        import pyvis

        lib = Path(pyvis.__file__).parent / "lib"
        candidates += sorted(
            (p for p in lib.glob("vis-*") if (p / "vis-network.min.js").is_file()),
            key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.name)),
            reverse=True,
        )
    except ImportError:  # pragma: no cover - pyvis is a dependency
        pass
    static = Path(str(resources.files("paperkg.export") / "static"))
    if (static / "vis-network.min.js").is_file():
        candidates.append(static)
    for folder in candidates:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css_path = folder / "vis-network.css"
        css = css_path.read_text(encoding="utf-8") if css_path.is_file() else ""
        found = re.search(r"@version\s+(\S+)", js[:2000])
        return js, css, found.group(1) if found else "unknown"
    raise ExportError("cannot write HTML: no vis-network build found (is pyvis installed?)")


def _app_assets() -> tuple[str, str, str]:
    base = resources.files("paperkg.export")
    return (
        (base / "static" / "map.js").read_text(encoding="utf-8"),
        (base / "static" / "map.css").read_text(encoding="utf-8"),
        (base / "templates" / "map.html.j2").read_text(encoding="utf-8"),
    )


# --------------------------------------------------------------------------- helpers
def script_json(value: Any) -> str:
    """JSON safe to embed in an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` (and U+2028/U+2029) become ``\\uXXXX`` escapes, so no input
    can close the element or start markup; ``JSON.parse`` restores them.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


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


# --------------------------------------------------------------------------- payload
def _sample(graph: nx.Graph, max_nodes: int) -> tuple[nx.Graph, str | None]:
    n = graph.number_of_nodes()
    if n <= max_nodes:
        return graph, None
    degrees = dict(graph.degree())
    keep = set(sorted(graph, key=lambda node: (-degrees[node], str(node)))[:max_nodes])
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
        f"Large graph: showing the {max_nodes:,} best-connected of {n:,} nodes "
        f"({sub.number_of_edges():,} of {graph.number_of_edges():,} edges). "
        "Open the GraphML/GEXF export in Gephi for the full graph."
    )
    logger.warning("HTML map: %s", notice)
    return sub, notice


def html_payload(
    graph: nx.Graph,
    *,
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
) -> dict[str, Any]:
    """The JSON document the HTML page draws: nodes, edges, legend, options, notice.

    Pure: no I/O. O(n + m) plus the layout when one is needed and not given.
    """
    total_nodes, total_edges = graph.number_of_nodes(), graph.number_of_edges()
    graph, notice = _sample(graph, max_nodes)
    n = graph.number_of_nodes()
    physics = n <= physics_threshold
    if layout is None or any(node not in layout for node in graph):
        layout = compute_layout(graph, seed=seed)
    community_labels = _community_labels(graph)
    degrees = dict(graph.degree())
    has_entities = any(d.get("kind") == "entity" for _, d in graph.nodes(data=True))

    groups = {node: node_group(data) for node, data in graph.nodes(data=True)}
    community_sizes = Counter(g for g in groups.values() if g.startswith("community "))
    # one legend entry per sizeable community; singletons are pooled
    top_communities = [
        g for g, size in community_sizes.most_common(MAX_COMMUNITY_ENTRIES) if size >= 2
    ]

    def filter_key(group: str) -> str:
        if group in TYPE_COLORS:
            return group
        if group.startswith("community ") or group == "paper":
            if has_entities:
                return "paper"
            return group if group in top_communities else "community other"
        return "other"

    def community_name(group: str) -> str:
        cid = int(group.split()[1])
        label = _shorten(community_labels.get(cid, ""), 48)
        return f"community {cid}: {label}" if label else f"community {cid}"

    def color_of(group: str) -> tuple[int, int, int]:
        if group in TYPE_COLORS:
            return TYPE_COLORS[group]
        if group.startswith("community "):
            return COMMUNITY_COLORS[int(group.split()[1]) % len(COMMUNITY_COLORS)]
        return PAPER_COLOR if group == "paper" else OTHER_COLOR

    tiers = _label_tiers(graph, degrees)
    fit_scale = _fit_scale(graph.number_of_nodes())
    nodes: list[dict[str, Any]] = []
    filter_counts: Counter[str] = Counter()
    for node, data in graph.nodes(data=True):
        group = groups[node]
        fkey = filter_key(group)
        filter_counts[fkey] += 1
        kind = _text(data.get("kind")) or "node"
        is_paper = kind == "paper"
        title = _text(data.get("title"))
        name = _text(data.get("name"))
        label = _text(data.get("label")) or name or title or str(node)
        aliases = [_text(a) for a in _as_list(data.get("aliases")) if _text(a)]
        kind_label = _text(data.get("type")) if kind == "entity" else kind
        meta: list[str] = [kind_label or kind]
        if is_paper:
            if data.get("year") not in (None, ""):
                meta.append(_text(data.get("year")))
            if group.startswith("community "):
                meta.append(community_name(group))
            if data.get("n_entities") not in (None, ""):
                meta.append(f"{_text(data.get('n_entities'))} entities")
        elif data.get("df") not in (None, ""):
            meta.append(f"in {_text(data.get('df'))} papers")
        meta.append(f"{degrees[node]} links")
        info = {
            "heading": title if is_paper and title else name or label,
            "meta": " · ".join(meta),
            "abstract": _shorten(_text(data.get("abstract")), _ABSTRACT_CHARS),
            "aliases": aliases,
            "links": node_links(data),
        }
        x, y = layout[node]
        rgb = color_of(group)
        search = [label, name, title, *aliases, _text(data.get("arxiv_id")), str(node)]
        nodes.append(
            {
                "id": str(node),
                "label": _shorten(label, _LABEL_CHARS),
                "kind": kind,
                "kindLabel": kind_label or kind,
                "filter": fkey,
                "color": hex_color(rgb),
                "border": _darker(rgb),
                "value": max(degrees[node], 1),
                "tier": tiers[node],
                # a first guess; the page rescales labels to the real zoom once drawn
                "font": round(LABEL_TIER_PIXELS[tiers[node]] / fit_scale, 1),
                "x": _finite(x),
                "y": _finite(y),
                "search": list(dict.fromkeys(s for s in search if s)),
                "info": info,
            }
        )

    labels = {node: _text(d.get("label")) or str(node) for node, d in graph.nodes(data=True)}
    weights = [
        float(d["weight"])
        for *_, d in graph.edges(data=True)
        if isinstance(d.get("weight"), (int, float)) and math.isfinite(d["weight"])
    ]
    top_weight = max(weights, default=0.0)
    edges: list[dict[str, Any]] = []
    for u, v, data in graph.edges(data=True):
        edge: dict[str, Any] = {"from": str(u), "to": str(v)}
        shared = _as_list(data.get("shared"))
        if shared:
            more = f" (+{len(shared) - 12} more)" if len(shared) > 12 else ""
            edge["title"] = "shared: " + ", ".join(shared[:12]) + more
        elif data.get("kind") == "mentions":
            count = data.get("mentions")
            where = _text(data.get("field"))
            edge["title"] = f"{labels[u]} — {labels[v]}: mentioned {count or 1}×" + (
                f" (first in {where})" if where else ""
            )
        weight = data.get("weight")
        if top_weight > 0 and isinstance(weight, (int, float)) and math.isfinite(weight):
            edge["width"] = round(1.0 + 5.0 * float(weight) / top_weight, 2)
        edges.append(edge)

    legend: list[dict[str, Any]] = []
    if has_entities:
        for etype in TYPE_COLORS:
            if filter_counts.get(etype):
                legend.append(
                    {
                        "key": etype,
                        "label": etype,
                        "color": hex_color(TYPE_COLORS[etype]),
                        "shape": "dot",
                        "count": filter_counts[etype],
                    }
                )
        if filter_counts.get("paper"):
            legend.append(
                {
                    "key": "paper",
                    "label": "papers (colour = community)" if community_sizes else "papers",
                    "color": hex_color(PAPER_COLOR),
                    "shape": "diamond",
                    "count": filter_counts["paper"],
                }
            )
    else:
        for group in top_communities:
            legend.append(
                {
                    "key": group,
                    "label": community_name(group),
                    "color": hex_color(color_of(group)),
                    "shape": "diamond",
                    "count": filter_counts[group],
                }
            )
        for key, label, rgb in (
            ("community other", "other communities", PAPER_COLOR),
            ("paper", "papers", PAPER_COLOR),
        ):
            if filter_counts.get(key):
                legend.append(
                    {
                        "key": key,
                        "label": label,
                        "color": hex_color(rgb),
                        "shape": "diamond",
                        "count": filter_counts[key],
                    }
                )
    if filter_counts.get("other"):
        legend.append(
            {
                "key": "other",
                "label": "other",
                "color": hex_color(OTHER_COLOR),
                "shape": "dot",
                "count": filter_counts["other"],
            }
        )
    sublegend = []
    if has_entities:
        for group in top_communities[:10]:
            sublegend.append(
                {
                    "label": community_name(group),
                    "color": hex_color(color_of(group)),
                    "count": community_sizes[group],
                }
            )

    return {
        "nodes": nodes,
        "edges": edges,
        "legend": legend,
        "sublegend": sublegend,
        "physics": physics,
        "notice": notice,
        "edgeColor": _EDGE_COLOR,
        "tierPixels": list(LABEL_TIER_PIXELS),
        "stats": {
            "nodes": n,
            "edges": graph.number_of_edges(),
            "total_nodes": total_nodes,
            "total_edges": total_edges,
        },
        "options": _vis_options(n, physics=physics, seed=seed),
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


# --------------------------------------------------------------------------- render/write
def render_html(
    graph: nx.Graph,
    *,
    title: str = "paperkg map",
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
) -> str:
    """The complete HTML page of ``graph`` as a string (see :func:`html_payload`)."""
    import jinja2
    import pyvis

    from paperkg._version import __version__

    payload = html_payload(
        graph, layout=layout, physics_threshold=physics_threshold, max_nodes=max_nodes, seed=seed
    )
    vis_js, vis_css, vis_version = vis_network_assets()
    app_js, app_css, template = _app_assets()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(template).render(
        title=title,
        version=__version__,
        pyvis_version=getattr(pyvis, "__version__", "?"),
        vis_version=vis_version,
        vis_js=vis_js,
        vis_css=vis_css,
        app_js=app_js,
        app_css=app_css,
        data_json=script_json(payload),
    )


def write_html(
    graph: nx.Graph,
    path: str | Path,
    *,
    title: str = "paperkg map",
    layout: Mapping[Hashable, tuple[float, float]] | None = None,
    physics_threshold: int = PHYSICS_THRESHOLD,
    max_nodes: int = MAX_NODES,
    seed: int = 42,
) -> None:
    """Write the interactive map of ``graph`` to ``path`` (one self-contained file).

    Raises
    ------
    paperkg.errors.ExportError
        The file cannot be written.
    """
    page = render_html(
        graph,
        title=title,
        layout=layout,
        physics_threshold=physics_threshold,
        max_nodes=max_nodes,
        seed=seed,
    )
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # errors="replace": a lone surrogate from a broken input record becomes "?"
        path.write_text(page, encoding="utf-8", errors="replace")
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
