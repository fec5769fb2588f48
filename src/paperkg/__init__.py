"""paperkg: research paper abstracts -> a knowledge graph of methods, datasets, repos, math."""

from paperkg._version import __version__
from paperkg.errors import PaperKGError
from paperkg.models import Entity, LoadReport, Mention, Paper, PaperEntities

__all__ = [
    "__version__",
    "PaperKGError",
    "Paper",
    "Mention",
    "Entity",
    "PaperEntities",
    "LoadReport",
    "build",
]


def build(*args, **kwargs):
    """Build a :class:`~paperkg.kg.KnowledgeGraph` from sources (see :func:`paperkg.workflow.build`)."""
    from paperkg.workflow import build as _build

    return _build(*args, **kwargs)
