/**
 * Keys and dotted paths read from user input (config files, sweep grids, data columns), made safe:
 *
 * - A key named `__proto__`, `constructor` or `prototype` is refused wherever a key or a dotted
 *   path segment is read: assigning through `obj["__proto__"]` would change the prototype of every
 *   object of the process (prototype pollution), and `constructor`/`prototype` reach the same
 *   objects by another route.
 * - A config is at most MAX_CONFIG_DEPTH levels deep and has at most MAX_CONFIG_NODES values:
 *   JSON.parse accepts any depth, but structuredClone and JSON.stringify recurse and overflow the
 *   stack on a deep tree, long after the config was accepted.
 *
 * Every walk here is iterative, so the checks themselves cannot overflow the stack.
 */
import { ConfigError } from './errors.ts';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest nesting of objects and arrays a config may have (the deepest schema needs 6). */
export const MAX_CONFIG_DEPTH = 64;
/** Most values (numbers, strings, objects, arrays …) a config may hold: 10⁸ bytes of JSON at most. */
export const MAX_CONFIG_NODES = 50_000_000;

/** Refuse a key that would reach an object's prototype. */
export function checkKey(key: string, field: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new ConfigError(field, `the key ${JSON.stringify(key)} is not allowed (it would reach an object's prototype)`);
}

/** "asgd.delay.lag" → ["asgd", "delay", "lag"]; refuses empty and forbidden segments. */
export function splitDottedPath(path: string, field: string): string[] {
  const parts = path.split('.');
  for (const p of parts) {
    if (p === '') throw new ConfigError(field, `${JSON.stringify(path)} has an empty segment; write fields as "a.b.c"`);
    checkKey(p, field);
  }
  return parts;
}

/**
 * Set `value` at the dotted `path` of `obj`, creating plain objects on the way (own properties
 * only: nothing is read from or written to a prototype).
 */
export function setDottedPath(obj: Record<string, unknown>, path: string, value: unknown, field: string): void {
  const parts = splitDottedPath(path, field);
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    const next = Object.hasOwn(cur, p) ? cur[p] : undefined;
    if (typeof next !== 'object' || next === null) {
      const fresh: Record<string, unknown> = {};
      Object.defineProperty(cur, p, { value: fresh, enumerable: true, writable: true, configurable: true });
      cur = fresh;
    } else cur = next as Record<string, unknown>;
  }
  Object.defineProperty(cur, parts.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Check a parsed JSON tree before anything else reads it: no forbidden key at any depth, at most
 * `maxDepth` levels of nesting, at most `maxNodes` values. The refusal names the path where it
 * happened (e.g. `config.description.a.a.a…`, shortened).
 */
export function checkJsonTree(value: unknown, field: string, { maxDepth = MAX_CONFIG_DEPTH, maxNodes = MAX_CONFIG_NODES } = {}): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: field, depth: 0 }];
  let nodes = 0;
  const short = (p: string) => (p.length > 120 ? `${p.slice(0, 100)}…` : p);
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (++nodes > maxNodes) throw new ConfigError(field || 'CONFIG', `holds more than ${maxNodes} values`);
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) throw new ConfigError(short(path), `is nested more than ${maxDepth} levels deep`);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        const where = path === '' ? k : `${path}.${k}`;
        checkKey(k, short(where));
        stack.push({ v: (v as Record<string, unknown>)[k], path: where, depth: depth + 1 });
      }
    }
  }
}
