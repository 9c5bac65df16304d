/*
 * bench/c/em.c — C reference programs for the asgd-sdde benchmarks.
 *
 * Build:  cc -O3 -march=native -o bench/c/em bench/c/em.c -lm      (bench/c/build.sh)
 * Run:    bench/c/em <w1|w2|w3|w4> [--seed S] [--paths N] [--steps K]
 *
 * Prints exactly one JSON line on stdout:
 *   {"program":"c","workload":..,"seconds":..,"units":..,"throughput":..,"peakRssMB":..,"stats":{..}}
 * "seconds" is CLOCK_MONOTONIC time of the simulation loop only; data generation, allocation
 * and table set-up happen before it, statistics after it. "peakRssMB" is getrusage ru_maxrss
 * (KiB) / 1024, read right after the timed loop (before the statistics allocate anything).
 *
 * Random numbers
 *   - MT19937: Matsumoto & Nishimura's reference mt19937ar (init_genrand / genrand_int32),
 *     state held in a struct so that each path can own one generator.
 *   - Standard normals: Marsaglia & Tsang (2000) ziggurat, 128 layers, RNOR / nfix with the
 *     tables of zigset (held in double), driven by genrand_int32 instead of SHR3. As in the
 *     paper, the layer index is the low 7 bits of the same 32-bit word that gives the value
 *     (one genrand_int32 per normal on the fast path). UNI in nfix is
 *     (genrand_int32() + 0.5) / 2^32, in (0, 1).
 *   - Seeds: w1 and w3 give path p its own generator, init_genrand(seed*1000003 + p) (computed
 *     modulo 2^32); w2 and w4 use one generator, init_genrand(seed).
 *
 * Workloads (Euler–Maruyama x_{k+1} = x_k + h f + g sqrt(h) z; lag L = tau/h steps; the
 * history lives in a ring buffer of L+1 slots: slot (k+1) mod (L+1) holds x_{k-L} until
 * x_{k+1} overwrites it)
 *   w1: dX = -X(t-1) dt + dB, h = 1e-3 (L = 1000), X = 1 on [-1, 0], N = 1000 paths, K = 1e5
 *       steps; units = N*K; stats meanX, meanX2, seX2 of X(T).
 *   w2: same SDDE, one path, K = 1e7 steps, saves x_k for k = 1000, 2000, ..., K into a
 *       preallocated array; units = K; stats meanX2 (saved values after dropping the first
 *       10%), saved.
 *   w3: d = m = 100, dX = -X(t-0.01) dt + G dB, h = 1e-3 (L = 10), G_ij = 0.1[i==j] +
 *       0.001 sin(i+2j), X = 0 on [-tau, 0], N = 4 paths, K = 1e5 steps, full G*z each step;
 *       units = N*K; stats meanSq. (K was 1e4 until 2026-12-07: a 50-ms run, within the noise of a
 *       shared machine, and for the JIT-compiled programs mostly their one-time warm-up.)
 *   w4: asynchronous SGD on least squares, n = 10000, d = 100, eta = 0.01, K = 20000,
 *       minibatch of b = 32 indices genrand_int32() % n (with replacement), then delay
 *       genrand_int32() % 17 clipped to k; gradient at x_{k-l} from a 17-slot ring of iterates;
 *       units = K; stats finalF = F(x_K) and Fstar = min F, computed after the timed loop by
 *       projecting B onto range(A) (Gram-Schmidt): A has rank 2 (sin(a+b) identity), so the
 *       normal equations are singular and Cholesky of A^T A would fail.
 */
#include "common.h"

static int lag_steps(double tau, double h) { return (int)lround(tau / h); }

