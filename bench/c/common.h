/*
 * bench/c/common.h — what the C reference programs share (bench/c/em.c, bench/c/pair.c):
 * MT19937 (Matsumoto & Nishimura's mt19937ar, state in a struct so that each path owns one
 * generator), the Marsaglia & Tsang (2000) ziggurat for standard normals driven by it, timing,
 * peak RSS, allocation and the one JSON line each program prints.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ------------------------------------------------------------------ MT19937 (mt19937ar) */
#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfUL
#define MT_UPPER_MASK 0x80000000UL
#define MT_LOWER_MASK 0x7fffffffUL

typedef struct {
  uint32_t mt[MT_N];
  int mti;
} mt19937;

static void init_genrand(mt19937 *g, uint32_t s) {
  g->mt[0] = s;
  for (int i = 1; i < MT_N; i++) {
    g->mt[i] = (uint32_t)(1812433253UL * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + (uint32_t)i);
  }
  g->mti = MT_N;
}

static void mt_generate(mt19937 *g) {
  static const uint32_t mag01[2] = {0x0UL, MT_MATRIX_A};
  uint32_t y;
  int kk;
  for (kk = 0; kk < MT_N - MT_M; kk++) {
    y = (g->mt[kk] & MT_UPPER_MASK) | (g->mt[kk + 1] & MT_LOWER_MASK);
    g->mt[kk] = g->mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1UL];
  }
  for (; kk < MT_N - 1; kk++) {
    y = (g->mt[kk] & MT_UPPER_MASK) | (g->mt[kk + 1] & MT_LOWER_MASK);
    g->mt[kk] = g->mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1UL];
  }
  y = (g->mt[MT_N - 1] & MT_UPPER_MASK) | (g->mt[0] & MT_LOWER_MASK);
  g->mt[MT_N - 1] = g->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1UL];
  g->mti = 0;
}

static inline uint32_t genrand_int32(mt19937 *g) {
  if (g->mti >= MT_N) mt_generate(g);
  uint32_t y = g->mt[g->mti++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680UL;
  y ^= (y << 15) & 0xefc60000UL;
  y ^= (y >> 18);
  return y;
}

/* ------------------------------------------- ziggurat (Marsaglia & Tsang 2000), 128 layers */
static uint32_t kn[128];
static double wn[128], fn[128];

static void zigset(void) {
  const double m1 = 2147483648.0;
  const double vn = 9.91256303526217e-3;
  double dn = 3.442619855899, tn = dn;
  const double q = vn / exp(-.5 * dn * dn);
  kn[0] = (uint32_t)((dn / q) * m1);
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1.;
  fn[127] = exp(-.5 * dn * dn);
  for (int i = 126; i >= 1; i--) {
    dn = sqrt(-2. * log(vn / dn + exp(-.5 * dn * dn)));
    kn[i + 1] = (uint32_t)((dn / tn) * m1);
    tn = dn;
    fn[i] = exp(-.5 * dn * dn);
    wn[i] = dn / m1;
  }
}

static inline double uni(mt19937 *g) { return ((double)genrand_int32(g) + 0.5) * (1.0 / 4294967296.0); }

static inline uint32_t iabs32(int32_t hz) { return hz < 0 ? (uint32_t)0 - (uint32_t)hz : (uint32_t)hz; }

static double nfix(mt19937 *g, int32_t hz, uint32_t iz) {
  const double r = 3.442619855899;
  for (;;) {
    double x = hz * wn[iz];
    if (iz == 0) {
      double y;
      do {
        x = -log(uni(g)) / r;
        y = -log(uni(g));
      } while (y + y < x * x);
      return (hz > 0) ? r + x : -r - x;
    }
    if (fn[iz] + uni(g) * (fn[iz - 1] - fn[iz]) < exp(-.5 * x * x)) return x;
    hz = (int32_t)genrand_int32(g);
    iz = (uint32_t)hz & 127u;
    if (iabs32(hz) < kn[iz]) return hz * wn[iz];
  }
}

static inline double rnor(mt19937 *g) {
  int32_t hz = (int32_t)genrand_int32(g);
  uint32_t iz = (uint32_t)hz & 127u;
  if (__builtin_expect(iabs32(hz) < kn[iz], 1)) return hz * wn[iz];
  return nfix(g, hz, iz);
}

/* --------------------------------------------------------------------------- utilities */
static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

/* touch every page so that allocation cost is paid before the timed section */
static double *alloc_doubles(size_t n, double fill) {
  double *p = xmalloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) p[i] = fill;
  return p;
}

/* a JSON number, or null when not finite */
static const char *jnum(char buf[32], double v) {
  if (isfinite(v)) snprintf(buf, 32, "%.17g", v);
  else snprintf(buf, 32, "null");
  return buf;
}

static void emit(const char *wl, double seconds, double units, double rss_mb, const char *stats) {
  printf("{\"program\": \"c\", \"workload\": \"%s\", \"seconds\": %.9g, \"units\": %.17g, "
         "\"throughput\": %.9g, \"peakRssMB\": %.6g, \"stats\": {%s}}\n",
         wl, seconds, units, units / seconds, rss_mb, stats);
}

#endif
