const m = require('mathjs');
const math = m.create(m.all, {});
for (const N of [1000, 2000, 4000, 8000]) {
  const src = Array.from({length: N}, (_, i) => `w${i%50}*a${i%50}`).join(' + ');
  const t0 = Date.now();
  try {
    const n = math.parse(src);
    const f = n.compile();
    const scope = {}; for (let i = 0; i < 50; i++) { scope['w'+i] = 0.1; scope['a'+i] = 1; }
    f.evaluate(scope);
    const d = math.derivative(n, 'w0');
    d.compile().evaluate(scope);
    console.log(N, 'ok', Date.now() - t0, 'ms', src.length, 'chars');
  } catch (e) { console.log(N, 'ERR', e.message.slice(0, 60)); }
}
