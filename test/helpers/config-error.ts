import { expect } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';

/** The ConfigError thrown by fn (fails the test if fn does not throw one). */
export function configError(fn: () => unknown, context: string): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e, `${context}: expected a ConfigError, got ${String(e)}`).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`${context}: did not throw`);
}
