/**
 * fast-check generators of valid experiment configs (small, so each runs in milliseconds) and
 * of single-field corruptions of them.
 */
import fc from 'fast-check';

const delayArb = fc.oneof(
  fc.record({ kind: fc.constant('constant'), lag: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('uniform'), maxLag: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('geometric'), p: fc.double({ min: 0.05, max: 1, noNaN: true }), maxLag: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ kind: fc.constant('poisson'), lambda: fc.double({ min: 0.1, max: 5, noNaN: true }), maxLag: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('cmp'), lambda: fc.double({ min: 0.2, max: 5, noNaN: true }), nu: fc.double({ min: 0.3, max: 2, noNaN: true }), maxLag: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('pmf'), weights: fc.array(fc.double({ min: 0.1, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }) }),
);

const objectiveArb = (dMax: number) =>
  fc.oneof(
    fc.constant({ kind: 'toy' } as Record<string, unknown>),
    fc.integer({ min: 1, max: dMax }).chain((d) => fc.record({ kind: fc.constant('least-squares'), n: fc.integer({ min: Math.max(d, 4), max: 20 }), d: fc.constant(d), seed: fc.integer({ min: 0, max: 100 }) })),
    fc.integer({ min: 1, max: dMax }).chain((d) => fc.record({ kind: fc.constant('logistic'), n: fc.integer({ min: 4, max: 20 }), d: fc.constant(d), l2: fc.constant(0.05), seed: fc.integer({ min: 0, max: 100 }) })),
    fc.constant({ kind: 'expression', variables: ['x'], components: ['(x+1)^2', '(x-1)^2', 'x^2 + sin(x)'] } as Record<string, unknown>),
  );

const asgdArb = (dMax: number) =>
  objectiveArb(dMax).chain((objective) =>
    fc.record({
      objective: fc.constant(objective),
      x0: fc.double({ min: -3, max: 3, noNaN: true }),
      eta: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
      iterations: fc.integer({ min: 1, max: 150 }),
      batchSize: fc.integer({ min: 1, max: 2 }),
      sampling: fc.constantFrom('with-replacement', 'without-replacement'),
      delay: delayArb,
      beforeHistory: fc.constantFrom('clip', 'warmup', 'history'),
      schedule: fc.oneof(fc.constant({ kind: 'constant' }), fc.constant({ kind: 'inverse' }), fc.constant({ kind: 'inverse-sqrt' }), fc.constant({ kind: 'inverse-mu', mu: 2 })),
      saveEvery: fc.integer({ min: 1, max: 20 }),
    }),
  );

export const asgdConfigArb = fc.record({ kind: fc.constant('asgd'), seed: fc.integer({ min: 0, max: 1000 }), asgd: asgdArb(3) });

export const sddeConfigArb = fc.integer({ min: 1, max: 2 }).chain((d) =>
  fc.record({
    kind: fc.constant('sdde'),
    seed: fc.integer({ min: 0, max: 1000 }),
    sdde: fc.record({
      dim: fc.constant(d),
      drift: fc.constant(Array.from({ length: d }, (_, i) => (i === 0 ? '-y1 + 0.1*sin(t)' : `-x${i + 1} + 0.5*y1`))),
      diffusion: fc.oneof(
        fc.constant({ noise: 'none' }),
        fc.constant({ noise: 'diagonal', g: Array.from({ length: d }, () => '0.3') }),
        fc.constant({ noise: 'scalar', g: Array.from({ length: d }, (_, i) => `0.2*x${i + 1}`) }),
        fc.constant({ noise: 'full', g: Array.from({ length: d }, () => ['0.2', '0.1']) }),
      ),
      history: fc.double({ min: -2, max: 2, noNaN: true }),
      T: fc.constant(1),
      dt: fc.constantFrom(0.01, 0.02, 0.05),
      delay: fc.oneof(fc.constant({ kind: 'constant', tau: 0.1 }), fc.constant({ kind: 'time-varying', theta: '0.05 + 0.05*sin(t)', tau: 0.1 }), fc.record({ kind: fc.constant('random'), model: delayArb })),
      saveEvery: fc.integer({ min: 1, max: 10 }),
    }),
  }),
);

export const pairConfigArb = fc.record({
  kind: fc.constant('pair'),
  seed: fc.integer({ min: 0, max: 1000 }),
  asgd: asgdArb(1).map((a) => ({ ...a, objective: a.objective.kind === 'expression' ? { kind: 'toy' } : a.objective })),
  bridge: fc.record({
    coupling: fc.constantFrom('independent', 'shared-brownian', 'quantile'),
    sigma: fc.constantFrom('at-minimizer', 'state-dependent'),
    substeps: fc.integer({ min: 1, max: 3 }),
  }),
});

export const configArb = fc.oneof(asgdConfigArb, sddeConfigArb, pairConfigArb);

/** Every path to a value in a JSON tree (objects and arrays), e.g. ['asgd', 'delay', 'lag']. */
export function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

export const CORRUPTIONS = ['wrong-type-string', 'wrong-type-bool', 'wrong-type-object', 'null', 'NaN', '+Infinity', '-Infinity', 'negative', 'zero', 'huge', 'missing', 'unknown-field', 'malformed-expression', 'non-psd', 'mismatched-dimension'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** A deep copy of `config` with the value at `path` corrupted (or an unknown field added beside it). */
export function corrupt(config: unknown, path: (string | number)[], kind: Corruption): { config: unknown; path: string } {
  const copy = structuredClone(config) as Record<string, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path.at(-1)!;
  const old = parent[key];
  const bad: Record<Corruption, unknown> = {
    'wrong-type-string': 'abc',
    'wrong-type-bool': true,
    'wrong-type-object': { x: 1 },
    null: null,
    NaN: NaN,
    '+Infinity': Infinity,
    '-Infinity': -Infinity,
    negative: typeof old === 'number' ? -Math.abs(old) - 1 : -1,
    zero: 0,
    huge: 1e308,
    missing: undefined,
    'unknown-field': undefined,
    'malformed-expression': '(x + * 2',
    'non-psd': [[1, 2], [2, 1]],
    'mismatched-dimension': [1, 2, 3, 4, 5, 6, 7],
  };
  if (kind === 'unknown-field') {
    if (typeof old === 'object' && old !== null && !Array.isArray(old)) (old as Record<string, unknown>).bogusField = 1;
    else (parent as Record<string, unknown>)['bogusField'] = 1;
  } else if (kind === 'missing') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = bad[kind];
  return { config: copy, path: path.join('.') };
}
