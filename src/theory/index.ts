/** The theory checks, by name (the order of the report). */
import type { CheckOptions, CheckResult } from './check.ts';
import { checkAccumulation } from './checks/accumulation.ts';
import { checkApproximation } from './checks/approximation.ts';
import { checkEnergy } from './checks/energy.ts';
import { checkMindTheStep } from './checks/mindthestep.ts';
import { checkMoments } from './checks/moments.ts';
import { checkRates } from './checks/rates.ts';
import { optionalSignal, throwIfAborted } from '../core/abort.ts';

/** A theory check: its name (as `asgd-sdde check <name>`), title and runner. */
export interface CheckEntry {
  name: string;
  title: string;
  /** Run the check: rows with verdicts, figures and notes. */
  run: (opts: CheckOptions) => Promise<CheckResult>;
}

/**
 * A check run with cancellation: its stage and block callbacks throw the signal's reason once it
 * is aborted (an ensemble catches that from its block callback, ends its workers and rejects with
 * it), and a check that finishes after an abort returns nothing.
 */
function cancellable(run: (opts: CheckOptions) => Promise<CheckResult>): (opts: CheckOptions) => Promise<CheckResult> {
  return async (opts) => {
    const signal = optionalSignal(opts.signal, 'options.signal');
    if (!signal) return run(opts);
    throwIfAborted(signal);
    const result = await run({
      ...opts,
      onProgress: (m) => {
        throwIfAborted(signal);
        opts.onProgress?.(m);
      },
      onBlocks: (d, t) => {
        throwIfAborted(signal);
        opts.onBlocks?.(d, t);
      },
    });
    throwIfAborted(signal);
    return result;
  };
}

/**
 * The theory checks in report order: approximation (He et al. Thm 3.2–3.4), moments (Thm 4.1), energy
 * (Thm 4.2), rates, mindthestep (Bäckström et al. 2019) and accumulation (Aji & Heafield 2019).
 * Each `run(options)` returns rows with verdicts, figures and notes; `options.signal` aborts it.
 *
 * @example
 * ```ts
 * import { CHECKS } from 'asgd-sdde';
 *
 * const moments = CHECKS.find((c) => c.name === 'moments')!;
 * const res = await moments.run({ quick: true, seed: 1 });
 * for (const row of res.rows) console.log(row.theorem, row.verdict.label);
 * //> Thm 4.1, τ = 0 (SGD, OU process) holds
 * //> Thm 4.1 bound, τ = 0 (SGD, OU process) holds, loose ×2.48
 * //> OU closed form (τ = 0) holds
 * //> OU closed form (τ = 0) holds
 * //> Thm 4.1, a_min τ ≈ 0.2 holds
 * //> Thm 4.1 bound, a_min τ ≈ 0.2 holds
 * //> Thm 4.1, a_min τ ≈ 0.3 (< 1/e: real rightmost root) holds
 * //> Thm 4.1 bound, a_min τ ≈ 0.3 (< 1/e: real rightmost root) holds
 * //> Thm 4.1, a_max τ ≈ 1 (complex rightmost root: oscillating mean) not applicable
 * //> Thm 4.1 bound, a_max τ ≈ 1 (complex rightmost root: oscillating mean) holds, loose ×211
 * //> Thm 4.1 stability region holds
 * ```
 */
export const CHECKS: CheckEntry[] = [
  { name: 'approximation', title: 'Thm 3.2, Cor 3.3, Thm 3.4: approximation error in K, b, l; weak error', run: cancellable(checkApproximation) },
  { name: 'moments', title: 'Thm 4.1: characteristic roots, decay of the mean, moment bound; OU closed form', run: cancellable(checkMoments) },
  { name: 'energy', title: 'Thm 4.2, Cor 4.3: energy-function bound with η_k = 1/(μk)', run: cancellable(checkEnergy) },
  { name: 'rates', title: 'Discussion after Thm 4.1: iterations and time to ε against Zheng, Recht, He', run: cancellable(checkRates) },
  { name: 'mindthestep', title: 'MindTheStep: Lemma 1, Thm 2–6, Cor 1–4; staleness models (Table I / Fig. 2); Fig. 3 analog', run: cancellable(checkMindTheStep) },
  { name: 'accumulation', title: 'Aji & Heafield: Adam Table 2, staleness under accumulation (Table 3) and injection, LR sweep (Tables 1/5), batch size vs staleness', run: cancellable(checkAccumulation) },
];

/**
 * The names of {@link CHECKS}, in report order.
 */
export const CHECK_NAMES = CHECKS.map((c) => c.name);

export type { CheckOptions, CheckResult, CheckRow } from './check.ts';
