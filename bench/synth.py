"""Deterministic synthetic corpus: real abstract sentences and entity names, recombined.

Sentences and titles come from the listing pages in ``seeds/`` (a title line, then
an abstract line); entity names from the vocabulary TSVs shipped under
``src/paperkg/data/vocab/<type>/``. Each synthetic paper is a title made of a real
title fragment and an entity name, and an abstract of 4-8 real sentences plus 1-3
template sentences naming methods, datasets, math concepts and (sometimes) a GitHub
repository. Entity popularity is skewed (a few names are very common, most are rare),
as in a real arXiv category, so the paper-paper projection meets high-df entities.

The output depends only on ``seed`` and the input files, and the first ``n`` papers
of a larger corpus are the corpus of size ``n``.

Usage::

    python bench/synth.py 100000 -o bench/out/synth-1e5.jsonl --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Pools", "load_pools", "iter_synthetic", "write_corpus"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VOCAB = ROOT / "src" / "paperkg" / "data" / "vocab"

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_BOILER = re.compile(r"^(Get trending papers|Subscribe$|new$|byAK|[A-Z][a-z]{2} \d{1,2}$)")
# Used only when the vocabulary has fewer than 20 names of a type.
_FALLBACK = {
    "dataset": ["ImageNet", "CIFAR-10", "CIFAR-100", "MNIST", "MS COCO", "SQuAD", "GLUE",
                "WikiText-103", "Penn Treebank", "LibriSpeech", "Cityscapes", "KITTI",
                "ShapeNet", "OGB", "Fashion-MNIST", "SVHN", "CelebA", "UCI Adult",
                "MIMIC-III", "D4RL"],
    "method": ["transformer", "ResNet", "LSTM", "graph neural network", "random forest",
               "support vector machine", "variational autoencoder", "diffusion model",
               "gradient boosting", "Adam", "dropout", "batch normalization",
               "contrastive learning", "BERT", "U-Net", "PPO", "Q-learning",
               "k-means", "Gaussian process", "attention mechanism"],
}
_TEMPLATES = {
    "method": ["We build on {x} and show consistent gains.",
               "Our approach extends {x} with a simple regulariser.",
               "Compared with {x}, the proposed model converges faster.",
               "We revisit {x} from a theoretical perspective."],
    "dataset": ["Experiments on {x} confirm the analysis.",
                "We report results on the {x} benchmark.",
                "On {x}, our method improves the state of the art."],
    "math": ["The analysis relies on {x}.",
             "We give bounds in terms of {x}.",
             "A key tool is {x}."],
}
_CATEGORIES = ["cs.LG", "stat.ML", "cs.CV", "cs.CL", "math.OC", "math.PR", "math.ST", "cs.AI"]


@dataclass(frozen=True)
class Pools:
    """What papers are assembled from."""

    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    names: dict[str, tuple[str, ...]]


def _seed_pairs(seeds: Path) -> Iterator[tuple[str, str]]:
    """(title, abstract) pairs of the listing pages: an abstract is a long line after a title."""
    for path in sorted(seeds.glob("*.txt")):
        previous = ""
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = raw.strip()
            if not line or _BOILER.match(line):
                continue
            if len(line) >= 300 and previous:
                yield previous.removeprefix("Subscribe"), line
                previous = ""
            elif len(line) < 300:
                previous = line


def _vocab_names(vocab: Path) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for path in sorted(vocab.glob("*/*.tsv")):
        kind = path.parent.name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            name = line.split("\t", 1)[0].strip()
            if n == 0 or not name or name.startswith("#"):
                continue
            names.setdefault(kind, []).append(name)
    return names


def load_pools(seeds: Path = SEEDS, vocab: Path = VOCAB) -> Pools:
    """Read the seed listings and vocabularies into sorted, de-duplicated pools."""
    pairs = list(_seed_pairs(seeds))
    if not pairs:
        raise SystemExit(f"synth: no title/abstract pairs found in {seeds}")
    titles = sorted({t for t, _ in pairs})
    sentences = sorted({s for _, a in pairs for s in _SENTENCE.split(a) if 40 <= len(s) <= 400})
    found = _vocab_names(vocab)
    names = {}
    for kind in ("method", "dataset", "math"):
        pool = sorted(set(found.get(kind, [])))
        if len(pool) < 20:
            pool = sorted(set(pool) | set(_FALLBACK.get(kind, [])))
        names[kind] = tuple(pool)
    return Pools(tuple(titles), tuple(sentences), names)


def _skewed(rng: random.Random, pool: tuple[str, ...]) -> str:
    # u**3 concentrates draws on the head of a shuffled pool: a Zipf-like popularity.
    return pool[int(len(pool) * rng.random() ** 3)]


def iter_synthetic(n: int, seed: int = 0, pools: Pools | None = None) -> Iterator[dict]:
    """Yield ``n`` paper records (``id``, ``title``, ``abstract``, ``year``, ``categories``)."""
    pools = pools or load_pools()
    rng = random.Random(seed)
    # Popularity order of entity names is part of the seed, not of the file order.
    names = {k: tuple(rng.sample(v, len(v))) for k, v in pools.names.items()}
    users = [f"lab{k:03d}" for k in range(400)]
    seen: set[str] = set()
    for i in range(n):
        kind = rng.choice(("method", "method", "dataset", "math"))
        fragment = rng.choice(pools.titles).split(":")[0].strip()
        title = f"{fragment} with {_skewed(rng, names[kind])}"
        if title in seen:
            title = f"{title} (variant {i})"
        seen.add(title)
        body = rng.sample(pools.sentences, rng.randint(4, 8))
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(("method", "method", "dataset", "math"))
            body.insert(rng.randrange(len(body) + 1),
                        rng.choice(_TEMPLATES[kind]).format(x=_skewed(rng, names[kind])))
        if rng.random() < 0.15:
            repo = f"{rng.choice(users)}/{_skewed(rng, names['method']).lower().replace(' ', '-')}"
            body.append(f"Code is available at https://github.com/{repo}.")
        yield {
            "id": f"synth-{seed}-{i:07d}",
            "title": title,
            "abstract": " ".join(body),
            "year": 2015 + rng.randrange(11),
            "categories": rng.sample(_CATEGORIES, rng.randint(1, 2)),
        }


def write_corpus(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` synthetic papers as JSON Lines to ``path``; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pools = load_pools()
    with path.open("w", encoding="utf-8") as fh:
        for record in iter_synthetic(n, seed, pools):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=float, help="number of papers (1e5 is accepted)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSON Lines file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = write_corpus(args.output, int(args.n), args.seed)
    print(f"wrote {int(args.n)} papers to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
