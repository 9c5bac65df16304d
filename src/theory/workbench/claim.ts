/**
 * A claim to check on the workbench: what a paper (or you) predicts, how to measure it, and what
 * kind of statement it is. `prepareClaim` validates everything before any work and compiles an
 * expression prediction with the restricted mathjs (src/core/expression-guard.ts), so a JSON claim
 * can state its prediction as text.
 */
import { ConfigError, describe } from '../../core/errors.ts';
import { compileChecked, parseChecked } from '../../core/expression-guard.ts';
import { finiteNumber, integer, knownFields, nonNegativeNumber, oneOf, plainObject, seedValue } from '../../core/validate.ts';
import type { EnsembleResult, EnsembleSource } from '../../stats/ensemble.ts';
import { prepareSweep, type PreparedSweep, type SweepSpec } from '../../sweep/sweep.ts';

/** Parameter values of one grid point, by name. */
export type Params = Record<string, number>;

/**
 * A measurement at one grid point: a value and its standard error (with `df` degrees of freedom
 * when the SE comes from few replicates; omitted: normal quantiles), or the replicate values
 * themselves (mean, SE = sd/√n, df = n − 1 are then computed).
 */
export type MeasuredValue = { value: number; se: number; df?: number } | number[];

/** The experiment behind a claim. */
export type ClaimExperiment =
  | {
      /** Your own measurement: a function of the parameters (it may run ensembles, simulations, …). */
      kind: 'measure';
      grid: Record<string, number[]>;
      /** Measure at one grid point: a value with its SE (and df), or replicate values. */
      measure: (params: Params, context: { seed: number; point: number }) => MeasuredValue | Promise<MeasuredValue>;
    }
  | {
      /** A runSweep spec: the measured quantity is its metric, the parameters its numeric grid keys. */
      kind: 'sweep';
      sweep: SweepSpec;
      /**
       * Names for the grid keys in predictions; default the last segment of each dotted path
       * ("asgd.eta" → eta, "asgd.delay.lag" → lag).
       */
      names?: Record<string, string>;
    }
  | {
      /** An ensemble per grid point (a model, module or config source) and a statistic of its result. */
      kind: 'ensemble';
      grid: Record<string, number[]>;
      /** The ensemble to run at one grid point. */
      source: (params: Params) => EnsembleSource;
      paths: number;
      /** The measured value (with its SE) from a grid point's ensemble. */
      statistic: (result: EnsembleResult, params: Params) => MeasuredValue;
    };

/**
 * The kinds of claim the workbench checks: 'upper-bound', 'lower-bound', 'equal' (within a tolerance) and
 * 'scaling' (an exponent).
 */
export const CLAIM_KINDS = ['upper-bound', 'lower-bound', 'equal', 'scaling'] as const;
/**
 * One of {@link CLAIM_KINDS}.
 */
export type ClaimKind = (typeof CLAIM_KINDS)[number];

/** A claim: a prediction, an experiment, the measured quantity and the claim's kind. */
export interface Claim {
  /** The row's theorem column: paper and result, e.g. "Lian et al. 2015, Thm 1". */
  name: string;
  /** The measured quantity in words (the row's quantity column and the figure's y axis). */
  quantity: string;
  kind: ClaimKind;
  /**
   * The prediction as a function of the parameters and your constants, or an expression in their
   * names (restricted mathjs: arithmetic, exp, log, sqrt, min, max, …). For 'scaling' it may be
   * omitted: the claim is then only the exponent.
   */
  prediction?: string | ((params: Params, constants: Record<string, number>) => number);
  /** Constants the prediction uses (names must not clash with parameters). */
  constants?: Record<string, number>;
  /** 'equal': the allowed difference |measured − predicted| ≤ absolute + relative·|predicted| beyond sampling error; default 0. */
  tolerance?: { absolute?: number; relative?: number };
  /**
   * 'scaling': the exponent p of measured ∝ parameter^p, fitted on a log–log scale for each
   * combination of the other parameters; relation 'equal' (default), 'at-most' or 'at-least'.
   */
  scaling?: { parameter: string; exponent: number; relation?: 'equal' | 'at-most' | 'at-least' };
  experiment: ClaimExperiment;
  /** Master seed handed to the experiment; default 1. */
  seed?: number;
  /** Where the claim comes from (shown in the notes), e.g. a citation. */
  source?: string;
  /** Axis labels for parameters, e.g. { lag: 'delay l' }. */
  labels?: Record<string, string>;
}

