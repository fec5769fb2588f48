"""Every size at which paperkg switches to a faster way of doing the same work.

Each field names a switch or a chunk size read by the code that does the work (the
graph stage, canonicalisation, the workflow, the writers). None of them changes a
result: below or above a threshold the output is the same, only the time and memory
differ (the tests set them to extremes to check exactly that). They are not options
of any public function; :data:`THRESHOLDS` is the one instance the code reads, and
tests change its fields (``monkeypatch.setattr(THRESHOLDS, "fork_min_papers", 0)``).
docs/performance.md gives the measurement behind each value.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Thresholds", "THRESHOLDS"]


@dataclass
class Thresholds:
    """The switch points and chunk sizes of the speed machinery (see the module doc)."""

    # ---- forks: a second core from this many items on (paperkg.workflow)
    #: papers: the graph's tally and projection in halves, Louvain and the layouts
    #: beside the knowledge graph's assembly
    fork_min_papers: int = 20_000
    #: records: canonicalisation reads each half of the corpus in its own process
    fork_min_records: int = 20_000
    #: nodes in all: :meth:`KnowledgeGraph.save` writes its two GraphML files at once
    fork_min_nodes: int = 50_000

    # ---- the paper-paper projection (paperkg.graph.projection)
    #: (paper, paper) products computed per row block at most
    block_work: int = 4_000_000
    #: scipy's product multiplies a row block by slices of this many papers, so its
    #: accumulator (20 bytes a column for the complex idf product) fits a core's L2 cache
    column_block: int = 65_536
    #: products from which the projection runs compiled (numba kernels)
    kernel_min_work: int = 5_000_000
    #: column slice of the compiled projection (its accumulator is 24 bytes a paper)
    kernel_column_block: int = 32_768
    #: with top_k (count, idf), entities in more than this fraction of the papers (at
    #: most the 64 commonest) are walked only where a bound does not settle the row
    prune_df: float = 0.01
    #: sampled entries per row that bound its k-th best score (the top-k pre-filter)
    top_k_sample: int = 1024
    #: kept pairs whose shared entities are merged at a time (bounds the temporaries)
    edge_chunk: int = 250_000
    #: kept pairs from which that merge runs compiled
    kernel_min_pairs: int = 100_000

    # ---- Louvain (paperkg.graph.communities)
    #: adjacency entries of a level from which its local moving runs compiled
    kernel_min_entries: int = 20_000

    # ---- extraction (paperkg._accel.parallel, paperkg.workflow)
    #: papers per extraction chunk and per cache transaction
    chunk_size: int = 256
    #: allocations between young-generation collections in an extraction worker
    worker_gc_threshold: int = 10_000
    #: papers from which a build without numba prints that numba would speed it up
    kernel_hint_papers: int = 20_000


#: The thresholds the code reads.
THRESHOLDS = Thresholds()
