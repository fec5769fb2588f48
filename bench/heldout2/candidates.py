import json, os
from parse_seeds import *
excl = set()
for p in ['/work/shared/gold/dev_input.jsonl', '/work/main/bench/heldout/input.jsonl', '/work/main/bench/heldout/extra_github_input.jsonl']:
    n=0
    for l in open(p):
        excl.add(norm(json.loads(l)['title'])); n+=1
    print(p, n)
def excluded(t):
    n = norm(t)
    return n in excl or n.startswith('controlgym') or n.startswith('s2snet')
seen = set(); cands = {}
for fn in sorted(os.listdir(SEEDS)):
    ps = parse(fn); rem = []
    for t, a in ps:
        n = norm(t)
        if excluded(t): continue
        if n in seen: continue   # duplicate of an earlier occurrence (earlier file / earlier in file)
        seen.add(n); rem.append((t, a))
    cands[fn] = rem
    print(fn, len(ps), 'remaining unique new:', len(rem))
