/**
 * User expressions (objective components, SDDE coefficients, θ(t)) are parsed by mathjs and
 * checked against a whitelist before anything is compiled or evaluated:
 *
 * - the source is at most MAX_EXPRESSION_LENGTH characters with brackets nested at most
 *   MAX_BRACKET_DEPTH deep (mathjs's parser recurses per bracket), and the parsed tree has at most
 *   MAX_EXPRESSION_NODES nodes and MAX_EXPRESSION_DEPTH levels (compiling and evaluating recurse
 *   per level: a 10⁵-term `x+x+…` overflowed the stack);
 * - every node is a number literal (finite), a variable, a constant (pi, e, …), an arithmetic,
 *   comparison or logical operator, `a ? b : c`, parentheses, an array literal, or a call of a
 *   function on the whitelist below: pure scalar functions and reductions of vectors. Nothing
 *   that creates a matrix or range from numbers (`ones(1e5, 1e5)`, `1:1e9`), draws random numbers
 *   (`random()`: same seed, different output), or reaches the parser's own machinery (`import`,
 *   `createUnit`, `config`, `evaluate`, `parse`, `simplify`, `derivative`) is on it, so the only
 *   matrices an expression can hold are its own array literals, bounded by the node count;
 * - a symbolic derivative is bounded too (MAX_DERIVATIVE_NODES), and is taken without mathjs's
 *   `simplify`: its rule search is exponential on sums (d/dw0 of a 25-term w_i·a_i sum took 35 s,
 *   a 50-term one did not finish), so a realistic data expression hung before the first step.
 *   `foldConstants` instead removes what differentiation leaves behind (0·x, x + 0, x^1, 2 − 1, …)
 *   in one pass.
 *
 * As a second wall, the mathjs instance itself has those functions disabled (mathjs's documented
 * "more secure eval" recipe, src/core/mathjs.ts). A refusal is a ConfigError naming the field and
 * the function, operator or symbol.
 */
import type { EvalFunction, MathNode } from 'mathjs';
import { ConfigError, describe } from './errors.ts';
import { mathjs } from './mathjs.ts';
import { FORBIDDEN_KEYS } from './safe-keys.ts';

export const MAX_EXPRESSION_LENGTH = 10_000;
export const MAX_BRACKET_DEPTH = 100;
export const MAX_EXPRESSION_NODES = 2_000;
export const MAX_EXPRESSION_DEPTH = 500;
export const MAX_DERIVATIVE_NODES = 200_000;

/** Pure functions of numbers (and reductions of array literals) an expression may call. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  // arithmetic and powers
  'abs', 'sign', 'sqrt', 'cbrt', 'square', 'cube', 'pow', 'nthRoot', 'hypot', 'exp', 'expm1', 'log', 'log10', 'log2', 'log1p',
  'mod', 'floor', 'ceil', 'round', 'fix', 'min', 'max', 'add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'unaryPlus',
  // trigonometric and hyperbolic
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'asin', 'acos', 'atan', 'atan2', 'asec', 'acsc', 'acot',
  'sinh', 'cosh', 'tanh', 'sech', 'csch', 'coth', 'asinh', 'acosh', 'atanh', 'asech', 'acsch', 'acoth',
  // special functions
  'erf', 'gamma', 'lgamma', 'factorial',
  // reductions of vectors (array literals only: nothing here builds a matrix from a number)
  'sum', 'prod', 'mean', 'norm', 'dot',
]);

/** Whitelisted functions mathjs's `derivative` does not support (checked against mathjs 15): refused by name when an expression is differentiated. */
const NOT_DIFFERENTIABLE: ReadonlySet<string> = new Set(['norm', 'dot', 'mean', 'prod', 'factorial', 'gamma', 'sum', 'min', 'max', 'hypot', 'mod', 'floor', 'ceil', 'round', 'fix', 'sign', 'erf', 'lgamma', 'atan2', 'expm1', 'log1p', 'log2', 'square', 'cube']);

