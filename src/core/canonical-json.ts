/**
 * Canonical JSON: object keys sorted (recursively), no whitespace, so that two JSON values that
 * differ only in key order have the same text. Used to compare sweep specs (a sweep.json whose keys
 * an editor reordered is the same sweep) and to derive row digests from the settings.
 *
 * @remarks Example (an internal helper, not in the package API): `canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'`
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) Object.defineProperty(out, k, { value: sortKeys((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
