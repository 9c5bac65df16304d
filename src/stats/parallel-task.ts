/**
 * The task function of `parallelMap` and its import, shared by its Node version (parallel-map.ts)
 * and its browser twin (parallel-map.browser.ts). No `node:*` imports.
 */

/** A function exported by a module, named so that worker threads can import it. */
export interface TaskFunction {
  /** URL of the module (import.meta.url of the module that exports the function). */
  module: string;
  /** Name of the exported function: (task) => result | Promise<result>. */
  name: string;
}

/**
 * The function `fn` names, imported.
 *
 * @throws TypeError naming the module and the function when the module has no such function
 */
export async function importTask<T, R>(fn: TaskFunction): Promise<(task: T) => R | Promise<R>> {
  const f = ((await import(/* @vite-ignore */ fn.module)) as Record<string, unknown>)[fn.name] as (task: T) => R | Promise<R>;
  if (typeof f !== 'function') throw new TypeError(`parallelMap: ${fn.module} exports no function '${fn.name}'`);
  return f;
}