/** Reductions of array literals: mathjs cannot differentiate them at all. */
const ARRAY_REDUCTIONS: ReadonlySet<string> = new Set(['norm', 'dot', 'mean', 'prod', 'sum']);

/** Operators (`OperatorNode.fn`). */
const ALLOWED_OPERATORS: ReadonlySet<string> = new Set([
  'add', 'subtract', 'multiply', 'divide', 'pow', 'mod', 'unaryMinus', 'unaryPlus', 'factorial',
  'dotMultiply', 'dotDivide', 'dotPow',
  'smaller', 'smallerEq', 'larger', 'largerEq', 'equal', 'unequal', 'and', 'or', 'xor', 'not',
]);

/** Named constants (finite numbers). */
export const ALLOWED_CONSTANTS: ReadonlySet<string> = new Set(['pi', 'e', 'tau', 'phi', 'LN2', 'LN10', 'LOG2E', 'LOG10E', 'SQRT1_2', 'SQRT2']);

type AnyNode = MathNode & { type: string; fn?: unknown; name?: string; value?: unknown; op?: string; forEach(cb: (child: MathNode) => void): void };

function bracketDepth(src: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) max = Math.max(max, ++depth); // ( [ {
    else if (c === 41 || c === 93 || c === 125) depth--;
  }
  return max;
}

/** Number of nodes and depth of a tree, walked iteratively, stopping once `cap` nodes are seen. */
export function treeSize(root: MathNode, cap: number): { nodes: number; depth: number } {
  const stack: [MathNode, number][] = [[root, 1]];
  let nodes = 0;
  let depth = 0;
  while (stack.length) {
    const [n, d] = stack.pop()!;
    nodes++;
    if (d > depth) depth = d;
    if (nodes > cap) break;
    (n as AnyNode).forEach((child) => stack.push([child, d + 1]));
  }
  return { nodes, depth };
}

function quoted(src: string): string {
  return src.length > 80 ? `${JSON.stringify(src.slice(0, 77))}…` : JSON.stringify(src);
}

/**
 * Parse `src` and check it against the whitelist; `variables` are the names it may read.
 * Returns the tree (compile it with `compileChecked`, differentiate with `derivativeChecked`).
 */
export function parseChecked(src: unknown, field: string, variables: ReadonlySet<string>): MathNode {
  if (typeof src !== 'string' || src.trim() === '') throw new ConfigError(field, `must be a non-empty expression string, got ${describe(src)}`);
  if (src.length > MAX_EXPRESSION_LENGTH) throw new ConfigError(field, `is ${src.length} characters long; expressions are limited to ${MAX_EXPRESSION_LENGTH} (for a sum over many data rows use "expression" with "data")`);
  if (bracketDepth(src) > MAX_BRACKET_DEPTH) throw new ConfigError(field, `nests brackets more than ${MAX_BRACKET_DEPTH} deep`);
  for (const v of variables) if (FORBIDDEN_KEYS.has(v)) throw new ConfigError(field, `the variable name ${JSON.stringify(v)} is not allowed`);
  let root: MathNode;
  try {
    root = mathjs().parse(src);
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError(field, `is nested too deeply to parse (in ${quoted(src)})`);
    throw new ConfigError(field, `does not parse: ${(e as Error).message} (in ${quoted(src)})`);
  }
  const size = treeSize(root, MAX_EXPRESSION_NODES);
  if (size.nodes > MAX_EXPRESSION_NODES) throw new ConfigError(field, `has more than ${MAX_EXPRESSION_NODES} terms and operations; expressions are limited to that (for a sum over many data rows use "expression" with "data")`);
  if (size.depth > MAX_EXPRESSION_DEPTH) throw new ConfigError(field, `is nested ${size.depth} levels deep; at most ${MAX_EXPRESSION_DEPTH}`);
  const stack: MathNode[] = [root];
  while (stack.length) {
    const n = stack.pop() as AnyNode;
    checkNode(n, field, src, variables);
    // a call's callee was checked against the function whitelist: walk its arguments only
    if (n.type === 'FunctionNode') for (const a of (n as unknown as { args: MathNode[] }).args) stack.push(a);
    else n.forEach((child) => stack.push(child));
  }
  return root;
}

