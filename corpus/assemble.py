"""Join the annotations with their abstracts into the files training and scoring read.

Usage: python corpus/assemble.py [--split train|test|testarxiv|double]

Reads corpus/text/pool.jsonl (written by select_papers.py) and corpus/ann/<split>/*.jsonl
(the train split: corpus/ann/train/, train2/, ... train8/, one folder per draw; the
blind splits: test/ of the conference draws, testarxiv/ of the arXiv draw)
and writes corpus/text/<split>_input.jsonl ({"id", "source", "title", "abstract"}) and
corpus/text/<split>_gold.jsonl (the annotations with their titles: the format of
../shared/gold/dev.jsonl), for the papers annotated so far.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "test", "testarxiv", "double"), default="train")
    args = parser.parse_args()
    pool = {}
    with (ROOT / "text" / "pool.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            pool[rec["id"]] = rec
    inputs = (ROOT / "text" / f"{args.split}_input.jsonl").open("w", encoding="utf-8")
    golds = (ROOT / "text" / f"{args.split}_gold.jsonl").open("w", encoding="utf-8")
    n = 0
    with inputs, golds:
        folders = (sorted(f.name for f in (ROOT / "ann").glob("train*")) if args.split == "train"
                   else [args.split])
        for path in sorted(p for f in folders for p in (ROOT / "ann" / f).glob("*.jsonl")):
            for line in path.open(encoding="utf-8"):
                ann = json.loads(line)
                paper = pool[ann["id"]]
                inputs.write(json.dumps({k: paper[k] for k in ("id", "source", "title", "abstract")},
                                        ensure_ascii=False) + "\n")
                golds.write(json.dumps({"id": ann["id"], "title": paper["title"],
                                        "entities": ann["entities"]}, ensure_ascii=False) + "\n")
                n += 1
    print(f"{args.split}: {n} annotated papers -> {inputs.name}, {golds.name}")


if __name__ == "__main__":
    main()
