/**
 * mathjs, loaded on first use. Its module graph is large: importing it eagerly costs ~1 s in
 * every process and worker thread under the TypeScript loader, while most runs (built-in
 * objectives, linear drifts, constant diffusions) never evaluate an expression. The CommonJS
 * build is required synchronously the first time an expression or a derivative is needed.
 * Only the restricted functions of `restrict` are handed out (user expressions only).
 */
import { createRequire } from 'node:module';
import { type ExpressionEngine, restrict } from './mathjs-restrict.ts';

let engine: ExpressionEngine | undefined;

export function mathjs(): ExpressionEngine {
  if (!engine) {
    const m = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
    engine = restrict(m.create(m.all, {}));
  }
  return engine;
}
