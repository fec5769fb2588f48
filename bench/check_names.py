"""Check a build's entity names and aliases for unbalanced brackets.

Reads the entities of ``kg.graphml`` (through its query store when current) and lists
every name or alias whose ``()``, ``[]`` or ``{}`` do not pair up. Exit code 1 when
any is found, so it can gate a release run on a real corpus.

Usage::

    paperkg build real20k.jsonl -o graphs/20k
    python bench/check_names.py graphs/20k/kg.graphml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["unbalanced", "main"]

_CLOSING = {"(": ")", "[": "]", "{": "}"}


def unbalanced(text: str) -> bool:
    """True when the brackets of ``text`` do not pair up in order."""
    stack: list[str] = []
    for char in text:
        if char in _CLOSING:
            stack.append(_CLOSING[char])
        elif char in _CLOSING.values() and (not stack or stack.pop() != char):
            return True
    return bool(stack)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("graph", type=Path, help="kg.graphml written by paperkg build")
    opts = parser.parse_args()
    from paperkg.kg import KnowledgeGraph

    kg = KnowledgeGraph.load(opts.graph)
    top = kg.top_entities(n=10**9)
    names = [(c.entity.id, text) for c in top for text in (c.entity.name, *c.entity.aliases)]
    bad = [(ident, text) for ident, text in names if unbalanced(text)]
    print(f"{len(top)} entities, {len(names)} names and aliases, {len(bad)} unbalanced")
    for ident, text in bad:
        print(f"  {ident}: {text!r}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
