/**
 * Whitelisted functions that have no symbolic derivative (norm, dot, mean, prod, factorial, gamma,
 * …) are refused in an objective — whose gradient is derived from the expression — up front and by
 * name, not with mathjs-internal messages ("Unexpected type of argument in function _isConst").
 * They stay usable where nothing is differentiated, and (except reductions of array literals,
 * which mathjs cannot differentiate even when constant) applied to constants.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { objectiveFromSpec } from '../../src/asgd/objectives/spec.ts';

const objective = (component: string) => ({ kind: 'expression', variables: ['x', 'y'], components: [component, '(x - 1)^2 + (y + 1)^2'] });

describe('functions without a symbolic derivative are refused by name', () => {
  for (const [fn, component] of [
    ['norm', 'norm([x, y])^2'],
    ['dot', 'dot([x, y], [1, 2])'],
    ['mean', 'mean([x, y])^2'],
    ['prod', 'prod([x, y, 2])'],
    ['factorial', 'factorial(x)'],
    ['gamma', 'gamma(y + 3)'],
  ]) {
    it(`${fn}`, () => {
      let err: unknown;
      try {
        objectiveFromSpec(objective(component) as never, 'asgd.objective', [0.5, 0.5]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain(`uses ${fn}(…), which has no symbolic derivative`);
      expect((err as ConfigError).message).not.toMatch(/_isConst|Cannot process/);
    });
  }
  it('the factorial operator x! too; a function of constants only is fine', () => {
    expect(() => objectiveFromSpec(objective('x! + y^2') as never, 'asgd.objective', [0.5, 0.5])).toThrow(/uses factorial \(!\), which has no symbolic derivative/);
    const f = objectiveFromSpec(objective('gamma(3) * (x^2 + y^2)') as never, 'asgd.objective', [0.5, 0.5]);
    expect(f.dim).toBe(2);
  });
});
