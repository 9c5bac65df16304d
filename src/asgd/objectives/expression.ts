/**
 * User objectives written as mathjs expressions, so a researcher can study their own F without
 * writing TypeScript. Gradients come from mathjs's symbolic `derivative`, compiled once.
 *
 * Two forms:
 *  - components: ["(x+1)^2", "(x-1)^2"]            — f_i given one by one;
 *  - expression + data: "log(1+exp(-y*(w1*a1+w2*a2)))" with data {a1: [...], a2: [...], y: [...]}
 *    — one component per data row, data symbols bound to the row's values.
 * F is the mean of the components (He et al. Eq. 1).
 *
 * Refused before any work: a string that does not parse, a function, operator or symbol outside
 * the whitelist of src/core/expression-guard.ts (a symbol must be a variable, a data column or a
 * constant such as pi), and an expression whose value or gradient is not a finite real number at
 * the start point.
 */
import type { EvalFunction, MathNode } from 'mathjs';
import { mathjs } from '../../core/mathjs.ts';
import { ConfigError, describe } from '../../core/errors.ts';
import { compileChecked, derivativeChecked, parseChecked } from '../../core/expression-guard.ts';
import { checkKey } from '../../core/safe-keys.ts';
import { finiteVector, plainObject } from '../../core/validate.ts';
import type { FiniteSumObjective } from '../objective.ts';


/**
 * A user objective written in mathjs syntax: `variables` (the coordinates of x), and either `components`
 * (the fᵢ one by one) or `expression` with `data` (one component per data row, the columns bound by name).
 */
