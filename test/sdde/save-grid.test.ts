/**
 * The one save grid (src/sdde/save-at.ts) that solve, ASGD, pairs, ensembles and both parameter
 * servers use: steps 0, e, 2e, … and the last step n, written out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { everyNthCount, everyNthIndex, everyNthSteps, planSaves } from '../../src/sdde/save-at.ts';

describe('every n-th step', () => {
  it('keeps 0, every, 2·every, … and the last step (written out)', () => {
    expect(Array.from(everyNthSteps(10, 4))).toEqual([0, 4, 8, 10]);
    expect(Array.from(everyNthSteps(12, 4))).toEqual([0, 4, 8, 12]);
    expect(Array.from(everyNthSteps(3, 5))).toEqual([0, 3]);
    expect(Array.from(everyNthSteps(0, 1))).toEqual([0]);
    expect(Array.from(everyNthSteps(5, 1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect([everyNthCount(10, 4), everyNthCount(12, 4), everyNthCount(3, 5), everyNthCount(0, 1)]).toEqual([4, 4, 2, 1]);
  });
  it('the index of a step is its place in the grid, −1 off the grid', () => {
    // n = 10, every = 4: 0 → 0, 4 → 1, 8 → 2, 10 → 3; the other steps are not saved
    const expected = [0, -1, -1, -1, 1, -1, -1, -1, 2, -1, 3];
    expect(Array.from({ length: 11 }, (_, u) => everyNthIndex(u, 10, 4))).toEqual(expected);
  });
  it("is planSaves' { every } plan", () => {
    expect(Array.from(planSaves({ every: 3 }, 10, 0, 0.1).steps)).toEqual([0, 3, 6, 9, 10]);
  });
});
