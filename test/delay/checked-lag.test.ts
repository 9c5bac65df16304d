/** The one effective-lag rule with its range check (src/delay/lags.ts), used by every SDDE loop. */
import { describe, expect, it } from 'vitest';
import { checkedLag } from '../../src/delay/lags.ts';

describe('checkedLag', () => {
  it('applies the before-history policy (He et al. 2018 footnote 2 for clip, Section 5 for warm-up)', () => {
    expect(checkedLag(5, 3, 8, 'clip')).toBe(3); // only X_0 … X_3 exist at step 3
    expect(checkedLag(5, 9, 8, 'clip')).toBe(5);
    expect(checkedLag(5, 3, 8, 'warmup')).toBe(0); // plain SGD while k < maxLag
    expect(checkedLag(5, 8, 8, 'warmup')).toBe(5);
    expect(checkedLag(5, 3, 8, 'history')).toBe(5); // reads the initial function before the start
  });
  it('refuses a lag outside [0, maxLag], naming the channel when there are several', () => {
    expect(() => checkedLag(9, 20, 8, 'history')).toThrow(/^lag source returned 9 at step 20, outside \[0, maxLag = 8\]$/);
    expect(() => checkedLag(-1, 20, 8, 'clip', 2)).toThrow(/^lag source 2 returned -1 at step 20/);
  });
});