/** A validated claim: its grid points with parameter values, and the prediction compiled. */
export interface PreparedClaim {
  claim: Claim;
  seed: number;
  names: string[];
  points: Params[];
  /** Parameters set together with each one (a sweep's zipped key "a.b,c.d"): one axis of the grid. */
  linked: Record<string, string[]>;
  /** The prediction as a compiled function of the parameters (absent: a 'scaling' claim without one). */
  predict?: (params: Params) => number;
  sweep?: PreparedSweep;
}

const FIELDS = ['name', 'quantity', 'kind', 'prediction', 'constants', 'tolerance', 'scaling', 'experiment', 'seed', 'source', 'labels'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function numericGrid(input: unknown, field: string): Record<string, number[]> {
  const g = plainObject(input, field);
  const keys = Object.keys(g);
  if (keys.length === 0) throw new ConfigError(field, 'must name at least one parameter, e.g. {"m": [2, 4, 8]}');
  for (const k of keys) {
    if (!NAME.test(k)) throw new ConfigError(`${field}.${k}`, 'a parameter name must be an identifier (letters, digits, _), usable in a prediction expression');
    const v = g[k];
    if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`${field}.${k}`, `must be a non-empty array of numbers, got ${describe(v)}`);
    v.forEach((x, i) => finiteNumber(x, `${field}.${k}[${i}]`));
  }
  return g as Record<string, number[]>;
}

/** The Cartesian product of a grid, first key slowest (as sweeps order their points). */
function product(grid: Record<string, number[]>): Params[] {
  const keys = Object.keys(grid);
  const out: Params[] = [];
  const total = keys.reduce((n, k) => n * grid[k].length, 1);
  for (let index = 0; index < total; index++) {
    let r = index;
    const p: Params = {};
    for (let j = keys.length - 1; j >= 0; j--) {
      const vs = grid[keys[j]];
      p[keys[j]] = vs[r % vs.length];
      r = Math.floor(r / vs.length);
    }
    out.push(Object.fromEntries(keys.map((k) => [k, p[k]])));
  }
  return out;
}

/**
 * Validates a claim (every field, every grid point, the prediction at every point) before any
 * work. Errors are ConfigErrors naming the field, e.g. "claim.scaling.parameter".
 * Example: `prepareClaim({ name: 'Aji Table 3', quantity: 'mean staleness', kind: 'equal', prediction: '(N - 1)/G', experiment: { kind: 'measure', grid: { N: [4], G: [2] }, measure: … } })`.
 */
