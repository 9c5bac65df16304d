/**
 * SDDEs from JSON, with coefficients as mathjs expressions in
 *   t, x1…xd (X(t)), y1…yd (X(t−θ)); for d = 1 also x and y.
 * drift: d expressions; diffusion: {"noise": "none"} or {"noise": "scalar"|"diagonal", "g": d
 * expressions} or {"noise": "full", "g": d rows of m expressions}. Expressions are compiled once;
 * evaluating them is the slow path (library users pass TypeScript functions instead). Every
 * expression is checked against the whitelist of src/core/expression-guard.ts first.
 */
import type { EvalFunction } from 'mathjs';
import { ConfigError, describe, withFieldPrefix } from '../core/errors.ts';
import { compileChecked, parseChecked } from '../core/expression-guard.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import { defineSdde, type CoefficientFn, type DelaySpec, type HistorySpec, type SddeProblem } from '../sdde/problem.ts';

function variableNames(d: number): string[] {
  const names = ['t'];
  for (let i = 1; i <= d; i++) names.push(`x${i}`, `y${i}`);
  if (d === 1) names.push('x', 'y');
  return names;
}

function compileExpr(src: unknown, field: string, allowed: Set<string>): EvalFunction {
  if (typeof src !== 'string' && typeof src !== 'number') throw new ConfigError(field, `must be an expression string or a number, got ${describe(src)}`);
  return compileChecked(parseChecked(String(src), field, allowed));
}

