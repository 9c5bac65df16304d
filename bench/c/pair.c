/*
 * bench/c/pair.c — C reference for the bridge's pair step: ASGD beside its SDDE under the
 * axis-quantile coupling (src/bridge/pair.ts with substeps m = 1, src/bridge/axis-law.ts), the
 * same algorithm written for the benchmark.
 *
 * Build:  cc -O3 -march=native -o bench/c/pair bench/c/pair.c -lm      (bench/c/build.sh)
 * Run:    bench/c/pair <w5|w6> [--seed S] [--paths N] [--steps K]
 * Prints one JSON line (as bench/c/em.c); units = paths × K pair steps; "seconds" times the paths
 * only: the data, x*, the sampled law and its calibration are built before (their time is in
 * stats.setupSeconds).
 *
 * Problem (the same closed form in bench/numpy/pair.py and bench/js/pair.mjs): n = 10^4, d = 20,
 *   A_ij = fract(43758.5453·sin(12.9898(i+1) + 78.233(j+1))) − 1/2, w_j = cos(j+1),
 *   r_i = a_i·w + 0.5·sin(3.7(i+1));
 *   w5: least squares, B = r, F = ‖Ax − B‖²/(2n); the SDDE drift ∇F(X) = ÃX − B̃ (Ã = AᵀA/n).
 *   w6: logistic regression, y_i = sign(r_i) (+1 at 0), λ = 0.01; the SDDE drift is the full
 *       gradient, one pass over the data per step.
 *   x0 = x* (w5: Cholesky of the normal equations; w6: Newton, Cholesky steps, ‖∇F‖ < 1e-12).
 *   η = 0.01, b = 16 with replacement, lag uniform on {0..3} clipped to k (reads before the start
 *   read x0), K = 500 steps (w5) / 10 steps (w6), 1000 paths (w5) / 256 paths (w6).
 *
 * Per pair step (one path, step k):
 *   lag l = genrand % 4 clipped to k; batch of b indices genrand % n (one generator per path);
 *   ASGD:     x_{k+1} = x_k − η g_b(x_{k−l})
 *   coupling: ζ* = ∇F(x*) − g_b(x*) (the same batch at the law point; w5: its residuals
 *             a_i·x* − r_i computed once, as asgd-sdde's kernel does), w = Λ^{-1/2}Vᵀζ*,
 *             U_j = (R + v(T + 1))/(M + 1) by the rank PIT of the sampled law (R = #{s < w − tol},
 *             T = #{|s − w| ≤ tol}, v uniform from the path's second generator; R from the cell
 *             index of src/kernels/assembly/pit.ts: the cell's start and its samples' 16-bit keys,
 *             the doubles only on a key tie), z_j = Φ⁻¹(U_j) − β_j (AS 241)
 *   SDDE:     X_{k+1} = X_k − η ∇F(X_{k−l}) + η R z   (Eq. 5 with R = VΛ^{1/2}T)
 * The law: C = Σ(x*)/b, C = VΛVᵀ (cyclic Jacobi); M = 65 536 minibatch noises at x*, whitened and
 * sorted per axis; calibration on M fresh ones: β = mean(z − w), T = Cov(z)^{-1/2}.
 * (At b = 1 asgd-sdde's kernel reads each step's PIT ranks from a per-law table of the n rows'
 * ranks, src/kernels/assembly/pair.ts axisPairAtoms; W5 is b = 16, where that table does not apply,
 * so this reference has none.)
 * stats: meanDist ± seDist of ‖x_K − X_K‖, meanErr ± seErr of ‖x_K − x*‖².
 */
#include "common.h"

#define NDATA 10000
#define DIM 20
#define BATCH 16
#define SLOTS 4 /* lags 0..3 */
#define LAW_M 65536
#define BUCKETS 16384 /* cells per axis: min(65536, M/4), as axis-pair-kernel.ts pitCells */
#define TIE_TOL 1e-9
#define ETA 0.01
#define L2 0.01

static double A[NDATA * DIM], R_[NDATA], Y[NDATA];
static int logistic;
static double gram[DIM * DIM], gramB[DIM];

/* -------------------------------------------------------------------------- the objective */
static inline double dotd(const double *a, const double *x) {
  double s = 0;
  for (int j = 0; j < DIM; j++) s += a[j] * x[j];
  return s;
}
static inline double sigmoid(double z) { return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)); }

