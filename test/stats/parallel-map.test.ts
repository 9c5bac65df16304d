/**
 * parallelMap: results in task order and bit-identical whatever the thread count (the contract the
 * theory checks rely on when they run their training runs on worker threads).
 */
import { describe, expect, it } from 'vitest';
import { parallelMap } from '../../src/stats/parallel-map.ts';
import { sumOfNormals } from '../helpers/parallel-task.ts';

const fn = { module: new URL('../helpers/parallel-task.ts', import.meta.url).href, name: 'sumOfNormals' };
const tasks = Array.from({ length: 23 }, (_, i) => ({ seed: 100 + i, n: 2000 + 37 * i }));

describe('parallelMap', () => {
  it('1 and 2 threads give the results of calling the function in order, bit for bit', async () => {
    const direct = tasks.map(sumOfNormals);
    const one = await parallelMap<(typeof tasks)[number], ReturnType<typeof sumOfNormals>>(tasks, fn, { threads: 1 });
    const two = await parallelMap<(typeof tasks)[number], ReturnType<typeof sumOfNormals>>(tasks, fn, { threads: 2 });
    expect(one.map((r) => r.seed)).toEqual(tasks.map((t) => t.seed));
    for (const r of [one, two]) {
      expect(r.map((x) => x.sum)).toEqual(direct.map((x) => x.sum));
      expect(r.map((x) => Array.from(x.draws))).toEqual(direct.map((x) => Array.from(x.draws)));
    }
  });
  it('with a signal (every task on a worker, the calling thread idle): the same bits as without, at 1 and 2 threads', async () => {
    const direct = tasks.map(sumOfNormals);
    for (const threads of [1, 2]) {
      const r = await parallelMap<(typeof tasks)[number], ReturnType<typeof sumOfNormals>>(tasks, fn, { threads, signal: new AbortController().signal });
      expect(r.map((x) => x.sum)).toEqual(direct.map((x) => x.sum));
      expect(r.map((x) => Array.from(x.draws))).toEqual(direct.map((x) => Array.from(x.draws)));
    }
  });
  it('no tasks: no work, an empty result', async () => {
    expect(await parallelMap([], fn, { threads: 2 })).toEqual([]);
    expect(await parallelMap([], fn, { threads: 2, signal: new AbortController().signal })).toEqual([]);
  });
  it('a missing export is refused by name', async () => {
    await expect(parallelMap(tasks, { ...fn, name: 'nope' }, { threads: 1 })).rejects.toThrow(/exports no function 'nope'/);
  });
  it('an error in a task reaches the caller', async () => {
    await expect(parallelMap([{ bad: false }, { bad: true }, { bad: false }], { module: fn.module, name: 'fails' }, { threads: 2 })).rejects.toThrow(/failed on purpose/);
  });
});
