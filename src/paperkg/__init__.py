"""paperkg: research paper abstracts -> a knowledge graph of methods, datasets, repos and math.

The small public API::

    import paperkg
    kg = paperkg.build("seeds")            # load -> extract -> canonicalise -> graph
    kg.papers_with("FNO")
    kg = paperkg.KnowledgeGraph.load("graphs/kg.graphml")
"""

from paperkg._accel import speedups

speedups.install()  # before any compiled module is imported: see paperkg._accel.speedups

from paperkg._version import __version__  # noqa: E402
from paperkg.errors import PaperKGError, PaperNotFoundError  # noqa: E402
from paperkg.kg import KnowledgeGraph  # noqa: E402
from paperkg.models import Entity, LoadReport, Mention, Paper, PaperEntities  # noqa: E402
from paperkg.store import open_store  # noqa: E402
from paperkg.workflow import build  # noqa: E402

KnowledgeGraph.readers.append(open_store)  # the query store answers when it is current

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
