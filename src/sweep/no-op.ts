/**
 * No silent traps in a grid: a key whose values leave the run unchanged is refused, naming the key,
 * before any work. (Example of the trap this closes: a field that is a truncation of another, or a
 * field the chosen delay model does not read, gridded over 15 values that all give the run of the
 * first.)
 *
 * Two points describe the same run when their configs agree after validation: the fingerprint is
 * the config in canonical form (keys sorted, the top-level seed and description dropped — the
 * sweep's seed is used at every point), with each delay model replaced by its compiled pmf on
 * {0..maxLag}, which is what the runner and the solver read. For every key, the points are grouped
 * by the values of the other keys; if two distinct values of the key give equal fingerprints in
 * every group, the key is refused.
 */
import { ConfigError } from '../core/errors.ts';
import { type DelayModelSpec, delayModel } from '../delay/models.ts';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** The delay spec as the run sees it: its compiled pmf (or the spec itself if it does not compile). */
function compiledDelay(spec: unknown): unknown {
  try {
    // trailing zeros only size the history buffer: the draws are the same
    const pmf = Array.from(delayModel(spec as DelayModelSpec).pmf);
    while (pmf.length > 1 && pmf.at(-1) === 0) pmf.pop();
    return { pmf };
  } catch {
    return spec;
  }
}

/** A fingerprint of what a point's config runs. */
export function runFingerprint(config: unknown): string {
  const c = structuredClone(config) as Record<string, unknown>;
  delete c.seed;
  delete c.description;
  const asgd = c.asgd as Record<string, unknown> | undefined;
  if (asgd && typeof asgd === 'object' && asgd.delay !== undefined) asgd.delay = compiledDelay(asgd.delay);
  const sdde = c.sdde as Record<string, unknown> | undefined;
  const sd = sdde && typeof sdde === 'object' ? (sdde.delay as Record<string, unknown> | undefined) : undefined;
  if (sd && typeof sd === 'object' && sd.kind === 'random' && sd.model !== undefined) sd.model = compiledDelay(sd.model);
  return JSON.stringify(canonical(c));
}

/** Refuse a grid key with two values that give the same run at every combination of the other keys. */
export function refuseNoOpKeys(keys: string[], points: { values: unknown[]; config: unknown }[], grid?: Record<string, unknown[]>): void {
  for (const key of keys) {
    const vs = (grid?.[key] ?? []).map((v) => JSON.stringify(v));
    const dup = vs.find((v, i) => vs.indexOf(v) !== i);
    if (dup !== undefined) throw new ConfigError(`sweep.grid.${key}`, `repeats the value ${dup}: the sweep would compute the same point twice`);
  }
  const prints = points.map((p) => runFingerprint(p.config));
  keys.forEach((key, j) => {
    const distinct = [...new Set(points.map((p) => JSON.stringify(p.values[j])))];
    if (distinct.length < 2) return;
    // group points by the values of the other keys; in each group, value of this key → fingerprint
    const groups = new Map<string, Map<string, string>>();
    points.forEach((p, i) => {
      const other = JSON.stringify(p.values.filter((_, m) => m !== j));
      if (!groups.has(other)) groups.set(other, new Map());
      groups.get(other)!.set(JSON.stringify(p.values[j]), prints[i]);
    });
    for (let a = 0; a < distinct.length; a++) {
      for (let b = a + 1; b < distinct.length; b++) {
        let same = true;
        for (const g of groups.values()) if (g.get(distinct[a]) !== g.get(distinct[b])) same = false;
        if (same) {
          const all = distinct.every((v) => [...groups.values()].every((g) => g.get(v) === g.get(distinct[0])));
          throw new ConfigError(
            `sweep.grid.${key}`,
            all
              ? `leaves the run unchanged: all its values (${distinct.join(', ')}) give the same configuration after validation (is the field read by this model? e.g. the delay pmf is the same), so the sweep would repeat one point`
              : `values ${distinct[a]} and ${distinct[b]} give the same run after validation (e.g. the same delay pmf): the sweep would compute one point twice; remove one of them`,
          );
        }
      }
    }
  });
}