/* ---------------------------------------------------------------------------------- w1 */
static void run_w1(uint32_t seed, long N, long K) {
  const double h = 1e-3, sqh = sqrt(h);
  const int L = lag_steps(1.0, h);
  const int R = L + 1;
  double *ring = alloc_doubles((size_t)N * R, 1.0); /* one ring of L+1 per path */
  double *xT = alloc_doubles((size_t)N, 0.0);
  mt19937 *gens = xmalloc((size_t)N * sizeof(mt19937));
  for (long p = 0; p < N; p++) init_genrand(&gens[p], seed * 1000003u + (uint32_t)p);

  double t0 = now_sec();
  for (long p = 0; p < N; p++) {
    mt19937 *g = &gens[p];
    double *buf = ring + (size_t)p * R;
    double x = 1.0; /* x_0 */
    int pos = 1;    /* (k+1) mod (L+1) for k = 0 */
    for (long k = 0; k < K; k++) {
      const double lagged = buf[pos]; /* x_{k-L} (1 for k-L <= 0) */
      x = x + h * (-lagged) + sqh * rnor(g);
      buf[pos] = x; /* x_{k+1} */
      if (++pos == R) pos = 0;
    }
    xT[p] = x;
  }
  double secs = now_sec() - t0;
  double rss = peak_rss_mb(); /* before any post-processing allocates */

  double s1 = 0, s2 = 0;
  for (long p = 0; p < N; p++) {
    s1 += xT[p];
    s2 += xT[p] * xT[p];
  }
  double meanX = s1 / N, meanX2 = s2 / N, ss = 0;
  for (long p = 0; p < N; p++) {
    double d = xT[p] * xT[p] - meanX2;
    ss += d * d;
  }
  double seX2 = N > 1 ? sqrt(ss / (N - 1) / N) : 0.0;
  char stats[256];
  snprintf(stats, sizeof stats, "\"meanX\": %.17g, \"meanX2\": %.17g, \"seX2\": %.17g", meanX, meanX2, seX2);
  emit("w1", secs, (double)N * (double)K, rss, stats);
  free(ring);
  free(xT);
  free(gens);
}

/* ---------------------------------------------------------------------------------- w2 */
static void run_w2(uint32_t seed, long K) {
  const double h = 1e-3, sqh = sqrt(h);
  const int L = lag_steps(1.0, h);
  const int R = L + 1;
  const long every = 1000;
  const long nsave = K / every;
  double *buf = alloc_doubles((size_t)R, 1.0);
  double *saved = alloc_doubles((size_t)(nsave > 0 ? nsave : 1), 0.0);
  mt19937 gen;
  init_genrand(&gen, seed);

  double t0 = now_sec();
  double x = 1.0;
  int pos = 1;
  long ns = 0, next_save = every;
  for (long k = 0; k < K; k++) {
    const double lagged = buf[pos];
    x = x + h * (-lagged) + sqh * rnor(&gen);
    buf[pos] = x;
    if (++pos == R) pos = 0;
    if (k + 1 == next_save) { /* x_{k+1} with (k+1) % every == 0 */
      saved[ns++] = x;
      next_save += every;
    }
  }
  double secs = now_sec() - t0;
  double rss = peak_rss_mb(); /* before any post-processing allocates */

  long drop = ns / 10;
  double s2 = 0;
  for (long i = drop; i < ns; i++) s2 += saved[i] * saved[i];
  double meanX2 = ns > drop ? s2 / (double)(ns - drop) : NAN;
  char stats[256], f1[32];
  snprintf(stats, sizeof stats, "\"meanX2\": %s, \"saved\": %ld", jnum(f1, meanX2), ns);
  emit("w2", secs, (double)K, rss, stats);
  free(buf);
  free(saved);
}

/* ---------------------------------------------------------------------------------- w3 */
#define W3_D 100
#define W3_M 100
static void run_w3(uint32_t seed, long N, long K) {
  const double h = 1e-3, sqh = sqrt(h);
  const int L = lag_steps(0.01, h);
  const int R = L + 1;
  /* sqrt(h)*G stored column-major (column j contiguous) so that G*z is a sum of axpys over
     the columns, which vectorizes over i without reassociating any sum */
  double *Gs = alloc_doubles((size_t)W3_D * W3_M, 0.0);
  for (int i = 0; i < W3_D; i++)
    for (int j = 0; j < W3_M; j++) Gs[(size_t)j * W3_D + i] = sqh * ((i == j ? 0.1 : 0.0) + 0.001 * sin((double)(i + 2 * j)));
  double *ring = alloc_doubles((size_t)N * R * W3_D, 0.0); /* X = 0 on [-tau, 0] */
  double *xT = alloc_doubles((size_t)N * W3_D, 0.0);
  double z[W3_M], x[W3_D], gz[W3_D];
  mt19937 *gens = xmalloc((size_t)N * sizeof(mt19937));
  for (long p = 0; p < N; p++) init_genrand(&gens[p], seed * 1000003u + (uint32_t)p);

  double t0 = now_sec();
  for (long p = 0; p < N; p++) {
    mt19937 *g = &gens[p];
    double *buf = ring + (size_t)p * R * W3_D;
    for (int i = 0; i < W3_D; i++) x[i] = 0.0;
    int pos = 1;
    for (long k = 0; k < K; k++) {
      for (int j = 0; j < W3_M; j++) z[j] = rnor(g);
      for (int i = 0; i < W3_D; i++) gz[i] = 0.0;
      for (int j = 0; j < W3_M; j++) { /* gz = sqrt(h) G z */
        const double *gj = Gs + (size_t)j * W3_D;
        const double zj = z[j];
        for (int i = 0; i < W3_D; i++) gz[i] += gj[i] * zj;
      }
      double *slot = buf + (size_t)pos * W3_D; /* x_{k-L}, then x_{k+1} */
      for (int i = 0; i < W3_D; i++) {
        x[i] = x[i] + h * (-slot[i]) + gz[i];
        slot[i] = x[i];
      }
      if (++pos == R) pos = 0;
    }
    memcpy(xT + (size_t)p * W3_D, x, sizeof x);
  }
  double secs = now_sec() - t0;
  double rss = peak_rss_mb(); /* before any post-processing allocates */

  double s2 = 0;
  for (long q = 0; q < N * W3_D; q++) s2 += xT[q] * xT[q];
  char stats[128];
  snprintf(stats, sizeof stats, "\"meanSq\": %.17g", s2 / (double)(N * W3_D));
  emit("w3", secs, (double)N * (double)K, rss, stats);
  free(Gs);
  free(ring);
  free(xT);
  free(gens);
}

