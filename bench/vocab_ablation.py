"""What each vocabulary file is worth: extraction scores with one file left out.

Usage::

    .venv/bin/python bench/vocab_ablation.py GOLD.jsonl SOURCES... [--scorer PATH]

Copies the shipped vocabulary directory once per variant, removes the files of that
variant, runs the extractor and scores with the reference scorer (default
``../shared/gold/score.py``). Prints micro and per-type F1 and the term count per
variant. A measurement, not a test: nothing here tunes the vocabulary to the gold file.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from paperkg.canonical import canonicalize
from paperkg.errors import PaperKGError
from paperkg.extract import Extractor
from paperkg.vocab import DEFAULT_VOCAB_DIR, load_vocabulary
from paperkg.workflow import load_sources

ROOT = Path(__file__).resolve().parents[1]
VARIANTS: dict[str, list[str]] = {
    "all files": [],
    "- method/pwc.tsv": ["method/pwc.tsv"],
    "- method/scirex.tsv": ["method/scirex.tsv"],
    "- method/ml.tsv": ["method/ml.tsv"],
    "- dataset/ml.tsv": ["dataset/ml.tsv"],
    "- dataset/scirex.tsv": ["dataset/scirex.tsv"],
    "- stop/generic.txt": ["stop/generic.txt"],
    "- stop/tasks.txt + metrics.txt": ["stop/tasks.txt", "stop/metrics.txt"],
}


def _scorer(path: Path):
    spec = importlib.util.spec_from_file_location("reference_score", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--scorer", type=Path, default=ROOT.parent / "shared" / "gold" / "score.py")
    args = parser.parse_args(argv)
    scorer = _scorer(args.scorer)
    gold = scorer.load(str(args.gold))
    papers, _ = load_sources(args.sources)
    print(f"{len(papers)} papers, gold {args.gold}")
    print(f"{'variant':34s} {'terms':>6s} {'micro':>6s} {'method':>6s} {'dataset':>7s} {'math':>6s}")
    for label, removed in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            vdir = Path(tmp) / "vocab"
            shutil.copytree(DEFAULT_VOCAB_DIR, vdir)
            for rel in removed:
                (vdir / rel).unlink(missing_ok=True)
            vocab = load_vocabulary(vdir)
            results = canonicalize(list(Extractor(vocabulary=vocab).pipe(papers)))
        pred = [r.model_dump() for r in results]
        res = scorer.score(gold, pred)
        t = res["types"]
        print(
            f"{label:34s} {len(vocab.terms):6d} {res['micro']['f1']:6.3f} {t['method']['f1']:6.3f} "
            f"{t['dataset']['f1']:7.3f} {t['math']['f1']:6.3f}"
        )
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except PaperKGError as err:
        sys.exit(f"error: {err}")