function exprVector(value: unknown, field: string, length: number, allowed: Set<string>): EvalFunction[] {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be an array of ${length} expressions, got ${describe(value)}`);
  if (value.length !== length) throw new ConfigError(field, `must have ${length} entries, got ${value.length}`);
  return value.map((v, i) => compileExpr(v, `${field}[${i}]`, allowed));
}

function isNumericTree(v: unknown): boolean {
  if (typeof v === 'number') return true;
  return Array.isArray(v) && v.length > 0 && v.every(isNumericTree);
}

export function sddeFromSpec(input: unknown, field = 'sdde'): { problem: SddeProblem; dt: number } {
  const s = plainObject(input, field);
  knownFields(s, field, ['dim', 'drift', 'diffusion', 'history', 't0', 'T', 'dt', 'delay', 'beforeHistory', 'saveEvery']);
  const d = integer(s.dim, `${field}.dim`, { min: 1, max: 10_000 });
  const allowed = new Set(variableNames(d));
  // drift: d expressions, or {"linear": {"x": A, "y": B, "c": c}} for f = A X(t) + B X(t−θ) + c
  // (evaluated inline by the stepper: the fast path)
  const linear = typeof s.drift === 'object' && s.drift !== null && !Array.isArray(s.drift) ? (s.drift as { linear?: unknown }) : null;
  if (linear) knownFields(linear as Record<string, unknown>, `${field}.drift`, ['linear']);
  const drift = linear ? [] : exprVector(s.drift, `${field}.drift`, d, allowed);
  const scope: Record<string, number> = {};
  const xNames = Array.from({ length: d }, (_, i) => `x${i + 1}`);
  const yNames = Array.from({ length: d }, (_, i) => `y${i + 1}`);
  const bind = (t: number, x: Float64Array, y: Float64Array) => {
    scope.t = t;
    for (let i = 0; i < d; i++) {
      scope[xNames[i]] = x[i];
      scope[yNames[i]] = y[i];
    }
    if (d === 1) {
      scope.x = x[0];
      scope.y = y[0];
    }
  };
  const evalInto = (fs: EvalFunction[], out: Float64Array) => {
    for (let i = 0; i < fs.length; i++) {
      // a complex value or a mathjs runtime error ends the run as 'diverged', not with an exception
      let v: unknown;
      try {
        v = fs[i].evaluate(scope);
      } catch {
        v = NaN;
      }
      out[i] = typeof v === 'number' ? v : NaN;
    }
  };
  const driftFn: CoefficientFn = (t, x, y, out) => {
    bind(t, x, y);
    evalInto(drift, out);
  };
  const dif = plainObject(s.diffusion ?? { noise: 'none' }, `${field}.diffusion`);
  const noise = oneOf(dif.noise, `${field}.diffusion.noise`, ['none', 'scalar', 'diagonal', 'full'] as const);
  let diffusion;
  if (noise === 'none') {
    knownFields(dif, `${field}.diffusion`, ['noise']);
    diffusion = { noise } as const;
  } else if (isNumericTree(dif.g)) {
    // numbers, not expressions: a constant diffusion, evaluated without mathjs (the fast path)
    knownFields(dif, `${field}.diffusion`, ['noise', 'g']);
    diffusion = { noise, g: dif.g } as never;
  } else if (noise === 'full') {
    knownFields(dif, `${field}.diffusion`, ['noise', 'g']);
    if (!Array.isArray(dif.g) || dif.g.length !== d) throw new ConfigError(`${field}.diffusion.g`, `must be ${d} rows of expressions, got ${describe(dif.g)}`);
    const m = Array.isArray(dif.g[0]) ? dif.g[0].length : 0;
    if (m < 1) throw new ConfigError(`${field}.diffusion.g[0]`, 'must be a non-empty row of expressions');
    const rows = dif.g.map((r: unknown, i: number) => exprVector(r, `${field}.diffusion.g[${i}]`, m, allowed)).flat();
    diffusion = {
      noise,
      noiseDim: m,
      g: (t: number, x: Float64Array, y: Float64Array, out: Float64Array) => {
        bind(t, x, y);
        evalInto(rows, out);
      },
    } as const;
  } else {
    knownFields(dif, `${field}.diffusion`, ['noise', 'g']);
    const g = exprVector(dif.g, `${field}.diffusion.g`, d, allowed);
    diffusion = {
      noise,
      g: (t: number, x: Float64Array, y: Float64Array, out: Float64Array) => {
        bind(t, x, y);
        evalInto(g, out);
      },
    } as const;
  }
  let delay: DelaySpec = { kind: 'none' };
  if (s.delay !== undefined) {
    const dl = plainObject(s.delay, `${field}.delay`);
    const kind = oneOf(dl.kind, `${field}.delay.kind`, ['none', 'constant', 'random', 'time-varying'] as const);
    if (kind === 'random') {
      knownFields(dl, `${field}.delay`, ['kind', 'model']);
      delay = { kind, model: dl.model as never };
    } else if (kind === 'time-varying') {
      // θ(t) as an expression in t, with its bound τ; checked on the whole grid before any step.
      knownFields(dl, `${field}.delay`, ['kind', 'theta', 'tau']);
      const theta = compileExpr(dl.theta, `${field}.delay.theta`, new Set(['t']));
      const thetaScope = { t: 0 };
      delay = {
        kind,
        theta: (t: number) => {
          thetaScope.t = t;
          // a mathjs runtime error is a θ(t) outside [0, τ]: refused on the grid check before any step
          try {
            const v = theta.evaluate(thetaScope);
            return typeof v === 'number' ? v : NaN;
          } catch {
            return NaN;
          }
        },
        tau: dl.tau as number,
      };
    } else delay = dl as DelaySpec;
  }
  const problem = withFieldPrefix('problem', field, () => defineSdde({
    dim: d,
    drift: linear ? ({ linear: linear.linear } as never) : driftFn,
    diffusion: diffusion as never,
    history: (s.history ?? 0) as HistorySpec,
    ...(s.t0 !== undefined ? { t0: s.t0 as number } : {}),
    T: s.T as number,
    delay,
    ...(s.beforeHistory !== undefined ? { beforeHistory: s.beforeHistory as never } : {}),
  }));
  return { problem, dt: s.dt as number };
}