/* ---------------------------------------------------------------------------------- w4 */
#define W4_N 10000
#define W4_D 100
#define W4_B 32
#define W4_DELAYS 17

/* dot product with 8 independent partial sums (vectorizable without -ffast-math) */
static inline double dot(const double *a, const double *y, int d) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= d; j += 8)
    for (int u = 0; u < 8; u++) acc[u] += a[j + u] * y[j + u];
  double s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; j < d; j++) s += a[j] * y[j];
  return s;
}

static double lsq_F(const double *A, const double *Bv, const double *x) {
  double s = 0;
  for (int i = 0; i < W4_N; i++) {
    const double *a = A + (size_t)i * W4_D;
    double r = -Bv[i];
    for (int j = 0; j < W4_D; j++) r += a[j] * x[j];
    s += r * r;
  }
  return s / (2.0 * W4_N);
}

/* F* = min_x F(x) = |B - P B|^2 / (2n), P the orthogonal projector onto range(A), built by
   modified Gram-Schmidt (with one re-orthogonalization pass) with a rank tolerance. The normal
   equations are NOT usable here: A_ij = sin(a_i + b_j) = sin(a_i)cos(b_j) + cos(a_i)sin(b_j)
   has rank 2, so A^T A is singular; any minimizer x* gives the same F(x*). */
static double lsq_Fstar(const double *A, const double *Bv, int *rank_out) {
  const int n = W4_N, d = W4_D;
  double *Q = alloc_doubles((size_t)d * n, 0.0); /* orthonormal columns, each contiguous */
  double *v = alloc_doubles((size_t)n, 0.0);
  int rank = 0;
  for (int j = 0; j <= d; j++) { /* columns of A, then B (j == d) */
    for (int i = 0; i < n; i++) v[i] = j < d ? A[(size_t)i * d + j] : Bv[i];
    double nrm0 = sqrt(dot(v, v, n));
    for (int pass = 0; pass < 2; pass++)
      for (int q = 0; q < rank; q++) {
        const double *qq = Q + (size_t)q * n;
        const double c = dot(qq, v, n);
        for (int i = 0; i < n; i++) v[i] -= c * qq[i];
      }
    if (j == d) break;
    double nrm = sqrt(dot(v, v, n));
    if (nrm > 1e-9 * nrm0 && nrm > 0) {
      double *qq = Q + (size_t)rank * n;
      for (int i = 0; i < n; i++) qq[i] = v[i] / nrm;
      rank++;
    }
  }
  double F = dot(v, v, n) / (2.0 * n);
  free(Q);
  free(v);
  *rank_out = rank;
  return F;
}

