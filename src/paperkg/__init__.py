"""paperkg: research paper abstracts -> a knowledge graph of methods, datasets, repos and math.

The small public API::

    import paperkg
    kg = paperkg.build("seeds")            # load -> extract -> canonicalise -> graph
    kg.papers_with("FNO")
    kg = paperkg.KnowledgeGraph.load("graphs/kg.graphml")
"""

from paperkg._version import __version__
from paperkg.errors import PaperKGError, PaperNotFoundError
from paperkg.kg import KnowledgeGraph
from paperkg.models import Entity, LoadReport, Mention, Paper, PaperEntities
from paperkg.workflow import build

__all__ = [
    "__version__",
    "PaperKGError",
    "PaperNotFoundError",
    "KnowledgeGraph",
    "Paper",
    "Mention",
    "Entity",
    "PaperEntities",
    "LoadReport",
    "build",
]
