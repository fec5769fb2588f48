"""Consistency checks for bench/heldout2 (stdlib only). Reads only input/gold of this set,
the seed pages, and the TITLES of the dev input and earlier held-out input files."""
import json, re, hashlib, os, collections, sys
HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = '/work/main/seeds'
def ws(s): return re.sub(r'\s+', ' ', s).strip()
def norm(t): return re.sub(r'[^a-z0-9]+', ' ', t.lower()).strip()
ok = True
def fail(*a):
    global ok; ok = False; print('FAIL', *a)
inp = [json.loads(l) for l in open(os.path.join(HERE, 'input.jsonl'))]     # every line parses
gold = [json.loads(l) for l in open(os.path.join(HERE, 'gold.jsonl'))]
assert len(inp) == len(gold) == 40, (len(inp), len(gold))
seed_text = {fn: ws(open(os.path.join(SEEDS, fn), encoding='utf-8').read()) for fn in os.listdir(SEEDS)}
# earlier sets: titles only
prev = {}
for p in ['/work/shared/gold/dev_input.jsonl', '/work/main/bench/heldout/input.jsonl',
          '/work/main/bench/heldout/extra_github_input.jsonl']:
    for l in open(p):
        d = json.loads(l); prev[norm(d['title'])] = p; prev.setdefault('#id' + d['id'], p)
ids = set()
for d, g in zip(inp, gold):
    if set(d) != {'id', 'source', 'title', 'abstract'}: fail('input keys', d['id'])
    if set(g) != {'id', 'title', 'entities'}: fail('gold keys', g['id'])
    if d['id'] != g['id'] or d['title'] != g['title']: fail('id/title mismatch', d['id'], g['id'])
    if d['id'] != hashlib.sha1(d['title'].lower().encode()).hexdigest()[:10]: fail('id hash', d['id'])
    if d['id'] in ids: fail('dup id', d['id'])
    ids.add(d['id'])
    st = seed_text[d['source']]
    if ws(d['title']) != d['title'] or ws(d['abstract']) != d['abstract']: fail('not ws-collapsed', d['id'])
    if d['title'] not in st: fail('title not in seed', d['id'])
    if d['abstract'] not in st: fail('abstract not in seed', d['id'])
    n = norm(d['title'])
    if n in prev: fail('title in earlier set', d['id'], prev[n])
    if '#id' + d['id'] in prev: fail('id in earlier set', d['id'])
    if n.startswith('controlgym') or n.startswith('s2snet'): fail('guideline example', d['id'])
    seen = {}
    for e in g['entities']:
        if set(e) != {'name', 'aliases', 'types', 'optional'}: fail('entity keys', g['id'], e)
        if not e['types'] or any(t not in ('method', 'dataset', 'repo', 'math') for t in e['types']): fail('types', g['id'], e['name'])
        if not isinstance(e['optional'], bool) or not isinstance(e['aliases'], list): fail('field types', g['id'], e['name'])
        for f in {norm(x) for x in [e['name']] + e['aliases']}:
            if f in seen: fail('shared normalised form', g['id'], repr(f), seen[f], e['name'])
            seen[f] = e['name']
    text = d['title'] + ' ' + d['abstract']
    repos = {e['name'].lower() for e in g['entities'] if 'repo' in e['types']}
    for m in re.finditer(r'github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)', text):
        r = (m.group(1) + '/' + re.sub(r'(\.git)?[.,;:)]*$', '', m.group(2))).lower()
        if r not in repos: fail('github url not annotated', g['id'], r)
    if len(repos) != len(set(re.findall(r'github\.com/', text))) and repos: fail('repo count', g['id'])
print('files:', collections.Counter(d['source'] for d in inp))
c = collections.Counter()
for g in gold:
    for e in g['entities']:
        for t in e['types']: c[(t, e['optional'])] += 1
print('papers', len(gold), 'entities', sum(len(g['entities']) for g in gold),
      'with github.com:', sum('github.com' in d['abstract'] for d in inp))
for t in ('method', 'dataset', 'repo', 'math'):
    print(f'{t:8s} required {c[(t, False)]:4d} optional {c[(t, True)]:4d}')
print('two-type entities:', sum(len(e['types']) > 1 for g in gold for e in g['entities']))
print('ALL CHECKS PASSED' if ok else 'CHECKS FAILED'); sys.exit(0 if ok else 1)
