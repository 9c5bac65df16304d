/**
 * mathjs, loaded on first use. Its module graph is large: importing it eagerly costs ~1 s in
 * every process and worker thread under the TypeScript loader, while most runs (built-in
 * objectives, linear drifts, constant diffusions) never evaluate an expression. The CommonJS
 * build is required synchronously the first time an expression, a derivative or a complex
 * number is needed.
 */
import { createRequire } from 'node:module';
import type { MathJsInstance } from 'mathjs';

let instance: MathJsInstance | undefined;

export function mathjs(): MathJsInstance {
  if (!instance) {
    const m = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
    instance = m.create(m.all, {});
  }
  return instance;
}
