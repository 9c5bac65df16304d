// %% [markdown]
// # 3. Moment estimation and characteristic roots (He et al. Thm 4.1)
//
// For linear regression, E X(t) obeys the delay equation x′(t) = −Ã x(t−τ) exactly. Per eigenvalue a
// of Ã its characteristic roots are β = W_k(−aτ)/τ (Lambert W, branch k). V = sup Re β decides
// everything: the mean decays like e^{Vt}, and V < 0 exactly when aτ < π/2.

// %%
import { characteristicRoot, lambertW, nb, spectralAbscissa } from 'asgd-sdde';

const rows = [0.2, 1 / Math.E, 1, Math.PI / 2, 2].flatMap((atau) =>
  [0, -1, 1].map((k) => {
    const b = characteristicRoot(atau, 1, k);
    return { 'aτ': atau, branch: k, 'Re β·τ': b.re, 'Im β·τ': b.im, stable: spectralAbscissa([atau], 1).V < 0 ? 'yes' : 'no' };
  }),
);
nb.table(rows, 'Characteristic roots of x′ = −a x(t − τ) (τ = 1), branches 0 and ±1');

// %%
const grid = Array.from({ length: 251 }, (_, i) => (i * 2.5) / 250);
nb.figure('stability', {
  title: 'Rightmost root against aτ',
  data: [
    { type: 'scatter', mode: 'lines', x: grid.slice(1), y: grid.slice(1).map((x) => lambertW(-x, 0).re), name: 'Vτ = Re W₀(−aτ)' },
    { type: 'scatter', mode: 'lines', x: grid.slice(1), y: grid.slice(1).map((x) => lambertW(-x, 0).im), name: 'Im W₀(−aτ)', line: { dash: 'dot' } },
  ],
  layout: { xaxis: { title: { text: 'aτ' } }, yaxis: { title: { text: 'root × τ' } }, shapes: [{ type: 'line', x0: Math.PI / 2, x1: Math.PI / 2, y0: -1.2, y1: 1.6, line: { dash: 'dash', color: '#999' } }], margin: { t: 30 } },
  caption: 'The rightmost characteristic root of x′ = −a x(t − τ), times τ. Real up to aτ = 1/e (the cusp), complex beyond; it crosses zero at aτ = π/2 (dashed), where the delay equation — and with it the mean of ASGD’s SDDE — loses stability.',
});

// %% [markdown]
// ## The measured decay
//
// The moment check (`asgd-sdde check moments`) measures the decay rate of ‖E X(t) − x*‖ on linear
// regression against −V (with a jackknife CI and the Euler–Maruyama bias computed from the
// recursion's own root), evaluates the proof's bound with a computed c_λ, and compares τ = 0 with
// the Ornstein–Uhlenbeck closed forms. Here is its quick run:

// %%
import { CHECKS } from 'asgd-sdde';
const moments = await CHECKS.find((c) => c.name === 'moments')!.run({ quick: true, seed: 1 });
nb.table(moments.rows.map((r) => ({ theorem: r.theorem, quantity: r.quantity, predicted: r.predicted, measured: r.measured, verdict: r.verdict.label })));
nb.figure('decay', moments.figures[0].figure);
