// %% [markdown]
// # 4. Energy-function bounds (He et al. Thm 4.2, Cor 4.3)
//
// With η_k = 1/(μk) on a strongly convex problem, the energy function
// 𝓔(t) = (t−1)/2 ‖X(t) − x*‖² − (δ+1)(H + 2L²D²τ) ln t /(2μ²) is non-increasing in expectation, which
// gives E‖X(t) − x*‖² ≤ (δ+1)(H + 2L²D²τ) ln t /((t−1)μ²). The bound needs L, μ, H ≥ E Tr(σσᵀ) + 2μLD²
// and the radius D of a ball the path never leaves; we measure D as the path envelope.

// %%
import { CHECKS, nb } from 'asgd-sdde';

const energy = await CHECKS.find((c) => c.name === 'energy')!.run({ quick: true, seed: 1 });
nb.table(energy.rows.map((r) => ({ theorem: r.theorem, quantity: r.quantity, predicted: r.predicted, measured: r.measured, verdict: r.verdict.label })));
nb.figure('bound', energy.figures[0].figure);

// %% [markdown]
// The bound holds, loosely: D enters squared through H = E Tr(σσᵀ) + 2μLD², and the path's envelope
// (dominated by the first steps, while the step size 1/(μk) is large) is far from the scale of the
// stationary error. Read for ASGD at t = δk, the same bound is within a factor of a few.

// %%
const cases = (energy.data as { cases: { tau: number; D: number; H: number; trSigma: number; asgdEnvelope: number }[] }).cases;
nb.table(cases.map((c) => ({ τ: c.tau, 'D (SDDE envelope)': c.D, 'ASGD envelope': c.asgdEnvelope, 'E Tr σσᵀ': c.trSigma, H: c.H })), 'The constants of the bound');
