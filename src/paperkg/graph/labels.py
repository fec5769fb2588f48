"""Community labels: each community named by its most characteristic entities."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence

import networkx as nx

from paperkg.graph.communities import detect_communities
from paperkg.links import PaperGraphView

__all__ = ["community_labels", "assign_communities"]


def _short_name(name: str, aliases: Sequence[str]) -> str:
    """A long name's acronym when it has one (labels stay short: "FNO · PDE")."""
    if len(name) <= 24:
        return name
    acronyms = [a for a in aliases if 2 <= len(a) <= 8 and a.replace("-", "").isupper()]
    return min(acronyms, key=lambda a: (len(a), a)) if acronyms else name


def community_labels(
    groups: Sequence[Sequence[str]], kg: nx.Graph, n_terms: int = 3
) -> dict[int, str]:
    """Label each community by its most characteristic entities.

    An entity scores ``df_in / size * log(N / df)``: frequent inside the community,
    rare in the corpus. The ``n_terms`` best names are joined with `` · ``; a community
    whose papers have no entity gets ``"(no entities)"``. O(sum of paper degrees).
    """
    n = sum(len(g) for g in groups)
    labels: dict[int, str] = {}
    for cid, members in enumerate(groups):
        inside: Counter[str] = Counter()
        for pid in members:
            inside.update(list(kg.adj[pid]))
        scored = []
        for eid, df_in in inside.items():
            data = kg.nodes[eid]
            score = df_in / len(members) * math.log(n / data["df"])
            if score > 0:
                scored.append((-score, -df_in, data["name"], eid))
        scored.sort()
        names = []
        for *_, eid in scored[:n_terms]:
            data = kg.nodes[eid]
            names.append(_short_name(data["name"], data.get("aliases") or []))
        labels[cid] = " · ".join(names) if names else "(no entities)"
    return labels


def assign_communities(
    kg: nx.Graph, pg: nx.Graph | PaperGraphView, seed: int = 42, *, groups: list[list[str]] | None = None
) -> dict[int, str]:
    """Detect and label communities; set ``community`` and ``community_label`` on the
    paper nodes of both graphs.

    The labels are also stored JSON-encoded (``{"0": "label", ...}``) as the graph
    attribute ``communities`` of both graphs, so they survive GraphML. ``groups``: the
    communities of ``pg`` as :func:`detect_communities` gives them, already found.
    """
    if groups is None:
        groups = detect_communities(pg, seed=seed)
    labels = community_labels(groups, kg)
    for cid, members in enumerate(groups):
        for node in members:
            kg.nodes[node]["community"] = pg.nodes[node]["community"] = cid
            kg.nodes[node]["community_label"] = pg.nodes[node]["community_label"] = labels[cid]
    encoded = json.dumps({str(k): v for k, v in labels.items()}, ensure_ascii=False)
    kg.graph["communities"] = encoded
    pg.graph["communities"] = encoded
    return labels