/* ∇f_i(x) scaled: the coefficient c with ∇f_i = c·a_i (+ λx for logistic) */
static inline double comp_coef(int i, const double *x) {
  const double m = dotd(A + (size_t)i * DIM, x);
  return logistic ? -Y[i] * sigmoid(-Y[i] * m) : m - R_[i];
}

/* g_b(x) = (1/b) Σ_batch ∇f_i(x) */
static void batch_grad(const int *batch, const double *x, double *g) {
  for (int j = 0; j < DIM; j++) g[j] = 0;
  for (int m = 0; m < BATCH; m++) {
    const double c = comp_coef(batch[m], x);
    const double *a = A + (size_t)batch[m] * DIM;
    for (int j = 0; j < DIM; j++) g[j] += c * a[j];
  }
  for (int j = 0; j < DIM; j++) g[j] = g[j] / BATCH + (logistic ? L2 * x[j] : 0);
}

/* ∇F(x): w5 through Ã and B̃ (d² flops); w6 one pass over the data */
static void full_grad(const double *x, double *g) {
  if (!logistic) {
    for (int a = 0; a < DIM; a++) g[a] = dotd(gram + a * DIM, x) - gramB[a];
    return;
  }
  for (int j = 0; j < DIM; j++) g[j] = 0;
  for (int i = 0; i < NDATA; i++) {
    const double c = comp_coef(i, x);
    const double *a = A + (size_t)i * DIM;
    for (int j = 0; j < DIM; j++) g[j] += c * a[j];
  }
  for (int j = 0; j < DIM; j++) g[j] = g[j] / NDATA + L2 * x[j];
}

/* ------------------------------------------------------------------------ linear algebra */
/* solve S x = r for symmetric positive definite S (Cholesky), d×d */
static void chol_solve(const double *S, const double *r, double *x) {
  double L[DIM * DIM] = {0}, t[DIM];
  for (int i = 0; i < DIM; i++) {
    for (int j = 0; j <= i; j++) {
      double s = S[i * DIM + j];
      for (int k = 0; k < j; k++) s -= L[i * DIM + k] * L[j * DIM + k];
      L[i * DIM + j] = i == j ? sqrt(s) : s / L[j * DIM + j];
    }
  }
  for (int i = 0; i < DIM; i++) {
    double s = r[i];
    for (int k = 0; k < i; k++) s -= L[i * DIM + k] * t[k];
    t[i] = s / L[i * DIM + i];
  }
  for (int i = DIM - 1; i >= 0; i--) {
    double s = t[i];
    for (int k = i + 1; k < DIM; k++) s -= L[k * DIM + i] * x[k];
    x[i] = s / L[i * DIM + i];
  }
}

