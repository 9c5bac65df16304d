/**
 * "Did you mean …?" for unknown commands and flags: the candidates closest to what was typed by
 * Levenshtein distance (insertions, deletions, substitutions; Wagner–Fischer with two rows).
 * Hand-written rather than a dependency: fifteen lines, and the CLI's only use of it.
 */

/** The Levenshtein edit distance between a and b. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidates at the smallest edit distance from `input`, if that distance is small enough to be
 * a typo: at most 2, and at most a third of the longer word (so `--x` suggests nothing), or the
 * candidates that start with `input` (an abbreviation such as `--thr`). Empty when nothing is close.
 */
export function closest(input: string, candidates: readonly string[]): string[] {
  if (!input) return [];
  const prefixed = candidates.filter((c) => input.length >= 2 && c.startsWith(input));
  if (prefixed.length) return prefixed;
  let best = Infinity;
  let out: string[] = [];
  for (const c of candidates) {
    const d = levenshtein(input.toLowerCase(), c.toLowerCase());
    if (d > 2 || d > Math.max(input.length, c.length) / 3) continue;
    if (d < best) [best, out] = [d, [c]];
    else if (d === best) out.push(c);
  }
  return out;
}

/** " (did you mean a or b?)", or "" when no candidate is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const c = closest(input, candidates);
  if (!c.length) return '';
  return ` (did you mean ${c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c[c.length - 1]}`}?)`;
}