export function prepareClaim(input: Claim | unknown): PreparedClaim {
  const c = plainObject(input, 'claim');
  knownFields(c, 'claim', FIELDS);
  if (typeof c.name !== 'string' || !c.name.trim()) throw new ConfigError('claim.name', `must be a non-empty string, got ${describe(c.name)}`);
  if (typeof c.quantity !== 'string' || !c.quantity.trim()) throw new ConfigError('claim.quantity', `must be a non-empty string, got ${describe(c.quantity)}`);
  const kind = oneOf(c.kind, 'claim.kind', CLAIM_KINDS);
  const seed = c.seed === undefined ? 1 : seedValue(c.seed, 'claim.seed');
  const constants: Record<string, number> = {};
  if (c.constants !== undefined) {
    const k = plainObject(c.constants, 'claim.constants');
    for (const [name, v] of Object.entries(k)) {
      if (!NAME.test(name)) throw new ConfigError(`claim.constants.${name}`, 'a constant name must be an identifier');
      constants[name] = finiteNumber(v, `claim.constants.${name}`);
    }
  }
  const e = plainObject(c.experiment, 'claim.experiment');
  const ekind = oneOf(e.kind, 'claim.experiment.kind', ['measure', 'sweep', 'ensemble'] as const);
  let names: string[];
  let points: Params[];
  let sweep: PreparedSweep | undefined;
  const linked: Record<string, string[]> = {};
  if (ekind === 'sweep') {
    knownFields(e, 'claim.experiment', ['kind', 'sweep', 'names']);
    sweep = prepareSweep(e.sweep);
    const alias = e.names === undefined ? {} : (plainObject(e.names, 'claim.experiment.names') as Record<string, unknown>);
    const fields = sweep.keys.flatMap((k) => k.split(',').map((q) => q.trim()));
    names = fields.map((f) => {
      const n = alias[f] ?? f.split('.').at(-1);
      if (typeof n !== 'string' || !NAME.test(n)) throw new ConfigError(`claim.experiment.names.${f}`, `must be an identifier, got ${describe(n)}`);
      return n;
    });
    let at = 0;
    for (const k of sweep.keys) {
      const group = names.slice(at, (at += k.split(',').length));
      for (const n of group) linked[n] = group;
    }
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new ConfigError('claim.experiment.names', `two grid keys are both named ${JSON.stringify(dup)}: name them apart, e.g. {"${fields[names.indexOf(dup)]}": "…"}`);
    points = sweep.points.map((p) => {
      const flat = sweep!.keys.flatMap((k, j) => (k.includes(',') ? (p.values[j] as unknown[]) : [p.values[j]]));
      return Object.fromEntries(flat.map((v, i) => [names[i], finiteNumber(v, `claim.experiment.sweep.grid (point ${p.index}: ${fields[i]})`)]));
    });
  } else {
    knownFields(e, 'claim.experiment', ekind === 'measure' ? ['kind', 'grid', 'measure'] : ['kind', 'grid', 'source', 'paths', 'statistic']);
    const grid = numericGrid(e.grid, 'claim.experiment.grid');
    names = Object.keys(grid);
    points = product(grid);
    if (ekind === 'measure' && typeof e.measure !== 'function') throw new ConfigError('claim.experiment.measure', 'must be a function (params, { seed, point }) => { value, se, df? } or an array of replicate values');
    if (ekind === 'ensemble') {
      if (typeof e.source !== 'function') throw new ConfigError('claim.experiment.source', 'must be a function params => ensemble source');
      if (typeof e.statistic !== 'function') throw new ConfigError('claim.experiment.statistic', 'must be a function (ensemble result, params) => { value, se }');
      integer(e.paths, 'claim.experiment.paths', { min: 2, max: 10_000_000 });
    }
  }
  if (points.length > 10_000) throw new ConfigError('claim.experiment', `has ${points.length} grid points; at most 10 000`);
  for (const n of Object.keys(constants)) if (names.includes(n)) throw new ConfigError(`claim.constants.${n}`, 'has the name of a parameter of the grid');
  let predict: ((p: Params) => number) | undefined;
  if (c.prediction === undefined) {
    if (kind !== 'scaling') throw new ConfigError('claim.prediction', `is required for a claim of kind "${kind}"`);
  } else if (typeof c.prediction === 'function') {
    const fn = c.prediction as (p: Params, k: Record<string, number>) => number;
    predict = (p) => fn({ ...p }, { ...constants });
  } else {
    const node = parseChecked(c.prediction, 'claim.prediction', new Set([...names, ...Object.keys(constants)]));
    const code = compileChecked(node);
    predict = (p) => {
      const v = code.evaluate({ ...constants, ...p });
      return typeof v === 'number' ? v : NaN;
    };
  }
  if (predict) {
    points.forEach((p, i) => {
      const v = predict!(p);
      if (typeof v !== 'number' || Number.isNaN(v)) throw new ConfigError('claim.prediction', `is not a number at grid point ${i} (${JSON.stringify(p)}): ${describe(v)}`);
    });
  }
  if (c.tolerance !== undefined) {
    if (kind !== 'equal') throw new ConfigError('claim.tolerance', `applies to claims of kind "equal", not "${kind}"`);
    const t = plainObject(c.tolerance, 'claim.tolerance');
    knownFields(t, 'claim.tolerance', ['absolute', 'relative']);
    if (t.absolute !== undefined) nonNegativeNumber(t.absolute, 'claim.tolerance.absolute');
    if (t.relative !== undefined) nonNegativeNumber(t.relative, 'claim.tolerance.relative');
  }
  if (kind === 'scaling') {
    const s = plainObject(c.scaling, 'claim.scaling');
    knownFields(s, 'claim.scaling', ['parameter', 'exponent', 'relation']);
    if (typeof s.parameter !== 'string' || !names.includes(s.parameter)) throw new ConfigError('claim.scaling.parameter', `must be one of the grid's parameters (${names.join(', ')}), got ${describe(s.parameter)}`);
    finiteNumber(s.exponent, 'claim.scaling.exponent');
    if (s.relation !== undefined) oneOf(s.relation, 'claim.scaling.relation', ['equal', 'at-most', 'at-least'] as const);
    const values = new Set(points.map((p) => p[s.parameter as string]));
    if (values.size < 3) throw new ConfigError('claim.scaling.parameter', `needs at least 3 distinct values of ${s.parameter} to fit an exponent with a CI, got ${values.size}`);
    if ([...values].some((v) => !(v > 0))) throw new ConfigError('claim.scaling.parameter', `a log–log fit needs ${s.parameter} > 0 at every point`);
  } else if (c.scaling !== undefined) throw new ConfigError('claim.scaling', `applies to claims of kind "scaling", not "${kind}"`);
  if (c.labels !== undefined) plainObject(c.labels, 'claim.labels');
  for (const n of names) linked[n] ??= [n];
  return { claim: input as Claim, seed, names, points, linked, ...(predict ? { predict } : {}), ...(sweep ? { sweep } : {}) };
}
