/**
 * SDDEs from JSON, with coefficients as mathjs expressions in
 *   t, x1…xd (X(t)), y1…yd (X(t−θ)); for d = 1 also x and y.
 * With several delays ("delay": {"kind": "several", "delays": [...]}) the delayed variables are
 * y{i}_{q} = X_i(t − θ_q) (for d = 1 also y_{q}); with one delay per coordinate
 * ("kind": "per-coordinate") y{i} = X_i(t − θ_i).
 * drift: d expressions; diffusion: {"noise": "none"} or {"noise": "scalar"|"diagonal", "g": d
 * expressions} or {"noise": "full", "g": d rows of m expressions}. Expressions are compiled once;
 * evaluating them is the slow path (library users pass TypeScript functions instead). Every
 * expression is checked against the whitelist of src/core/expression-guard.ts first.
 * Events: {"condition": expression in t and x…, "direction"?, "action"?, "maxRecords"?, "name"?}.
 */
import type { EvalFunction } from 'mathjs';
import { ConfigError, describe, withFieldPrefix } from '../core/errors.ts';
import { compileChecked, parseChecked } from '../core/expression-guard.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import type { EventSpec } from '../sdde/events.ts';
import { MAX_DELAYS } from '../sdde/problem-compile.ts';
import { defineSdde, type CoefficientFn, type DelaySpec, type HistorySpec, type SddeProblem, type SingleDelaySpec } from '../sdde/problem.ts';


/** The expression names of X(t) and of the delayed argument, in xLag order. */
function variableNames(d: number, delays: number): { x: string[]; y: string[][]; all: string[] } {
  const x = Array.from({ length: d }, (_, i) => `x${i + 1}`);
  // y[slot] = the names bound to xLag[slot]
  const y: string[][] = [];
  if (delays === 0) for (let i = 1; i <= d; i++) y.push(d === 1 ? [`y${i}`, 'y'] : [`y${i}`]);
  else for (let q = 1; q <= delays; q++) for (let i = 1; i <= d; i++) y.push(d === 1 ? [`y${i}_${q}`, `y_${q}`] : [`y${i}_${q}`]);
  const all = ['t', ...x, ...y.flat(), ...(d === 1 ? ['x'] : [])];
  return { x, y, all };
}

function singleDelay(value: unknown, field: string): SingleDelaySpec {
  const dl = plainObject(value, field);
  const kind = oneOf(dl.kind, `${field}.kind`, ['none', 'constant', 'random', 'time-varying'] as const);
  if (kind === 'random') {
    knownFields(dl, field, ['kind', 'model']);
    return { kind, model: dl.model as never };
  }
  if (kind === 'time-varying') {
    // θ(t) as an expression in t, with its bound τ; checked on the whole grid before any step.
    knownFields(dl, field, ['kind', 'theta', 'tau']);
    const theta = compileExpr(dl.theta, `${field}.theta`, new Set(['t']));
    const thetaScope = { t: 0 };
    return {
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
  }
  return dl as SingleDelaySpec;
}

function delayFromSpec(value: unknown, field: string): DelaySpec {
  const dl = plainObject(value, field);
  oneOf(dl.kind, `${field}.kind`, ['none', 'constant', 'random', 'time-varying', 'several', 'per-coordinate'] as const);
  if (dl.kind === 'several') {
    knownFields(dl, field, ['kind', 'delays']);
    if (!Array.isArray(dl.delays) || dl.delays.length === 0 || dl.delays.length > MAX_DELAYS) throw new ConfigError(`${field}.delays`, `must be an array of 1 to ${MAX_DELAYS} delays, got ${describe(dl.delays)}`);
    return { kind: 'several', delays: dl.delays.map((c, i) => singleDelay(c, `${field}.delays[${i}]`)) };
  }
  if (dl.kind === 'per-coordinate') {
    knownFields(dl, field, ['kind', 'delays', 'model']);
    if (dl.model !== undefined && dl.delays === undefined) return { kind: 'per-coordinate', model: dl.model as never };
    if (!Array.isArray(dl.delays)) throw new ConfigError(`${field}.delays`, `must be an array of one delay per coordinate, got ${describe(dl.delays)}`);
    return { kind: 'per-coordinate', delays: dl.delays.map((c, i) => singleDelay(c, `${field}.delays[${i}]`)) };
  }
  return singleDelay(dl, field);
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

export const SDDE_SPEC_FIELDS = ['dim', 'drift', 'diffusion', 'history', 't0', 'T', 'dt', 'delay', 'beforeHistory', 'saveEvery', 'algorithm', 'interpolation', 'events'];

export function sddeFromSpec(input: unknown, field = 'sdde'): { problem: SddeProblem; dt: number; events?: EventSpec[] } {
  const s = plainObject(input, field);
  knownFields(s, field, SDDE_SPEC_FIELDS);
  const d = integer(s.dim, `${field}.dim`, { min: 1, max: 10_000 });
  const delay: DelaySpec = s.delay === undefined ? { kind: 'none' } : delayFromSpec(s.delay, `${field}.delay`);
  const names = variableNames(d, delay.kind === 'several' ? delay.delays.length : 0);
  const allowed = new Set(names.all);
  // drift: d expressions, or {"linear": {"x": A, "y": B, "c": c}} for f = A X(t) + B X(t−θ) + c
  // (evaluated inline by the stepper: the fast path)
  const linear = typeof s.drift === 'object' && s.drift !== null && !Array.isArray(s.drift) ? (s.drift as { linear?: unknown }) : null;
  if (linear) knownFields(linear as Record<string, unknown>, `${field}.drift`, ['linear']);
  const drift = linear ? [] : exprVector(s.drift, `${field}.drift`, d, allowed);
  const scope: Record<string, number> = {};
  const xNames = names.x;
  const yNames = names.y;
  const bind = (t: number, x: Float64Array, y: Float64Array) => {
    scope.t = t;
    for (let i = 0; i < d; i++) scope[xNames[i]] = x[i];
    for (let j = 0; j < yNames.length; j++) for (const nm of yNames[j]) scope[nm] = y[j];
    if (d === 1) scope.x = x[0];
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
  let events: EventSpec[] | undefined;
  if (s.events !== undefined) {
    if (!Array.isArray(s.events) || s.events.length === 0) throw new ConfigError(`${field}.events`, `must be a non-empty array of events, got ${describe(s.events)}`);
    const eventNames = new Set(['t', ...xNames, ...(d === 1 ? ['x'] : [])]);
    events = s.events.map((raw, i) => {
      const e = plainObject(raw, `${field}.events[${i}]`);
      knownFields(e, `${field}.events[${i}]`, ['condition', 'direction', 'action', 'maxRecords', 'name']);
      const cond = compileExpr(e.condition, `${field}.events[${i}].condition`, eventNames);
      const eScope: Record<string, number> = {};
      const { condition: _c, ...rest } = e;
      return {
        ...(rest as object),
        condition: (t: number, x: Float64Array) => {
          eScope.t = t;
          for (let j = 0; j < d; j++) eScope[xNames[j]] = x[j];
          if (d === 1) eScope.x = x[0];
          let v: unknown;
          try {
            v = cond.evaluate(eScope);
          } catch {
            v = NaN;
          }
          return typeof v === 'number' ? v : NaN;
        },
      } as EventSpec;
    });
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
  return { problem, dt: s.dt as number, ...(events ? { events } : {}) };
}
