"""The annotators' tool: show the next papers of a batch, validate and append annotations.

Usage:
  python corpus/annotate.py next BATCH [-n 5] [--second]   print the next unannotated papers
  python corpus/annotate.py add BATCH [--second] < FILE      validate JSON Lines and append
  python corpus/annotate.py status                           papers annotated per batch

BATCH is a file name under corpus/text/batches/ without ".jsonl" (e.g. train_003).
Annotations go to corpus/ann/<split>/<BATCH>.jsonl, or with --second (the independent
second annotation of the agreement study) to corpus/ann/double/<BATCH>.jsonl.
Each input line is {"id": ..., "entities": [{"name", "aliases", "types", "optional"}]}.
A line that fails a check is refused with the reason and nothing of it is written;
the other lines of the same call are kept.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEXT = ROOT / "text" / "batches"
ANN = ROOT / "ann"
TYPES = {"method", "dataset", "repo", "math"}
ENTITY_KEYS = {"name", "aliases", "types", "optional"}
REPO_URL = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.I)


def _load_norm():
    spec = importlib.util.spec_from_file_location(
        "reference_score", ROOT.parent / "tests" / "reference_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.norm


norm = _load_norm()


def batch_papers(batch: str) -> list[dict]:
    path = TEXT / f"{batch}.jsonl"
    if not path.exists():
        sys.exit(f"annotate: no batch {batch!r} (looked for {path})")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def ann_path(batch: str, second: bool) -> Path:
    folder = "double" if second else batch.split("_")[0]
    return ANN / folder / f"{batch}.jsonl"


def done_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {json.loads(line)["id"] for line in path.open(encoding="utf-8") if line.strip()}


def repos_in(text: str) -> set[str]:
    found = set()
    for owner, name in REPO_URL.findall(text.replace("\\_", "_")):  # LaTeX-escaped "_"
        name = re.sub(r"\.git$", "", name.rstrip("."))
        if name and owner.lower() not in {"orgs", "sponsors", "topics"}:  # not an account page
            found.add(f"{owner}/{name}".lower())
    return found


def check(record: object, papers: dict[str, dict], done: set[str]) -> list[str]:
    """Problems with one annotation record; empty when it may be written."""
    if not isinstance(record, dict) or set(record) != {"id", "entities"}:
        return ['a record is {"id": ..., "entities": [...]} and nothing else']
    pid = record["id"]
    if pid not in papers:
        return [f"id {pid!r} is not in this batch"]
    if pid in done:
        return [f"id {pid!r} is already annotated in this file"]
    if not isinstance(record["entities"], list):
        return ["entities must be a list"]
    paper = papers[pid]
    text = f"{paper['title']} {paper['abstract']}"
    problems, keys_seen, repos = [], {}, set()
    for i, ent in enumerate(record["entities"]):
        where = f"entity {i} ({ent.get('name') if isinstance(ent, dict) else ent!r})"
        if not isinstance(ent, dict) or set(ent) != ENTITY_KEYS:
            problems.append(f"{where}: keys must be exactly {sorted(ENTITY_KEYS)}")
            continue
        name, aliases, types, optional = (ent[k] for k in ("name", "aliases", "types", "optional"))
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: name must be a non-empty string")
            continue
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            problems.append(f"{where}: aliases must be a list of non-empty strings")
            continue
        if (not isinstance(types, list) or not types or len(set(types)) != len(types)
                or not set(types) <= TYPES):
            problems.append(f"{where}: types must be a non-empty list from {sorted(TYPES)}")
            continue
        if not isinstance(optional, bool):
            problems.append(f"{where}: optional must be true or false")
            continue
        if "repo" in types:
            repos.add(name.lower())
            if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", name):
                problems.append(f"{where}: a repo is named owner/name")
        for key in {norm(name)} | {norm(a) for a in aliases}:
            if key in keys_seen and keys_seen[key] != i:
                problems.append(f"{where}: {key!r} is also a name or alias of entity {keys_seen[key]}")
            keys_seen[key] = i
    for repo in repos_in(text) - repos:
        problems.append(f"the text links github.com/{repo} but no repo entity names it")
    return problems


def unseen(record: dict, paper: dict) -> list[str]:
    """Entities none of whose surface forms occurs in the text (a warning, not an error:
    canonical forms and standard variants may be absent)."""
    raw = f"{paper['title']} {paper['abstract']}"
    text, lower = norm(raw), raw.lower()
    out = []
    for ent in record["entities"]:
        forms = [ent["name"], *ent["aliases"]]
        if not any(norm(f) in text or f.lower() in lower for f in forms):
            out.append(ent["name"])
    return out


def cmd_next(args) -> None:
    papers = batch_papers(args.batch)
    done = done_ids(ann_path(args.batch, args.second))
    todo = [p for p in papers if p["id"] not in done]
    print(f"# {args.batch}: {len(done)} of {len(papers)} annotated; next {min(args.n, len(todo))}")
    for p in todo[: args.n]:
        print(json.dumps({"id": p["id"], "title": p["title"], "abstract": p["abstract"]},
                         ensure_ascii=False))


def cmd_add(args) -> None:
    papers = {p["id"]: p for p in batch_papers(args.batch)}
    path = ann_path(args.batch, args.second)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = done_ids(path)
    written = refused = 0
    with path.open("a", encoding="utf-8") as out:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                print(f"line {n}: refused: not JSON ({err})")
                refused += 1
                continue
            problems = check(record, papers, done)
            if problems:
                print(f"line {n}: refused: " + "; ".join(problems))
                refused += 1
                continue
            missing = unseen(record, papers[record["id"]])
            if missing:
                print(f"line {n}: note: not found in the text as written: {missing} "
                      "(fine for a canonical name or standard variant; else fix and re-add)")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            done.add(record["id"])
            written += 1
    print(f"{args.batch}: {written} written, {refused} refused; {len(done)} of {len(papers)} done")


def cmd_status(args) -> None:
    for batch in sorted(p.stem for p in TEXT.glob("*.jsonl")):
        total = len(batch_papers(batch))
        first, second = len(done_ids(ann_path(batch, False))), len(done_ids(ann_path(batch, True)))
        if first or second:
            print(f"{batch}: {first}/{total}" + (f", second {second}/{total}" if second else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("next")
    p.add_argument("batch")
    p.add_argument("-n", type=int, default=5)
    p.add_argument("--second", action="store_true")
    p.set_defaults(fn=cmd_next)
    p = sub.add_parser("add")
    p.add_argument("batch")
    p.add_argument("--second", action="store_true")
    p.set_defaults(fn=cmd_add)
    p = sub.add_parser("status")
    p.set_defaults(fn=cmd_status)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