/* symmetric eigendecomposition by cyclic Jacobi: S = V diag(lam) Vᵀ (V's columns), S destroyed */
static void jacobi_eig(double *S, int n, double *lam, double *V) {
  for (int i = 0; i < n * n; i++) V[i] = (i % (n + 1) == 0);
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0, scale = 0;
    for (int p = 0; p < n; p++)
      for (int q = 0; q < n; q++) *(p == q ? &scale : &off) += S[p * n + q] * S[p * n + q];
    if (off <= 1e-30 * scale) break;
    for (int p = 0; p < n - 1; p++) {
      for (int q = p + 1; q < n; q++) {
        const double apq = S[p * n + q];
        if (apq == 0) continue;
        const double theta = (S[q * n + q] - S[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        const double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) { /* columns p, q */
          const double skp = S[k * n + p], skq = S[k * n + q];
          S[k * n + p] = c * skp - s * skq;
          S[k * n + q] = s * skp + c * skq;
        }
        for (int k = 0; k < n; k++) { /* rows p, q */
          const double spk = S[p * n + k], sqk = S[q * n + k];
          S[p * n + k] = c * spk - s * sqk;
          S[q * n + k] = s * spk + c * sqk;
        }
        for (int k = 0; k < n; k++) {
          const double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (int i = 0; i < n; i++) lam[i] = S[i * n + i];
}

/* ----------------------------------------------------------- Φ⁻¹: Wichura's AS 241 (PPND16) */
static inline double poly8(const double *c, double x) {
  double r = 0;
  for (int i = 7; i >= 0; i--) r = r * x + c[i];
  return r;
}
static const double PA[8] = {3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727};
static const double PB[8] = {1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925};
static const double PC[8] = {1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4};
static const double PD[8] = {1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9};
static const double PE[8] = {6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double PF[8] = {1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15};

static double ndtri(double p) {
  const double q = p - 0.5;
  if (fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * poly8(PA, r) / poly8(PB, r);
  }
  double r = sqrt(-log(q < 0 ? p : 1 - p)), x;
  if (r <= 5) x = poly8(PC, r - 1.6) / poly8(PD, r - 1.6);
  else x = poly8(PE, r - 5) / poly8(PF, r - 5);
  return q < 0 ? -x : x;
}

/* ---------------------------------------------------------------------- the sampled law */
static double xstar[DIM], gstar[DIM];
static double whiten[DIM * DIM]; /* P[j][i] = V[i][j]/√λ_j */
static double Rmix[DIM * DIM];   /* VΛ^{1/2}T */
static double beta[DIM];
static double *sorted;           /* per axis j: M samples at [j·M, (j+1)·M) */
static int32_t *start;           /* per axis: BUCKETS + 1 cell starts (first sample of cell ≥ c) */
static uint16_t *keys;           /* per sample: its 16-bit key inside its cell */
static double lo_[DIM], invw[DIM];

static int lower_bound(const double *a, int lo, int hi, double v) {
  while (lo < hi) {
    const int mid = (int)(((unsigned)lo + (unsigned)hi) >> 1);
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
static int upper_bound(const double *a, int lo, int hi, double v) {
  while (lo < hi) {
    const int mid = (int)(((unsigned)lo + (unsigned)hi) >> 1);
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* the index (src/kernels/assembly/pit.ts): t = (v − lo)·iw, cell ⌊t⌋ clamped to [0, G), key
   ⌊(t − cell)·65536⌋ clamped to [0, 65535]; (cell, key) never decreases with v */
static inline int cell_of(double t) { return t < 0 ? 0 : t >= BUCKETS ? BUCKETS - 1 : (int)floor(t); }
static inline int key_of(double t, int c) {
  const double q = floor((t - c) * 65536.0);
  return q < 0 ? 0 : q > 65535 ? 65535 : (int)q;
}

/* the rank PITs of all axes: each axis's cell start first (the misses overlap), then its keys;
   R = #{s < w − tol} exactly, doubles compared only for a sample with x's key; T as before */
static void pits(const double *w, const double *v, double *u) {
  int cl[DIM], ch[DIM], cc[DIM];
  double tx[DIM];
  for (int j = 0; j < DIM; j++) {
    tx[j] = (w[j] - TIE_TOL - lo_[j]) * invw[j];
    cc[j] = invw[j] > 0 ? cell_of(tx[j]) : -1;
    if (cc[j] >= 0) {
      cl[j] = start[j * (BUCKETS + 1) + cc[j]];
      ch[j] = start[j * (BUCKETS + 1) + cc[j] + 1];
    }
  }
  for (int j = 0; j < DIM; j++) {
    const double x = w[j] - TIE_TOL, y = w[j] + TIE_TOL;
    const int base = j * LAW_M, end = base + LAW_M, c = cc[j];
    int below, upto;
    if (c < 0) {
      below = lower_bound(sorted, base, end, x);
      upto = below < end && sorted[below] <= y ? upper_bound(sorted, below, end, y) : below;
    } else {
      const int lo = cl[j], hi = ch[j], kx = key_of(tx[j], c);
      int r = lo;
      for (int i = lo; i < hi; i++) r += keys[i] < kx; /* the cell's keys ascend: a prefix */
      while (r < hi && keys[r] == kx && sorted[r] < x) r++;
      below = upto = r;
      if (below < end) {
        const double ty = (y - lo_[j]) * invw[j];
        const int cy = cell_of(ty);
        const int maybe = below < hi ? !(cy == c && keys[below] > key_of(ty, c)) : cy != c;
        if (maybe && sorted[below] <= y) upto = upper_bound(sorted, below, end, y);
      }
    }
    u[j] = ((double)(below - base) + v[j] * (double)(upto - below + 1)) / (LAW_M + 1.0);
  }
}

static void draw_batch(mt19937 *g, int *batch) {
  for (int m = 0; m < BATCH; m++) batch[m] = (int)(genrand_int32(g) % NDATA);
}

static double cstar[NDATA]; /* w5: the residuals a_i·x* − r_i, once (as axis-pair-kernel.ts) */

/* whitened minibatch noise at x*: w = P(∇F(x*) − g_b(x*)); w5 sums the stored residuals' rows */
static void whitened_noise(const int *batch, double *w) {
  double g[DIM], zeta[DIM];
  if (logistic) batch_grad(batch, xstar, g);
  else {
    for (int j = 0; j < DIM; j++) g[j] = 0;
    for (int m = 0; m < BATCH; m++) {
      const double c = cstar[batch[m]], *a = A + (size_t)batch[m] * DIM;
      for (int j = 0; j < DIM; j++) g[j] += c * a[j];
    }
    for (int j = 0; j < DIM; j++) g[j] /= BATCH;
  }
  for (int i = 0; i < DIM; i++) zeta[i] = gstar[i] - g[i];
  for (int j = 0; j < DIM; j++) w[j] = dotd(whiten + j * DIM, zeta);
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void build_law(uint32_t seed) {
  /* C = Σ(x*)/b, Σ = (1/n) Σ_i (∇f_i − ∇F)(∇f_i − ∇F)ᵀ at x* */
  double S[DIM * DIM] = {0}, gi[DIM], lam[DIM], V[DIM * DIM];
  full_grad(xstar, gstar);
  for (int i = 0; i < NDATA; i++) cstar[i] = comp_coef(i, xstar);
  for (int i = 0; i < NDATA; i++) {
    const double c = comp_coef(i, xstar);
    for (int j = 0; j < DIM; j++) gi[j] = c * A[(size_t)i * DIM + j] + (logistic ? L2 * xstar[j] : 0) - gstar[j];
    for (int a = 0; a < DIM; a++)
      for (int b = 0; b < DIM; b++) S[a * DIM + b] += gi[a] * gi[b];
  }
  for (int i = 0; i < DIM * DIM; i++) S[i] /= (double)NDATA * BATCH;
  jacobi_eig(S, DIM, lam, V);
  for (int j = 0; j < DIM; j++)
    for (int i = 0; i < DIM; i++) whiten[j * DIM + i] = V[i * DIM + j] / sqrt(lam[j]);

  mt19937 g;
  int batch[BATCH];
  double w[DIM];
  sorted = xmalloc(sizeof(double) * LAW_M * DIM);
  init_genrand(&g, seed * 2654435761u + 17u);
  for (int m = 0; m < LAW_M; m++) {
    draw_batch(&g, batch);
    whitened_noise(batch, w);
    for (int j = 0; j < DIM; j++) sorted[j * LAW_M + m] = w[j];
  }
  start = xmalloc(sizeof(int32_t) * DIM * (BUCKETS + 1));
  keys = xmalloc(sizeof(uint16_t) * LAW_M * DIM);
  for (int j = 0; j < DIM; j++) {
    const int base = j * LAW_M, sb = j * (BUCKETS + 1);
    qsort(sorted + base, LAW_M, sizeof(double), cmp_double);
    const double lo = sorted[base], width = (sorted[base + LAW_M - 1] - lo) / BUCKETS;
    lo_[j] = lo;
    invw[j] = width > 0 ? 1 / width : 0;
    int c = 0;
    if (invw[j] > 0)
      for (int i = 0; i < LAW_M; i++) {
        const double t = (sorted[base + i] - lo) * invw[j];
        const int ci = cell_of(t);
        keys[base + i] = (uint16_t)key_of(t, ci);
        while (c <= ci) start[sb + c++] = base + i;
      }
    while (c <= BUCKETS) start[sb + c++] = base + LAW_M;
  }

  /* calibration on M fresh minibatches: β = mean(z − w), T = Cov(z)^{-1/2} */
  double cv[DIM] = {0}, Sz[DIM] = {0}, SS[DIM * DIM] = {0}, z[DIM];
  mt19937 gv;
  init_genrand(&g, seed * 2654435761u + 18u);
  init_genrand(&gv, seed * 2654435761u + 19u);
  for (int m = 0; m < LAW_M; m++) {
    draw_batch(&g, batch);
    whitened_noise(batch, w);
    double v[DIM], u[DIM];
    for (int j = 0; j < DIM; j++) v[j] = uni(&gv);
    pits(w, v, u);
    for (int j = 0; j < DIM; j++) {
      z[j] = ndtri(u[j]);
      cv[j] += z[j] - w[j];
      Sz[j] += z[j];
    }
    for (int a = 0; a < DIM; a++)
      for (int b = 0; b < DIM; b++) SS[a * DIM + b] += z[a] * z[b];
  }
  double Cz[DIM * DIM], lz[DIM], Vz[DIM * DIM], T[DIM * DIM];
  for (int j = 0; j < DIM; j++) beta[j] = cv[j] / LAW_M;
  for (int a = 0; a < DIM; a++)
    for (int b = 0; b < DIM; b++) Cz[a * DIM + b] = (SS[a * DIM + b] - Sz[a] * Sz[b] / LAW_M) / (LAW_M - 1);
  jacobi_eig(Cz, DIM, lz, Vz);
  for (int a = 0; a < DIM; a++)
    for (int b = 0; b < DIM; b++) {
      double t = 0;
      for (int k = 0; k < DIM; k++) t += Vz[a * DIM + k] * Vz[b * DIM + k] / sqrt(fmax(lz[k], 1e-12));
      T[a * DIM + b] = t;
    }
  for (int i = 0; i < DIM; i++)
    for (int j = 0; j < DIM; j++) {
      double r = 0;
      for (int k = 0; k < DIM; k++) r += V[i * DIM + k] * sqrt(lam[k]) * T[k * DIM + j];
      Rmix[i * DIM + j] = r;
    }
}

/* ---------------------------------------------------------------------------- the problem */
static void make_data(void) {
  for (int i = 0; i < NDATA; i++) {
    double r = 0;
    for (int j = 0; j < DIM; j++) {
      const double h = sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 43758.5453;
      A[(size_t)i * DIM + j] = h - floor(h) - 0.5;
      r += A[(size_t)i * DIM + j] * cos(j + 1.0);
    }
    R_[i] = r + 0.5 * sin(3.7 * (i + 1));
    Y[i] = R_[i] >= 0 ? 1 : -1;
  }
  for (int a = 0; a < DIM; a++) {
    for (int b = 0; b < DIM; b++) {
      double s = 0;
      for (int i = 0; i < NDATA; i++) s += A[(size_t)i * DIM + a] * A[(size_t)i * DIM + b];
      gram[a * DIM + b] = s / NDATA;
    }
    double s = 0;
    for (int i = 0; i < NDATA; i++) s += A[(size_t)i * DIM + a] * R_[i];
    gramB[a] = s / NDATA;
  }
  if (!logistic) {
    chol_solve(gram, gramB, xstar);
    return;
  }
  /* Newton: H = (1/n) Σ s(1 − s) a_i a_iᵀ + λI */
  for (int j = 0; j < DIM; j++) xstar[j] = 0;
  for (int it = 0; it < 100; it++) {
    double g[DIM], H[DIM * DIM] = {0}, step[DIM], gn = 0;
    full_grad(xstar, g);
    for (int j = 0; j < DIM; j++) gn += g[j] * g[j];
    if (sqrt(gn) < 1e-12) break;
    for (int i = 0; i < NDATA; i++) {
      const double s = sigmoid(dotd(A + (size_t)i * DIM, xstar)), wgt = s * (1 - s) / NDATA;
      for (int a = 0; a < DIM; a++)
        for (int b = 0; b < DIM; b++) H[a * DIM + b] += wgt * A[(size_t)i * DIM + a] * A[(size_t)i * DIM + b];
    }
    for (int a = 0; a < DIM; a++) H[a * DIM + a] += L2;
    chol_solve(H, g, step);
    for (int j = 0; j < DIM; j++) xstar[j] -= step[j];
  }
}

static void run_pair(const char *wl, uint32_t seed, long N, long K) {
  const double t0 = now_sec();
  make_data();
  build_law(seed);
  const double setup = now_sec() - t0;
  double *dist = alloc_doubles((size_t)N, 0), *err = alloc_doubles((size_t)N, 0);
  double xr[SLOTS * DIM], Xr[SLOTS * DIM], g[DIM], gX[DIM], w[DIM], z[DIM];
  int batch[BATCH];
  const double t1 = now_sec();
  for (long p = 0; p < N; p++) {
    mt19937 gen, genv;
    init_genrand(&gen, (uint32_t)(seed * 1000003u + 2u * (uint32_t)p));
    init_genrand(&genv, (uint32_t)(seed * 1000003u + 2u * (uint32_t)p + 1u));
    for (int i = 0; i < DIM; i++) xr[i] = Xr[i] = xstar[i]; /* slot 0: step 0 */
    for (long k = 0; k < K; k++) {
      long l = genrand_int32(&gen) % SLOTS;
      if (l > k) l = k; /* clip: no reads before the start */
      draw_batch(&gen, batch);
      const double *x = xr + (k % SLOTS) * DIM, *xread = xr + ((k - l) % SLOTS) * DIM;
      double *xn = xr + ((k + 1) % SLOTS) * DIM;
      batch_grad(batch, xread, g);
      for (int i = 0; i < DIM; i++) xn[i] = x[i] - ETA * g[i];
      /* the coupled normals */
      whitened_noise(batch, w);
      double v[DIM], u[DIM];
      for (int j = 0; j < DIM; j++) v[j] = uni(&genv);
      pits(w, v, u);
      for (int j = 0; j < DIM; j++) z[j] = ndtri(u[j]) - beta[j];
      /* the SDDE: Eq. (5) at h = δ = η */
      const double *X = Xr + (k % SLOTS) * DIM, *Xread = Xr + ((k - l) % SLOTS) * DIM;
      double *Xn = Xr + ((k + 1) % SLOTS) * DIM;
      full_grad(Xread, gX);
      for (int i = 0; i < DIM; i++) Xn[i] = X[i] - ETA * gX[i] + ETA * dotd(Rmix + i * DIM, z);
    }
    const double *x = xr + (K % SLOTS) * DIM, *X = Xr + (K % SLOTS) * DIM;
    double s = 0, e = 0;
    for (int i = 0; i < DIM; i++) {
      s += (x[i] - X[i]) * (x[i] - X[i]);
      e += (x[i] - xstar[i]) * (x[i] - xstar[i]);
    }
    dist[p] = sqrt(s);
    err[p] = e;
  }
  const double seconds = now_sec() - t1;
  const double rss = peak_rss_mb();
  double md = 0, md2 = 0, me = 0, me2 = 0;
  for (long p = 0; p < N; p++) {
    md += dist[p] / N;
    md2 += dist[p] * dist[p] / N;
    me += err[p] / N;
    me2 += err[p] * err[p] / N;
  }
  char stats[512], b1[32], b2[32], b3[32], b4[32], b5[32];
  snprintf(stats, sizeof stats, "\"meanDist\": %s, \"seDist\": %s, \"meanErr\": %s, \"seErr\": %s, \"setupSeconds\": %s",
           jnum(b1, md), jnum(b2, sqrt(fmax(md2 - md * md, 0) / (N - 1))), jnum(b3, me), jnum(b4, sqrt(fmax(me2 - me * me, 0) / (N - 1))), jnum(b5, setup));
  emit(wl, seconds, (double)N * K, rss, stats);
}

static long parse_long(const char *s, const char *name, long lo) {
  char *end;
  errno = 0;
  const long v = strtol(s, &end, 10);
  if (errno || *end || v < lo) {
    fprintf(stderr, "pair: %s must be an integer >= %ld, got %s\n", name, lo, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "w5") && strcmp(argv[1], "w6"))) {
    fprintf(stderr, "usage: pair <w5|w6> [--seed S] [--paths N] [--steps K]\n");
    return 2;
  }
  logistic = !strcmp(argv[1], "w6");
  long seed = 1, N = logistic ? 256 : 1000, K = logistic ? 10 : 500;
  for (int a = 2; a + 1 < argc; a += 2) {
    if (!strcmp(argv[a], "--seed")) seed = parse_long(argv[a + 1], "--seed", 0);
    else if (!strcmp(argv[a], "--paths")) N = parse_long(argv[a + 1], "--paths", 2);
    else if (!strcmp(argv[a], "--steps")) K = parse_long(argv[a + 1], "--steps", 1);
    else {
      fprintf(stderr, "pair: unknown option %s\n", argv[a]);
      return 2;
    }
  }
  run_pair(argv[1], (uint32_t)seed, N, K);
  return 0;
}
