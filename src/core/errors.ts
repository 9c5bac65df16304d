/**
 * Errors raised before any work is done. Every refusal names the offending field (a dotted path
 * into the configuration, e.g. `asgd.delay.p`) and the reason, so a user can fix the input
 * without reading a stack trace.
 */
export class ConfigError extends Error {
  readonly field: string;
  readonly reason: string;

  /**
   * A refusal of input before any work.
   *
   * @param field - the dotted path of the offending input (e.g. `asgd.delay.p`).
   * @param reason - what is wrong and, where possible, how to fix it. The message is `${field}: ${reason}`.
   */
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'ConfigError';
    this.field = field;
    this.reason = reason;
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

/** Re-raise a ConfigError from a library call under the caller's field prefix (`problem.T` → `sdde.T`). */
export function withFieldPrefix<T>(from: string, to: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError && (e.field === from || e.field.startsWith(`${from}.`) || e.field.startsWith(`${from}[`))) {
      throw new ConfigError(to + e.field.slice(from.length), e.reason);
    }
    throw e;
  }
}
