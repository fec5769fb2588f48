import json
from candidates import *
K = 8
out = open('input.jsonl', 'w')
for fn, rem in cands.items():
    n = len(rem)
    idx = [int((i + 0.5) * n / K) for i in range(K)]
    print(fn, n, idx)
    for i in idx:
        t, a = rem[i]
        out.write(json.dumps({'id': sid(t), 'source': fn, 'title': t, 'abstract': a}, ensure_ascii=False) + '\n')
out.close()
