"""Colours and sizes shared by every exporter (GraphML/GEXF viz attributes, the HTML map).

Entities are coloured by type, papers by community, so the same node has the same
colour in Gephi and in the browser.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

__all__ = [
    "TYPE_COLORS",
    "PAPER_COLOR",
    "COMMUNITY_COLORS",
    "OTHER_COLOR",
    "node_group",
    "node_color",
    "hex_color",
    "node_sizes",
]

#: One colour per entity type (colour-blind-safe Okabe-Ito hues).
TYPE_COLORS: dict[str, tuple[int, int, int]] = {
    "method": (0, 114, 178),  # blue
    "dataset": (230, 159, 0),  # orange
    "repo": (0, 158, 115),  # green
    "math": (204, 121, 167),  # pink
}
#: Papers without a community.
PAPER_COLOR: tuple[int, int, int] = (90, 90, 90)
#: Anything of an unknown kind/type.
OTHER_COLOR: tuple[int, int, int] = (150, 150, 150)
#: Paper communities cycle through these (Tableau 20 without the type hues' near twins).
COMMUNITY_COLORS: tuple[tuple[int, int, int], ...] = (
    (214, 39, 40),
    (31, 119, 180),
    (44, 160, 44),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
    (23, 190, 207),
    (255, 127, 14),
    (127, 127, 127),
    (255, 152, 150),
    (174, 199, 232),
    (152, 223, 138),
    (197, 176, 213),
    (196, 156, 148),
    (247, 182, 210),
    (219, 219, 141),
    (158, 218, 229),
    (255, 187, 120),
    (57, 59, 121),
)


def node_group(data: Mapping[str, Any]) -> str:
    """The legend group of a node: its entity type, ``"community N"`` or ``"paper"``."""
    kind = data.get("kind")
    if kind == "entity" or (kind is None and data.get("type") in TYPE_COLORS):
        etype = data.get("type")
        return str(etype) if etype else "entity"
    if kind == "paper":
        community = data.get("community")
        if (
            isinstance(community, numbers.Integral)
            and not isinstance(community, bool)
            and community >= 0
        ):
            return f"community {int(community)}"
        return "paper"
    return str(kind) if kind else "other"


def node_color(data: Mapping[str, Any]) -> tuple[int, int, int]:
    """RGB colour of a node: entity type, else paper community, else grey."""
    group = node_group(data)
    if group in TYPE_COLORS:
        return TYPE_COLORS[group]
    if group.startswith("community "):
        return COMMUNITY_COLORS[int(group.split()[1]) % len(COMMUNITY_COLORS)]
    if group == "paper":
        return PAPER_COLOR
    return OTHER_COLOR


def hex_color(rgb: tuple[int, int, int]) -> str:
    """``(r, g, b)`` -> ``"#rrggbb"``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def node_sizes(
    graph: nx.Graph, *, min_size: float = 6.0, max_size: float = 40.0
) -> dict[Hashable, float]:
    """Node size growing with the square root of the degree, in ``[min_size, max_size]``.

    The square root keeps hubs from dwarfing everything else. O(n).
    """
    degrees = dict(graph.degree())
    top = max(degrees.values(), default=0)
    if top <= 0:
        return {node: min_size for node in graph}
    span = max_size - min_size
    return {node: round(min_size + span * math.sqrt(deg / top), 2) for node, deg in degrees.items()}
