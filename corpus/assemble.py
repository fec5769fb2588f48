"""Join the annotations with their abstracts into the files training and scoring read.

Usage: python corpus/assemble.py [--split train|test|testarxiv|double]

Reads corpus/text/pool.jsonl (written by select_papers.py) and the annotations under
corpus/ann/. The blind splits (test/ of the conference draws, testarxiv/ of the arXiv
draw) and the double annotations are written to corpus/text/<split>_input.jsonl
({"id", "source", "title", "abstract"}) and corpus/text/<split>_gold.jsonl (the
annotations with their titles: the format of ../shared/gold/dev.jsonl). The training
draws (train/, train2/ ... one folder per draw) are written one pair per kind of text,
corpus/text/train_<style>_{input,gold}.jsonl: conference abstracts, recent arXiv
abstracts, arXiv mathematics, so that cross-validation can weigh the three alike.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent
STYLES = {  # the training draws of each kind of text (see select_papers.py)
    "conference": ["train", "train2", "train3", "train4", "train5", "train6", "train7",
                   "train10"],
    "arxiv": ["train8", "train9"],
    "math": ["train11"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "test", "testarxiv", "double"), default="train")
    args = parser.parse_args()
    pool = {}
    pool_path = ROOT / "text" / "pool.jsonl"
    if not pool_path.is_file():
        parser.error(f"{pool_path}: missing (python corpus/select_papers.py writes it)")
    with pool_path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                rec = json.loads(line)
                pool[rec["id"]] = rec
            except (ValueError, KeyError, TypeError):
                parser.error(f"{pool_path}:{n}: not a paper record")
    drawn = sorted(f.name for f in (ROOT / "ann").glob("train*"))
    unsorted = set(drawn) - {f for folders in STYLES.values() for f in folders}
    if unsorted:
        parser.error(f"corpus/ann/{min(unsorted)}: a training draw of no kind in STYLES")
    outputs = ({f"train_{style}": folders for style, folders in STYLES.items()}
               if args.split == "train" else {args.split: [args.split]})
    for name, folders in outputs.items():
        n = write(pool, [ROOT / "ann" / f for f in folders if f in drawn or f == args.split],
                  ROOT / "text" / f"{name}_input.jsonl", ROOT / "text" / f"{name}_gold.jsonl")
        print(f"{name}: {n} annotated papers -> corpus/text/{name}_{{input,gold}}.jsonl")


def write(pool: dict[str, dict], folders: list[Path], inputs: Path, golds: Path) -> int:
    """Write the papers annotated in ``folders`` and their annotations; their count."""
    n = 0
    with inputs.open("w", encoding="utf-8") as ins, golds.open("w", encoding="utf-8") as outs:
        for path in sorted(p for f in folders for p in f.glob("*.jsonl")):
            for lineno, line in enumerate(path.open(encoding="utf-8"), 1):
                try:
                    ann = json.loads(line)
                    paper = pool[ann["id"]]
                except (ValueError, KeyError, TypeError):
                    raise SystemExit(f"assemble.py: error: {path}:{lineno}: not an annotation of a "
                                     "paper in corpus/text/pool.jsonl") from None
                ins.write(json.dumps({k: paper[k] for k in ("id", "source", "title", "abstract")},
                                     ensure_ascii=False) + "\n")
                outs.write(json.dumps({"id": ann["id"], "title": paper["title"],
                                       "entities": ann["entities"]}, ensure_ascii=False) + "\n")
                n += 1
    return n


if __name__ == "__main__":
    main()
