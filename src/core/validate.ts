/**
 * Small validators used by every configuration entry point. They throw `ConfigError` naming the
 * field; they never coerce (a string "0.1" is not a number).
 */
import { ConfigError, describe } from './errors.ts';

export function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(field, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function positiveNumber(value: unknown, field: string): number {
  const v = finiteNumber(value, field);
  if (!(v > 0)) throw new ConfigError(field, `must be > 0, got ${v}`);
  return v;
}

export function nonNegativeNumber(value: unknown, field: string): number {
  const v = finiteNumber(value, field);
  if (!(v >= 0)) throw new ConfigError(field, `must be >= 0, got ${v}`);
  return v;
}

export function numberInRange(
  value: unknown,
  field: string,
  lo: number,
  hi: number,
  { loOpen = false, hiOpen = false } = {},
): number {
  const v = finiteNumber(value, field);
  const okLo = loOpen ? v > lo : v >= lo;
  const okHi = hiOpen ? v < hi : v <= hi;
  if (!okLo || !okHi) {
    const range = `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
    throw new ConfigError(field, `must lie in ${range}, got ${v}`);
  }
  return v;
}

export function integer(value: unknown, field: string, { min = -Infinity, max = Infinity } = {}): number {
  const v = finiteNumber(value, field);
  if (!Number.isInteger(v)) throw new ConfigError(field, `must be an integer, got ${v}`);
  if (v < min) throw new ConfigError(field, `must be >= ${min}, got ${v}`);
  if (v > max) throw new ConfigError(field, `must be <= ${max}, got ${v}`);
  return v;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Refuse fields that are not part of the schema: a typo (`"eta "`, `"batchsize"`) must not be ignored. */
export function knownFields(obj: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const where = field === '' ? key : `${field}.${key}`;
      throw new ConfigError(where, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function finiteVector(value: unknown, field: string, length?: number): Float64Array {
  let arr: ArrayLike<unknown>;
  if (value instanceof Float64Array || Array.isArray(value)) arr = value;
  else throw new ConfigError(field, `must be an array of numbers, got ${describe(value)}`);
  if (length !== undefined && arr.length !== length) {
    throw new ConfigError(field, `must have length ${length}, got ${arr.length}`);
  }
  if (arr.length === 0) throw new ConfigError(field, 'must not be empty');
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = finiteNumber(arr[i], `${field}[${i}]`);
  return out;
}

/** A d×m matrix given as an array of rows; returned row-major. */
export function finiteMatrix(value: unknown, field: string, rows: number, cols: number): Float64Array {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be an array of ${rows} rows, got ${describe(value)}`);
  if (value.length !== rows) throw new ConfigError(field, `must have ${rows} rows, got ${value.length}`);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = finiteVector(value[i], `${field}[${i}]`, cols);
    out.set(row, i * cols);
  }
  return out;
}

export function seedValue(value: unknown, field: string): number {
  return integer(value, field, { min: 0, max: Number.MAX_SAFE_INTEGER });
}
