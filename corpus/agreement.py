"""Inter-annotator agreement on the double-annotated batches.

Usage: python corpus/agreement.py

For every paper annotated twice (corpus/ann/double/BATCH against the first annotation,
corpus/ann/<draw>/BATCH), one annotation is scored as predictions (its required
entities, first type) against the other as gold with the reference scorer
(tests/reference_score.py, a copy of ../shared/gold/score.py), both ways round; the
figure is the mean of the two micro F1, over all papers and per draw.
Needs only the annotation files, not the abstracts.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _scorer():
    spec = importlib.util.spec_from_file_location(
        "reference_score", ROOT.parent / "tests" / "reference_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def _read(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.open(encoding="utf-8"))}


def _as_gold(records: list[dict]) -> list[dict]:
    return [{"id": r["id"], "title": r["id"], "entities": r["entities"]} for r in records]


def _as_pred(records: list[dict]) -> list[dict]:
    return [{"id": r["id"], "title": r["id"],
             "entities": [{"name": e["name"], "aliases": e["aliases"], "type": e["types"][0]}
                          for e in r["entities"] if not e["optional"]]} for r in records]


def main() -> None:
    score = _scorer()
    pairs: dict[str, tuple[list, list]] = {}
    for path in sorted((ROOT / "ann" / "double").glob("*.jsonl")):
        draw = path.name.split("_")[0]  # train, train4, ...: the first annotation's folder
        a, b = _read(ROOT / "ann" / draw / path.name), _read(path)
        first, second = pairs.setdefault(draw, ([], []))
        for pid in sorted(set(a) & set(b)):
            first.append(a[pid])
            second.append(b[pid])
    everything = ([r for f, _ in pairs.values() for r in f],
                  [r for _, s in pairs.values() for r in s])
    for label, (first, second) in [("all", everything), *sorted(pairs.items())]:
        if label != "all" and len(pairs) == 1:
            break
        one = score(_as_gold(first), _as_pred(second))
        two = score(_as_gold(second), _as_pred(first))
        print(f"{label}: {len(first)} papers annotated twice")
        for what in ("micro", "untyped"):
            f1 = (one[what]["f1"] + two[what]["f1"]) / 2
            print(f"  {what:8s} F1 {f1:.3f} (first as gold {one[what]['f1']:.3f}, "
                  f"second as gold {two[what]['f1']:.3f})")
        print("  " + ", ".join(f"{t} {(one['types'][t]['f1'] + two['types'][t]['f1']) / 2:.3f}"
                               for t in ("method", "dataset", "repo", "math")))


if __name__ == "__main__":
    main()