function checkNode(n: AnyNode, field: string, src: string, variables: ReadonlySet<string>): void {
  const at = `in ${quoted(src)}`;
  switch (n.type) {
    case 'ConstantNode':
      if (typeof n.value !== 'number') throw new ConfigError(field, `the literal ${describe(n.value)} is not a number ${at}`);
      if (!Number.isFinite(n.value)) throw new ConfigError(field, `the number literal ${String(n.value)} is not finite (beyond the double range) ${at}`);
      return;
    case 'SymbolNode':
      if (variables.has(n.name!) || ALLOWED_CONSTANTS.has(n.name!)) return;
      throw new ConfigError(field, `uses unknown variable '${n.name}' (variables: ${[...variables].join(', ') || 'none'}; constants: ${[...ALLOWED_CONSTANTS].join(', ')}) ${at}`);
    case 'FunctionNode': {
      const fn = n.fn as AnyNode;
      if (fn?.type !== 'SymbolNode') throw new ConfigError(field, `calls something that is not a function name ${at}`);
      const name = fn.name!;
      if (!ALLOWED_FUNCTIONS.has(name)) throw new ConfigError(field, `the function '${name}' is not allowed in expressions (allowed: ${[...ALLOWED_FUNCTIONS].join(', ')}) ${at}`);
      if (variables.has(name)) throw new ConfigError(field, `'${name}' is both a variable and a function ${at}`);
      return;
    }
    case 'OperatorNode':
      if (!ALLOWED_OPERATORS.has(n.fn as string)) throw new ConfigError(field, `the operator '${n.op}' (${String(n.fn)}) is not allowed in expressions ${at}`);
      return;
    case 'ParenthesisNode':
    case 'ConditionalNode':
    case 'RelationalNode':
    case 'ArrayNode':
      return;
    case 'RangeNode':
      throw new ConfigError(field, `ranges (a:b) are not allowed in expressions ${at}`);
    case 'AssignmentNode':
    case 'FunctionAssignmentNode':
      throw new ConfigError(field, `assignments are not allowed in expressions ${at}`);
    case 'BlockNode':
      throw new ConfigError(field, `must be one expression, not several separated by ';' or newlines ${at}`);
    default:
      throw new ConfigError(field, `${n.type.replace(/Node$/, '').toLowerCase()} expressions are not allowed ${at}`);
  }
}

/** Compile a tree checked by `parseChecked`. */
export function compileChecked(node: MathNode): EvalFunction {
  return node.compile();
}

/** The symbolic derivative of a checked tree, itself bounded in size; refused if mathjs cannot differentiate it. */
export function derivativeChecked(node: MathNode, variable: string, field: string): MathNode {
  // functions on the whitelist that mathjs cannot differentiate (its messages name its internals): refused by name
  for (const n of node.filter((x) => ((x as AnyNode).type === 'FunctionNode' && NOT_DIFFERENTIABLE.has(((x as AnyNode).fn as { name?: string })?.name ?? '')) || ((x as AnyNode).type === 'OperatorNode' && (x as AnyNode).fn === 'factorial'))) {
    const fnName = (n as AnyNode).type === 'OperatorNode' ? 'factorial' : ((n as AnyNode).fn as { name: string }).name;
    // (a reduction of an array literal cannot be differentiated even when constant; other functions only where they depend on the variable)
    if (!ARRAY_REDUCTIONS.has(fnName) && n.filter((x) => (x as AnyNode).type === 'SymbolNode' && (x as AnyNode).name === variable).length === 0) continue;
    const name = (n as AnyNode).type === 'OperatorNode' ? 'factorial (!)' : `${fnName}(…)`;
    throw new ConfigError(field, `uses ${name}, which has no symbolic derivative (the gradient in ${variable} is derived from the expression); write it out with + and * (e.g. x^2 + y^2 for norm([x, y])^2, x*y for prod([x, y]), x^2 for square(x))`);
  }
  let d: MathNode;
  try {
    d = mathjs().derivative(node, variable, { simplify: false });
  } catch (e) {
    throw new ConfigError(field, `cannot be differentiated in ${variable}: ${(e as Error).message}`);
  }
  const size = treeSize(d, MAX_DERIVATIVE_NODES);
  if (size.nodes > MAX_DERIVATIVE_NODES) throw new ConfigError(field, `its derivative in ${variable} has more than ${MAX_DERIVATIVE_NODES} terms; write the expression more simply`);
  return foldConstants(d);
}

