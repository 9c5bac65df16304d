import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
self_t=collections.Counter()
dt=p['timeDeltas']; samples=p['samples']
for s,t in zip(samples,dt):
    n=nodes[s]; cf=n['callFrame']
    self_t[(cf['functionName'],cf['url'].split('/')[-1],cf['lineNumber'])]+=t
tot=sum(self_t.values())
for k,v in self_t.most_common(20): print(f"{v/tot*100:5.1f}% {k}")
