"""Build paperkg's phrase table (src/paperkg/data/phrases.npz) from papercopilot abstracts.

    python corpus/phrase_counts.py MIRROR

MIRROR is a checkout or bare mirror of github.com/papercopilot/paperlists (as for
select_papers.py). Every venue file's papers are read (titles deduplicated, abstracts of
300-2,500 characters); left out are the annotated corpus (corpus/text/pool.jsonl, train
and test), the seed pages, the dev set and the bench/ sets, so that no paper the model
is trained or evaluated on counts its own phrases. Each abstract (title + abstract)
adds one to every phrase of one to four words it contains (paperkg.phrases.phrase_words).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import select_papers as sp  # noqa: E402

from paperkg.phrases import (  # noqa: E402
    DEFAULT_PATH,
    MAX_WORDS,
    MIN_COUNT,
    PhraseCounts,
    phrase_hash,
    phrase_words,
)


def abstracts(mirror: Path) -> list[str]:
    pool = sp.ROOT / "corpus" / "text" / "pool.jsonl"
    excluded = {sp.title_key(json.loads(line)["title"]) for line in pool.open(encoding="utf-8")}
    reserved = sp.reserved_text()
    files = subprocess.run(["git", "-C", str(mirror), "ls-tree", "-r", "--name-only", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.split()
    seen: set[str] = set()
    out = []
    for path in sorted(f for f in files if f.endswith(".json") and "/" in f):
        try:
            papers = sp.venue_papers(mirror, path)
        except subprocess.CalledProcessError:
            print(f"{path}: not in the mirror (a large file left out), skipped", file=sys.stderr)
            continue
        except (ValueError, AttributeError, TypeError):
            print(f"{path}: not a list of papers, skipped", file=sys.stderr)
            continue
        for p in papers:
            key = sp.title_key(p["title"])
            if key in seen or key in excluded or f" {key} " in reserved:
                continue
            seen.add(key)
            out.append(p["title"] + "\n" + p["abstract"])
    return out


def count(texts: list[str]) -> Counter:
    df: Counter = Counter()
    for text in texts:
        words = phrase_words(text)
        grams = set()
        for n in range(1, MAX_WORDS + 1):
            grams.update(phrase_hash(words[i:i + n]) for i in range(len(words) - n + 1))
        df.update(grams)
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    texts = abstracts(args.mirror)
    df = count(texts)
    kept = sorted((h, c) for h, c in df.items() if c >= MIN_COUNT)
    table = PhraseCounts(np.array([h for h, _ in kept], dtype=np.uint32),
                         np.array([c for _, c in kept], dtype=np.uint32), len(texts))
    table.save(args.out, {"source": "github.com/papercopilot/paperlists"})
    print(f"{len(texts)} abstracts, {len(kept)} phrases in at least {MIN_COUNT} -> {args.out}")


if __name__ == "__main__":
    main()