const isConst = (n: MathNode): n is MathNode & { value: number } => (n as AnyNode).type === 'ConstantNode' && typeof (n as AnyNode).value === 'number';
const isValue = (n: MathNode, v: number) => isConst(n) && n.value === v;
const FOLD: Record<string, (a: number, b: number) => number> = { add: (a, b) => a + b, subtract: (a, b) => a - b, multiply: (a, b) => a * b, divide: (a, b) => a / b, pow: (a, b) => a ** b };

/**
 * One bottom-up pass over a derivative: numbers combined (2 − 1 → 1, when the result is a finite
 * real number, as mathjs computes it), and the neutral and absorbing elements differentiation
 * leaves behind removed (x + 0, 0 + x, x − 0, 0·x, x·0, 1·x, x·1, x/1, 0/x, x^1, x^0, −0, (c)).
 * Linear in the size of the tree. (0·x → 0 differs from the unfolded form only where x is not
 * finite, a state at which the run has already stopped as diverged.)
 */
export function foldConstants(node: MathNode): MathNode {
  const { ConstantNode, OperatorNode } = mathjs();
  const num = (v: number) => new ConstantNode(v) as unknown as MathNode;
  const fold = (n: MathNode): MathNode => {
    const m = n.map((child) => fold(child)) as AnyNode;
    if (m.type === 'ParenthesisNode') {
      const inner = (m as unknown as { content: MathNode }).content;
      return (inner as AnyNode).type === 'ConstantNode' || (inner as AnyNode).type === 'SymbolNode' ? inner : m;
    }
    if (m.type !== 'OperatorNode') return m;
    const args = (m as unknown as { args: MathNode[] }).args;
    const fn = m.fn as string;
    if (args.length === 1) {
      const [a] = args;
      if (fn === 'unaryPlus') return a;
      if (fn === 'unaryMinus') {
        if (isConst(a)) return num(-a.value);
        const inner = a as AnyNode;
        if (inner.type === 'OperatorNode' && inner.fn === 'unaryMinus') return (inner as unknown as { args: MathNode[] }).args[0];
      }
      return m;
    }
    if (args.length !== 2) return m;
    const [a, b] = args;
    if (isConst(a) && isConst(b) && Object.hasOwn(FOLD, fn)) {
      const v = FOLD[fn](a.value, b.value);
      if (Number.isFinite(v)) return num(v);
      return m;
    }
    switch (fn) {
      case 'add':
        if (isValue(a, 0)) return b;
        if (isValue(b, 0)) return a;
        return m;
      case 'subtract':
        if (isValue(b, 0)) return a;
        if (isValue(a, 0)) return new OperatorNode('-', 'unaryMinus', [b]) as unknown as MathNode;
        return m;
      case 'multiply':
        if (isValue(a, 0) || isValue(b, 0)) return num(0);
        if (isValue(a, 1)) return b;
        if (isValue(b, 1)) return a;
        return m;
      case 'divide':
        if (isValue(b, 1)) return a;
        if (isValue(a, 0)) return num(0);
        return m;
      case 'pow':
        if (isValue(b, 1)) return a;
        if (isValue(b, 0)) return num(1);
        return m;
      default:
        return m;
    }
  };
  return fold(node);
}
