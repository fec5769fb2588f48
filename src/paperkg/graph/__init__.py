"""Graph stage: extractor output -> the knowledge graph and the paper-paper graph.

Two undirected :class:`networkx.Graph` objects are built:

* the **knowledge graph** (bipartite): paper nodes ``"paper:<Paper.id>"`` linked to
  entity nodes ``"<type>:<slug>"`` by ``kind="mentions"`` edges;
* the **paper graph**, its projection onto papers: two papers are linked when they share
  entities, with ``weight`` by mode ``count`` / ``idf`` / ``jaccard``.

One module per step, in the order the data flows:

* :mod:`~paperkg.graph.schema`: node ids and attributes, the options and their checks;
* :mod:`~paperkg.graph.tally`: what is read of the results (names, types, links, df);
* :mod:`~paperkg.graph.bipartite`: the knowledge graph;
* :mod:`~paperkg.graph.projection` (+ :mod:`~paperkg.graph.shared`): the paper links;
* :mod:`~paperkg.graph.communities`: Louvain;
* :mod:`~paperkg.graph.labels`: community labels;
* :mod:`~paperkg.graph.build`: all of it, :func:`build_knowledge_graph`.
"""

from paperkg.graph.bipartite import knowledge_graph
from paperkg.graph.build import build_knowledge_graph
from paperkg.graph.communities import detect_communities
from paperkg.graph.labels import assign_communities, community_labels
from paperkg.graph.projection import paper_graph, paper_graph_from_kg
from paperkg.graph.schema import (
    PAPER_PREFIX,
    WEIGHT_MODES,
    Weight,
    check_options,
    paper_node_attrs,
    paper_node_id,
    short_label,
)
from paperkg.graph.tally import merge_tallies, tally_records

__all__ = [
    "Weight",
    "WEIGHT_MODES",
    "PAPER_PREFIX",
    "paper_node_id",
    "paper_node_attrs",
    "short_label",
    "build_knowledge_graph",
    "check_options",
    "knowledge_graph",
    "paper_graph",
    "paper_graph_from_kg",
    "detect_communities",
    "community_labels",
    "assign_communities",
    "tally_records",
    "merge_tallies",
]
