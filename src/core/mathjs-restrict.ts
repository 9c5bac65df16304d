/**
 * The mathjs functions user expressions are evaluated with, from an instance whose dangerous
 * functions are disabled: mathjs's documented "more secure eval" recipe (docs/expressions/
 * security.md): `import` and `createUnit` alter the instance, `evaluate`, `parse`, `compile`,
 * `simplify`, `derivative` (and `resolve`, `chain`, `config`, `reviver`) reach the parser from inside an
 * expression. `parse` and `derivative` are kept for our own use before they are disabled. This
 * is the second wall; the first is the whitelist of src/core/expression-guard.ts.
 */
import type { MathJsInstance } from 'mathjs';

export interface ExpressionEngine {
  parse: MathJsInstance['parse'];
  derivative: MathJsInstance['derivative'];
  typeOf: MathJsInstance['typeOf'];
  ConstantNode: MathJsInstance['ConstantNode'];
  OperatorNode: MathJsInstance['OperatorNode'];
}

const DISABLED = ['import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'derivative', 'resolve', 'chain', 'config', 'reviver'];

export function restrict(math: MathJsInstance): ExpressionEngine {
  const engine: ExpressionEngine = { parse: math.parse, derivative: math.derivative, typeOf: math.typeOf, ConstantNode: math.ConstantNode, OperatorNode: math.OperatorNode };
  const disabled: Record<string, () => never> = {};
  for (const name of DISABLED) {
    disabled[name] = () => {
      throw new Error(`the function ${name} is disabled in expressions`);
    };
  }
  math.import(disabled, { override: true });
  return engine;
}
