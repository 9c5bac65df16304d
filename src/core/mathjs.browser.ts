/**
 * The browser build's mathjs (the explorer bundle aliases core/mathjs.ts to this file): a
 * static import, since `createRequire` does not exist in a browser.
 */
import { all, create, type MathJsInstance } from 'mathjs';

let instance: MathJsInstance | undefined;

export function mathjs(): MathJsInstance {
  instance ??= create(all, {});
  return instance;
}
