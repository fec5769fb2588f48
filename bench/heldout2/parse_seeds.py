import json, re, hashlib, os, sys
SEEDS = '/work/main/seeds'
DATE = re.compile(r'^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}$')
def ws(s): return re.sub(r'\s+', ' ', s).strip()
def norm(t): return re.sub(r'[^a-z0-9]+', ' ', t.lower()).strip()
def sid(t): return hashlib.sha1(t.lower().encode()).hexdigest()[:10]
def parse(fn):
    lines = []
    for l in open(os.path.join(SEEDS, fn), encoding='utf-8'):
        l = ws(l)
        if not l: continue
        if l.startswith('Get trending papers'): continue
        if l in ('new', 'Subscribe', 'byAK and the research community'): continue
        if DATE.match(l): continue
        if l.startswith('Subscribe'): l = l[len('Subscribe'):]
        lines.append(l)
    assert len(lines) % 2 == 0, (fn, len(lines))
    return [(lines[i], lines[i+1]) for i in range(0, len(lines), 2)]
if __name__ == '__main__':
    for fn in sorted(os.listdir(SEEDS)):
        ps = parse(fn)
        print(fn, len(ps))
        for t, a in ps:
            if len(t) > 300 or len(a) < 200: print('  SUSPECT', repr(t[:80]), len(a))