static void run_w4(uint32_t seed, long K) {
  const int n = W4_N, d = W4_D, b = W4_B;
  const double eta = 0.01;
  double *A = alloc_doubles((size_t)n * d, 0.0);
  double *Bv = alloc_doubles((size_t)n, 0.0);
  double w[W4_D];
  for (int j = 0; j < d; j++) w[j] = cos((double)(j + 1));
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < d; j++) {
      /* volatile: keep the two products separately rounded (no FMA contraction), as NumPy does */
      volatile double t1 = 12.9898 * (double)(i + 1);
      volatile double t2 = 78.233 * (double)(j + 1);
      /* full-rank data: the GLSL-style hash fract(43758.5453·sin(·)) − 1/2 (sin(α_i + β_j) alone has rank 2) */
      volatile double h = sin(t1 + t2) * 43758.5453;
      double a = (h - floor(h)) - 0.5;
      A[(size_t)i * d + j] = a;
      s += a * w[j];
    }
    volatile double t3 = 3.7 * (double)(i + 1);
    Bv[i] = s + 0.5 * sin(t3);
  }
  double *hist = alloc_doubles((size_t)W4_DELAYS * d, 0.0); /* x_k in slot k mod 17; x0 = 0 */
  double g[W4_D];
  int idx[W4_B];
  mt19937 gen;
  init_genrand(&gen, seed);

  double t0 = now_sec();
  int cur = 0; /* slot of x_k */
  for (long k = 0; k < K; k++) {
    for (int q = 0; q < b; q++) idx[q] = (int)(genrand_int32(&gen) % (uint32_t)n);
    long l = (long)(genrand_int32(&gen) % (uint32_t)W4_DELAYS);
    if (l > k) l = k;
    int ys = cur - (int)l;
    if (ys < 0) ys += W4_DELAYS;
    const double *y = hist + (size_t)ys * d;
    for (int j = 0; j < d; j++) g[j] = 0.0;
    for (int q = 0; q < b; q++) {
      const double *a = A + (size_t)idx[q] * d;
      const double r = dot(a, y, d) - Bv[idx[q]];
      for (int j = 0; j < d; j++) g[j] += r * a[j];
    }
    int nx = cur + 1 == W4_DELAYS ? 0 : cur + 1;
    const double *xc = hist + (size_t)cur * d;
    double *xn = hist + (size_t)nx * d; /* overwrites x_{k-16}, no longer needed */
    const double c = eta / b;
    for (int j = 0; j < d; j++) xn[j] = xc[j] - c * g[j];
    cur = nx;
  }
  double secs = now_sec() - t0;
  double rss = peak_rss_mb(); /* before any post-processing allocates */

  double finalF = lsq_F(A, Bv, hist + (size_t)cur * d);
  int rank;
  double Fstar = lsq_Fstar(A, Bv, &rank);
  char stats[256], f1[32], f2[32];
  snprintf(stats, sizeof stats, "\"finalF\": %s, \"Fstar\": %s", jnum(f1, finalF), jnum(f2, Fstar));
  emit("w4", secs, (double)K, rss, stats);
  free(A);
  free(Bv);
  free(hist);
}

/* -------------------------------------------------------------------------------- main */
static void usage(void) {
  fprintf(stderr, "usage: em <w1|w2|w3|w4> [--seed S] [--paths N] [--steps K]\n"
                  "  defaults: w1 N=1000 K=100000; w2 K=10000000; w3 N=4 K=100000; w4 K=20000 (iterations)\n");
  exit(64);
}

static long parse_long(const char *s, const char *name, long lo) {
  char *end;
  errno = 0;
  double v = strtod(s, &end); /* accepts 1e5 */
  if (*s == '\0' || *end != '\0' || v != floor(v) || v < (double)lo || v > 9.2e18) {
    fprintf(stderr, "em: bad value for %s: %s\n", name, s);
    exit(64);
  }
  return (long)v;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  const char *wl = argv[1];
  long seed = 1, paths = -1, steps = -1;
  for (int i = 2; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--seed")) seed = parse_long(argv[++i], "--seed", 0);
    else if (!strcmp(argv[i], "--paths")) paths = parse_long(argv[++i], "--paths", 1);
    else if (!strcmp(argv[i], "--steps") || !strcmp(argv[i], "--iters")) steps = parse_long(argv[++i], "--steps", 1);
    else usage();
  }
  if (seed > 0xffffffffL) {
    fprintf(stderr, "em: --seed must fit in 32 bits\n");
    return 64;
  }
  zigset();
  uint32_t s = (uint32_t)seed;
  if (!strcmp(wl, "w1")) run_w1(s, paths > 0 ? paths : 1000, steps > 0 ? steps : 100000);
  else if (!strcmp(wl, "w2")) {
    if (paths > 1) fprintf(stderr, "em: w2 has one path; --paths ignored\n");
    run_w2(s, steps > 0 ? steps : 10000000);
  } else if (!strcmp(wl, "w3")) run_w3(s, paths > 0 ? paths : 4, steps > 0 ? steps : 100000);
  else if (!strcmp(wl, "w4")) {
    if (paths > 0) fprintf(stderr, "em: w4 has no paths; --paths ignored\n");
    run_w4(s, steps > 0 ? steps : 20000);
  } else usage();
  return 0;
}