export interface ExpressionObjectiveSpec {
  /** Names of the coordinates of x (identifiers, distinct); d = their number. */
  variables: string[];
  /** The components fᵢ, one mathjs expression each (n = their number). Give this or `expression`. */
  components?: string[];
  /** One expression evaluated per row of `data` (n = the number of rows). Give this or `components`. */
  expression?: string;
  /** Equally long numeric columns, bound by name in `expression`. */
  data?: Record<string, number[]>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface CompiledComponent {
  f: EvalFunction;
  grad: EvalFunction[];
}

/**
 * An objective written as mathjs expressions (gradients by symbolic differentiation, compiled once);
 * F is the mean of the components.
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @param probe - a point at which value and gradient must be finite (default: zeros).
 * @throws {@link ConfigError} `objective.variables` (empty, not identifiers, repeated),
 * `objective.components[i]` / `objective.expression` (does not parse, uses a function or symbol outside
 * the whitelist, not finite at the probe), `objective.data.*` (ragged columns), or neither/both forms.
 * @example
 * ```ts
 * import { expressionObjective } from 'asgd-sdde';
 *
 * const obj = expressionObjective({ variables: ['x'], components: ['(x+1)^2', '(x-1)^2'] });
 * const g = new Float64Array(1);
 * obj.gradient(Float64Array.of(2), g);
 * console.log(obj.n, obj.value(Float64Array.of(2)), g[0]); // F(2) = ((2+1)² + (2−1)²)/2, F′(2) = 2·2
 * //> 2 5 4
 * ```
 */
export function expressionObjective(spec: ExpressionObjectiveSpec, field = 'objective', probe?: ArrayLike<number>): FiniteSumObjective {
  plainObject(spec, field);
  const math = mathjs();
  const vars = spec.variables;
  if (!Array.isArray(vars) || vars.length === 0) throw new ConfigError(`${field}.variables`, `must be a non-empty array of names, got ${describe(vars)}`);
  vars.forEach((v, i) => {
    if (typeof v !== 'string' || !IDENT.test(v)) throw new ConfigError(`${field}.variables[${i}]`, `must be an identifier, got ${describe(v)}`);
    checkKey(v, `${field}.variables[${i}]`);
  });
  if (new Set(vars).size !== vars.length) throw new ConfigError(`${field}.variables`, 'must be distinct');
  const d = vars.length;
  const hasComponents = spec.components !== undefined;
  const hasExpression = spec.expression !== undefined;
  if (hasComponents === hasExpression) throw new ConfigError(field, 'needs exactly one of `components` (a list of f_i) or `expression` with `data`');

  const scope: Record<string, number> = {};
  let compiled: CompiledComponent[];
  let rows: number;
  const dataCols: [string, Float64Array][] = [];
  const compile = (node: MathNode, where: string): CompiledComponent => ({
    f: compileChecked(node),
    grad: vars.map((v) => compileChecked(derivativeChecked(node, v, where))),
  });

  if (hasComponents) {
    const comps = spec.components;
    if (!Array.isArray(comps) || comps.length === 0) throw new ConfigError(`${field}.components`, `must be a non-empty array of expressions, got ${describe(comps)}`);
    if (spec.data !== undefined) throw new ConfigError(`${field}.data`, 'is only used with `expression`');
    const allowed = new Set(vars);
    compiled = comps.map((c, i) => compile(parseChecked(c, `${field}.components[${i}]`, allowed), `${field}.components[${i}]`));
    rows = comps.length;
  } else {
    const data = spec.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data) || Object.keys(data).length === 0) {
      throw new ConfigError(`${field}.data`, 'must be an object of equally long numeric columns, one row per component');
    }
    rows = -1;
    for (const [name, col] of Object.entries(data)) {
      if (!IDENT.test(name)) throw new ConfigError(`${field}.data`, `column name ${JSON.stringify(name)} is not an identifier`);
      checkKey(name, `${field}.data`);
      if (vars.includes(name)) throw new ConfigError(`${field}.data.${name}`, 'has the name of a variable');
      const v = finiteVector(col, `${field}.data.${name}`);
      if (rows === -1) rows = v.length;
      else if (v.length !== rows) throw new ConfigError(`${field}.data.${name}`, `has ${v.length} rows, other columns have ${rows}`);
      dataCols.push([name, v]);
    }
    compiled = [compile(parseChecked(spec.expression, `${field}.expression`, new Set([...vars, ...Object.keys(data)])), `${field}.expression`)];
  }

  const n = rows;
  const colNames = dataCols.map(([name]) => name);
  const colValues = dataCols.map(([, col]) => col);
  const bind = (i: number, x: Float64Array) => {
    for (let j = 0; j < d; j++) scope[vars[j]] = x[j];
    for (let c = 0; c < colNames.length; c++) scope[colNames[c]] = colValues[c][i];
  };
  const comp = (i: number) => (hasComponents ? compiled[i] : compiled[0]);
  const num = (v: unknown, where: string, what: string): number => {
    if (typeof v !== 'number') throw new ConfigError(where, `${what} is not a real number (got ${math.typeOf(v)})`);
    if (!Number.isFinite(v)) throw new ConfigError(where, `${what} is ${v}, not a finite number`);
    return v;
  };

  // A runtime error inside mathjs (e.g. factorial of a negative integer) becomes NaN, so the
  // run ends with status 'diverged' instead of an exception mid-loop.
  const safe = (f: EvalFunction): number => {
    try {
      const v = f.evaluate(scope);
      return typeof v === 'number' ? v : NaN;
    } catch {
      return NaN;
    }
  };
  const obj: FiniteSumObjective = {
    name: 'expression',
    description: hasComponents ? `F = mean of [${spec.components!.join(', ')}] in (${vars.join(', ')})` : `F = mean over ${n} data rows of ${spec.expression} in (${vars.join(', ')})`,
    dim: d,
    n,
    componentGradient(i, x, out) {
      bind(i, x);
      const c = comp(i);
      for (let j = 0; j < d; j++) out[j] = safe(c.grad[j]);
    },
    value(x) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        bind(i, x);
        s += safe(comp(i).f);
      }
      return s / n;
    },
    gradient(x, out) {
      out.fill(0);
      for (let i = 0; i < n; i++) {
        bind(i, x);
        const c = comp(i);
        for (let j = 0; j < d; j++) out[j] += safe(c.grad[j]);
      }
      for (let j = 0; j < d; j++) out[j] /= n;
    },
  };

  // Evaluate everything once at the probe point (the run's x0), so that a complex or non-numeric
  // result is refused before any work.
  // a scalar start point means every component; a probe of another length is left to the runner's x0 check
  const x = probe && probe.length === 1 ? new Float64Array(d).fill(probe[0]) : probe && probe.length === d ? Float64Array.from(probe) : new Float64Array(d);
  for (let i = 0; i < n; i++) {
    bind(i, x);
    const c = comp(i);
    const where = hasComponents ? `${field}.components[${i}]` : `${field}.expression`;
    const at = `${hasComponents ? '' : `on data row ${i} `}at x = [${Array.from(x).join(', ')}]`;
    try {
      num(c.f.evaluate(scope), where, `the value ${at}`);
      c.grad.forEach((g, j) => num(g.evaluate(scope), where, `∂/∂${vars[j]} ${at}`));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(where, `cannot be evaluated ${at}: ${(e as Error).message}`);
    }
  }
  return obj;
}
