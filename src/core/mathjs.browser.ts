/**
 * The browser build's mathjs (the explorer bundle aliases core/mathjs.ts to this file): a
 * static import, since `createRequire` does not exist in a browser. Restricted as in Node.
 */
import { all, create } from 'mathjs';
import { type ExpressionEngine, restrict } from './mathjs-restrict.ts';

let engine: ExpressionEngine | undefined;

export function mathjs(): ExpressionEngine {
  engine ??= restrict(create(all, {}));
  return engine;
}
