import { generatedLogistic } from '../src/index.ts';
const o = generatedLogistic({ n: 10000, d: 20, seed: 1 });
const x = Float64Array.from(o.minimizer!); const g = new Float64Array(20);
for (let i = 0; i < 50; i++) o.gradient(x, g);
const c0 = process.cpuUsage();
for (let i = 0; i < 500; i++) { x[0] += 1e-9; o.gradient(x, g); }
const c = process.cpuUsage(c0);
console.log('logistic gradient n=1e4 d=20:', ((c.user + c.system) / 500).toFixed(0), 'µs cpu');
