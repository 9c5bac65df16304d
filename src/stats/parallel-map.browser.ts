/**
 * The browser build's parallelMap (package.json "browser" maps stats/parallel-map.js here): the
 * same results, computed one task after the other in the calling thread — browser bundles have no
 * Node worker threads. (The theory checks that use it run under Node; this keeps modules that
 * browser.ts reaches free of `node:*`.)
 */
export interface TaskFunction {
  /** URL of the module (import.meta.url of the module that exports the function). */
  module: string;
  /** Name of the exported function: (task) => result | Promise<result>. */
  name: string;
}

export async function parallelMap<T, R>(tasks: readonly T[], fn: TaskFunction, _options: { threads?: number } = {}): Promise<R[]> {
  const f = ((await import(/* @vite-ignore */ fn.module)) as Record<string, unknown>)[fn.name] as (task: T) => R | Promise<R>;
  if (typeof f !== 'function') throw new TypeError(`parallelMap: ${fn.module} exports no function '${fn.name}'`);
  const out: R[] = [];
  for (const t of tasks) out.push(await f(t));
  return out;
}
