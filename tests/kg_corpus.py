"""A hand-made five-paper corpus with known shared entities (graph, kg and query tests).

Entity sets (df in brackets, N = 5)::

    p1: fno[2] pde[4] navier-stokes[2] repo neuraloperator[1]
    p2: fno    pde    navier-stokes                  (says only "Fourier neural operators")
    p3: diffusion[2] imagenet[2] pde  repo guided-diffusion[1]
    p4: diffusion    imagenet    transformer[2]
    p5: transformer  pde  adam[1]

With ``max_df=1`` the shared pairs are p1-p2 {fno, ns, pde}, p3-p4 {diffusion, imagenet},
p4-p5 {transformer} and pde between every two of p1, p2, p3, p5. With ``max_df=0.5``
(pde excluded) only p1-p2, p3-p4 and p4-p5 remain; with the default 0.25 nothing links.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from paperkg._accel.thresholds import THRESHOLDS
from paperkg.graph import paper_graph
from paperkg.models import Entity, Mention, Paper, PaperEntities

PAPERS = [
    Paper(
        id="p1",
        title="Fourier Neural Operator for Parametric Partial Differential Equations",
        abstract=(
            "We propose the Fourier neural operator (FNO), which learns solution operators "
            "of partial differential equations. On Navier-Stokes the FNO is fast. "
            "Code: https://github.com/neuraloperator/neuraloperator"
        ),
        arxiv_id="2010.08895",
        year=2020,
        authors=["Zongyi Li", "Anima Anandkumar"],
        sources=["seeds/a.txt"],
    ),
    Paper(
        id="p2",
        title="Neural operators for turbulence",
        abstract=(
            "We apply Fourier neural operators to Navier-Stokes turbulence, a partial "
            "differential equation benchmark."
        ),
        url="https://example.org/p2",
        year=2022,
        sources=["seeds/a.txt", "seeds/b.txt"],
    ),
    Paper(
        id="p3",
        title="Diffusion models beat GANs on image synthesis",
        abstract=(
            "Diffusion models reach state of the art on ImageNet; we relate them to a "
            "partial differential equation. Code at https://github.com/openai/guided-diffusion"
        ),
        year=2021,
        sources=["seeds/b.txt"],
    ),
    Paper(
        id="p4",
        title="Scalable diffusion models with transformers",
        abstract="We train latent diffusion models with a transformer backbone on ImageNet.",
        doi="10.1000/dit",
        sources=["seeds/b.txt"],
    ),
    Paper(
        id="p5",
        title="A transformer for partial differential equations",
        abstract="A transformer trained with Adam solves a partial differential equation.",
        year=2023,
        sources=["seeds/c.txt"],
    ),
]

_ENTITIES = {
    "method:fourier-neural-operator": ("Fourier neural operator", "method", ["FNO"]),
    "math:partial-differential-equation": (
        "partial differential equation", "math", ["PDE", "PDEs"]),
    "dataset:navier-stokes": ("Navier-Stokes", "dataset", []),
    "repo:neuraloperator-neuraloperator": ("neuraloperator/neuraloperator", "repo", []),
    "method:diffusion-model": ("diffusion model", "method", []),
    "dataset:imagenet": ("ImageNet", "dataset", []),
    "repo:openai-guided-diffusion": ("openai/guided-diffusion", "repo", []),
    "method:transformer": ("transformer", "method", []),
    "method:adam": ("Adam", "method", []),
}

#: paper id -> [(entity id, surface form as written)]
_FOUND = {
    "p1": [
        ("method:fourier-neural-operator", "Fourier Neural Operator"),
        ("method:fourier-neural-operator", "FNO"),
        ("math:partial-differential-equation", "Partial Differential Equations"),
        ("dataset:navier-stokes", "Navier-Stokes"),
        ("repo:neuraloperator-neuraloperator", "https://github.com/neuraloperator/neuraloperator"),
    ],
    "p2": [
        ("method:fourier-neural-operator", "Fourier neural operators"),
        ("dataset:navier-stokes", "Navier-Stokes"),
        ("math:partial-differential-equation", "partial differential equation"),
    ],
    "p3": [
        ("method:diffusion-model", "Diffusion models"),
        ("dataset:imagenet", "ImageNet"),
        ("math:partial-differential-equation", "partial differential equation"),
        ("repo:openai-guided-diffusion", "https://github.com/openai/guided-diffusion"),
    ],
    "p4": [
        ("method:diffusion-model", "diffusion models"),
        ("method:transformer", "transformers"),
        ("dataset:imagenet", "ImageNet"),
    ],
    "p5": [
        ("method:transformer", "transformer"),
        ("math:partial-differential-equation", "partial differential equations"),
        ("method:adam", "Adam"),
    ],
}


def _mentions(paper: Paper, surface: str) -> list[Mention]:
    found = []
    for field in ("title", "abstract"):
        text = getattr(paper, field)
        start = text.find(surface)
        while start >= 0:
            found.append(Mention(field=field, start=start, end=start + len(surface), text=surface))
            start = text.find(surface, start + 1)
    assert found, (paper.id, surface)
    return found


def results() -> list[PaperEntities]:
    """Canonicalised extractor output for :data:`PAPERS`."""
    out = []
    for paper in PAPERS:
        by_id: dict[str, Entity] = {}
        for eid, surface in _FOUND[paper.id]:
            name, etype, aliases = _ENTITIES[eid]
            ent = by_id.setdefault(eid, Entity(id=eid, name=name, type=etype, aliases=list(aliases)))
            ent.mentions.extend(_mentions(paper, surface))
            if surface.lower() != name.lower() and surface not in ent.aliases:
                ent.aliases.append(surface)
        out.append(PaperEntities(id=paper.id, title=paper.title, entities=list(by_id.values())))
    return out


def random_incidence(n: int, m: int, max_per_paper: int, seed: int = 11):
    """A random paper x entity incidence matrix (CSR, 0-``max_per_paper`` entities per
    paper) with paper and entity ids: ``(papers, matrix, entity_ids)``."""
    import scipy.sparse as sp

    rng = random.Random(seed)
    sets = [set(rng.sample(range(m), rng.randint(0, max_per_paper))) for _ in range(n)]
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [e for s in sets for e in sorted(s)]
    b = sp.csr_matrix(([1.0] * len(rows), (rows, cols)), shape=(n, m))
    return [f"p{i:03d}" for i in range(n)], b, [f"e:{j:03d}" for j in range(m)]


def skewed_incidence(n: int, m: int, per: int, seed: int = 11):
    """Like :func:`random_incidence`, but entity ``j`` is drawn with weight
    ``1 / (j + 1)`` (Zipf): a few entities in many papers, most in few, as in real
    corpora. Each paper has 1-``per`` distinct entities."""
    import scipy.sparse as sp

    rng = random.Random(seed)
    weights = [1 / (j + 1) for j in range(m)]
    sets = [set(rng.choices(range(m), weights, k=rng.randint(1, per))) for _ in range(n)]
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [e for s in sets for e in sorted(s)]
    b = sp.csr_matrix(([1.0] * len(rows), (rows, cols)), shape=(n, m))
    return [f"p{i:03d}" for i in range(n)], b, [f"e:{j:03d}" for j in range(m)]


def clustered_corpus(n_papers: int = 400, seed: int = 3):
    """Papers drawing their entities mostly from one of eight topic pools, so Louvain
    finds several communities over more than one level."""
    rng = random.Random(seed)
    pools = [[f"method:t{t}-e{k}" for k in range(25)] for t in range(8)]
    papers, found = [], []
    for i in range(n_papers):
        pid = f"x{i:04d}"
        topic = rng.randrange(len(pools))
        picked = set(rng.sample(pools[topic], rng.randint(2, 6)))
        if rng.random() < 0.3:
            picked.add(rng.choice(pools[rng.randrange(len(pools))]))
        papers.append(Paper(id=pid, title=f"Paper {i}", abstract="An abstract."))
        ents = [Entity(id=e, name=e.split(":")[1], type="method", aliases=[])
                for e in sorted(picked)]
        found.append(PaperEntities(id=pid, title=f"Paper {i}", entities=ents))
    return papers, found


@contextmanager
def thresholds(**fields: float) -> Iterator[None]:
    """Set fields of :data:`paperkg._accel.thresholds.THRESHOLDS` for the block."""
    old = {name: getattr(THRESHOLDS, name) for name in fields}
    for name, value in fields.items():
        setattr(THRESHOLDS, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(THRESHOLDS, name, value)


def projected(*args: Any, block_work: int | None = None, column_block: int | None = None,
              **kwargs: Any) -> Any:
    """:func:`paperkg.graph.paper_graph` with its row blocks of about ``block_work``
    products and column slices of ``column_block`` papers (``None``: the default)."""
    fields: dict[str, int] = {}
    if block_work is not None:
        fields["block_work"] = block_work
    if column_block is not None:
        fields["column_block"] = fields["kernel_column_block"] = column_block
    with thresholds(**fields):
        return paper_graph(*args, **kwargs)
