#!/usr/bin/env python3
"""bench/numpy/em.py — NumPy reference programs for the asgd-sdde benchmarks.

Run:  python3 bench/numpy/em.py <w1|w2|w3|w4> [--seed S] [--paths N] [--steps K] [--variant V]

Prints exactly one JSON line on stdout:
  {"program": "numpy", "workload": .., "seconds": .., "units": .., "throughput": ..,
   "peakRssMB": .., "stats": {..}}
"seconds" is time.perf_counter() (monotonic) around the simulation loop only. Data, the ring
buffers, the normal-draw buffers and the output arrays are allocated before it; statistics are
computed after it. "peakRssMB" is resource.getrusage(RUSAGE_SELF).ru_maxrss (KiB) / 1024, read
right after the timed loop; it includes the Python interpreter and NumPy itself (~30-40 MB).

Random numbers: one numpy.random.default_rng(seed) (PCG64) per run; normals from
rng.standard_normal (NumPy's ziggurat), integers from rng.integers. Normals are drawn inside the
timed loop (they are part of the simulation) in chunks, into a buffer preallocated before it
(rng.standard_normal(out=...)); Generator.standard_normal keeps no cached state, so drawing in
chunks of any size yields the same stream.

README-notes: the NumPy idiom of each workload (default variant first)
  w1 (N paths x K steps, lag L = 1000):
     "paths" (default): Python loop over the K time steps, every step vectorized across the N
        paths. State is a ring buffer of shape (L+1, N); each step does three in-place ufunc
        calls on one row: row(k-L) *= -h; row += row(k); row += sqrt(h) z_k, which turns the
        slot of x_{k-L} into x_{k+1}. Normals: (1000, N) chunks, scaled by sqrt(h) per chunk.
     "block": method of steps, vectorized across paths AND time: since the lag is L steps, the
        drift of the next L steps only reads the last L+1 known states, so a block of L steps is
        x_k + cumsum(-h x_{k-L..k-1} + sqrt(h) z, axis=0) on an (L, N) array. Same random
        stream as "paths" (same results up to rounding), far fewer Python-level operations.
  w2 (one path, K = 1e7 steps; x_k saved for k = 1000, 2000, ...):
     "loop" (default): there are no paths to vectorize across, so a plain Python loop over
        steps with Python floats: a list of L+1 floats as the ring buffer, normals drawn in
        chunks of 64000 and converted with .tolist(); saved values go into a preallocated
        float64 array.
     "block": the same method-of-steps block/cumsum as w1 "block" on a (L+1,) window; same
        stream as "loop" (same results up to rounding).
  w3 (d = m = 100, 4 paths × 10^5 steps, lag 10): Python loop over steps, vectorized across components and
     the 4 paths: state (d, N) per time, ring buffer (L+1, d, N); each step one
     np.matmul(sqrt(h) G, Z_k, out=...) with Z_k of shape (m, N) (a BLAS d x m x N product; the
     4 paths' matrix-vector products G z are batched as the columns of Z_k), then the same three
     in-place ufuncs as w1. Normals in (1000, m, N) chunks. sqrt(h) is folded into G beforehand.
  w4 (ASGD, n = 10000, d = 100, b = 32): Python loop over iterations; per iteration
     rng.integers(n, size=b), rng.integers(17), fancy-index the minibatch rows A[idx] (b x d),
     residual Ab @ y - B[idx], gradient r @ Ab (BLAS gemv), x_{k+1} = x_k - (eta/b) g into a
     (17, d) ring of iterates. F* is computed after the timed loop with numpy.linalg.lstsq, not
     numpy.linalg.solve on the normal equations: A_ij = sin(a_i + b_j) has rank 2, so A^T A is
     singular (cond ~ 1e18); any minimizer gives the same F*.
"""
import argparse
import json
import math
import resource
import sys
import time

import numpy as np

CHUNK = 1000  # time steps of normals drawn per rng call (w1, w3)


def touched(shape):
    """A float64 zero array whose pages are already written (np.zeros maps them lazily)."""
    a = np.empty(shape)
    a.fill(0.0)
    return a


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def jnum(v):
    v = float(v)
    return v if math.isfinite(v) else None


def emit(workload, seconds, units, rss, stats):
    out = {
        "program": "numpy",
        "workload": workload,
        "seconds": seconds,
        "units": float(units),
        "throughput": units / seconds,
        "peakRssMB": rss,
        "stats": stats,
    }
    sys.stdout.write(json.dumps(out, allow_nan=False) + "\n")


# ----------------------------------------------------------------------------------------- w1
def w1(seed, N, K, variant):
    h = 1e-3
    sqh = math.sqrt(h)
    L = round(1.0 / h)
    R = L + 1
    rng = np.random.default_rng(seed)
    buf = np.ones((R, N))  # X = 1 on [-1, 0]
    Z = touched((min(CHUNK if variant == "paths" else L, K), N))
    if variant == "paths":
        t0 = time.perf_counter()
        cur, pos = 0, 1  # slots of x_k and of x_{k-L} (= slot of x_{k+1})
        for k0 in range(0, K, Z.shape[0]):
            zc = Z[: min(Z.shape[0], K - k0)]
            rng.standard_normal(out=zc)
            zc *= sqh
            for zrow in zc:
                row = buf[pos]
                np.multiply(row, -h, out=row)
                row += buf[cur]
                row += zrow
                cur = pos
                pos = pos + 1 if pos + 1 < R else 0
        seconds = time.perf_counter() - t0
        xT = buf[cur].copy()
    else:  # block: buf rows are x_{k-L}, ..., x_k in order
        inc = touched((L, N))
        t0 = time.perf_counter()
        k = 0
        while k < K:
            B = min(L, K - k)
            zc = Z[:B]
            rng.standard_normal(out=zc)
            block_advance(buf, zc, inc[:B], h, sqh, L, B)
            k += B
        seconds = time.perf_counter() - t0
        xT = buf[L].copy()
    rss = peak_rss_mb()
    x2 = xT * xT
    stats = {
        "meanX": jnum(xT.mean()),
        "meanX2": jnum(x2.mean()),
        "seX2": jnum(x2.std(ddof=1) / math.sqrt(N)) if N > 1 else 0.0,
    }
    emit("w1", seconds, N * K, rss, stats)


def block_advance(buf, zc, ib, h, sqh, L, B):
    """B ≤ L Euler–Maruyama steps of dX = −X(t−1)dt + dB at once: every delayed read x_{k+i−L}
    is already in the window buf = (x_{k−L}, …, x_k), so the B new states are a cumulative sum.
    zc holds B standard normals (scaled in place), ib is scratch of the same shape; rows are steps
    (1-D: one path, 2-D: paths in columns)."""
    R = L + 1
    np.multiply(buf[:B], -h, out=ib)
    zc *= sqh
    ib += zc
    np.cumsum(ib, axis=0, out=ib)
    ib += buf[L]
    buf[: R - B] = buf[B:]
    buf[R - B :] = ib


# ----------------------------------------------------------------------------------------- w2
def w2(seed, K, variant):
    h = 1e-3
    sqh = math.sqrt(h)
    L = round(1.0 / h)
    R = L + 1
    every = 1000
    nsave = K // every
    rng = np.random.default_rng(seed)
    saved = touched(max(nsave, 1))
    if variant == "loop":
        chunk = 64 * every  # a multiple of `every`, so save points fall on sub-block ends
        Z = touched(min(chunk, K))
        buf = [1.0] * R
        t0 = time.perf_counter()
        x = 1.0
        pos = 1
        ns = 0
        k = 0
        while k < K:
            c = min(chunk, K - k)
            zc = Z[:c]
            rng.standard_normal(out=zc)
            zc *= sqh
            zl = zc.tolist()
            for s0 in range(0, c, every):
                for z in zl[s0 : s0 + every]:
                    x = x - h * buf[pos] + z
                    buf[pos] = x
                    pos += 1
                    if pos == R:
                        pos = 0
                if s0 + every <= c:  # x_{k+s0+every}, a multiple of `every`
                    saved[ns] = x
                    ns += 1
            k += c
        seconds = time.perf_counter() - t0
    else:  # block: buf is the window x_{k-L}, ..., x_k
        buf = np.ones(R)
        Z = touched(min(L, K))
        inc = touched(L)
        t0 = time.perf_counter()
        ns = 0
        k = 0
        while k < K:
            B = min(L, K - k)
            zc = Z[:B]
            rng.standard_normal(out=zc)
            block_advance(buf, zc, inc[:B], h, sqh, L, B)
            # x_j for j in (k, k+B] sits at buf[L - B + j - k]
            j = (k // every + 1) * every
            while j <= k + B:
                saved[ns] = buf[L - B + j - k]
                ns += 1
                j += every
            k += B
        seconds = time.perf_counter() - t0
    rss = peak_rss_mb()
    drop = ns // 10
    kept = saved[drop:ns]
    stats = {"meanX2": jnum((kept * kept).mean()) if kept.size else None, "saved": ns}
    emit("w2", seconds, K, rss, stats)


# ----------------------------------------------------------------------------------------- w3
def w3(seed, N, K):
    d = m = 100
    h = 1e-3
    sqh = math.sqrt(h)
    L = round(0.01 / h)
    R = L + 1
    i = np.arange(d)[:, None]
    j = np.arange(m)[None, :]
    Gs = sqh * (0.1 * (i == j) + 0.001 * np.sin(i + 2.0 * j))  # sqrt(h) G, (d, m)
    rng = np.random.default_rng(seed)
    buf = touched((R, d, N))  # X = 0 on [-tau, 0]
    Z = touched((min(CHUNK, K), m, N))
    gz = touched((d, N))
    t0 = time.perf_counter()
    cur, pos = 0, 1
    for k0 in range(0, K, Z.shape[0]):
        zc = Z[: min(Z.shape[0], K - k0)]
        rng.standard_normal(out=zc)
        for zk in zc:
            np.matmul(Gs, zk, out=gz)
            slot = buf[pos]
            np.multiply(slot, -h, out=slot)
            slot += buf[cur]
            slot += gz
            cur = pos
            pos = pos + 1 if pos + 1 < R else 0
    seconds = time.perf_counter() - t0
    rss = peak_rss_mb()
    xT = buf[cur]
    emit("w3", seconds, N * K, rss, {"meanSq": jnum((xT * xT).mean())})


# ----------------------------------------------------------------------------------------- w4
def w4(seed, K):
    n, d, b, nd = 10000, 100, 32, 17
    eta = 0.01
    i1 = np.arange(1, n + 1, dtype=np.float64)
    j1 = np.arange(1, d + 1, dtype=np.float64)
    # full-rank data: fract(43758.5453·sin(·)) − 1/2 (sin(α_i + β_j) alone has rank 2)
    h = np.sin(12.9898 * i1[:, None] + 78.233 * j1[None, :]) * 43758.5453
    A = (h - np.floor(h)) - 0.5
    w = np.cos(j1)
    Bv = A @ w + 0.5 * np.sin(3.7 * i1)
    hist = touched((nd, d))  # x_k in row k mod 17; x_0 = 0
    rng = np.random.default_rng(seed)
    c = eta / b
    t0 = time.perf_counter()
    cur = 0
    for k in range(K):
        idx = rng.integers(n, size=b)
        l = min(int(rng.integers(nd)), k)
        y = hist[(cur - l) % nd]
        Ab = A[idx]
        r = Ab @ y - Bv[idx]
        g = r @ Ab
        nx = cur + 1 if cur + 1 < nd else 0
        np.multiply(g, -c, out=hist[nx])  # overwrites x_{k-16}, no longer needed
        hist[nx] += hist[cur]
        cur = nx
    seconds = time.perf_counter() - t0
    rss = peak_rss_mb()

    def F(x):
        res = A @ x - Bv
        return float(res @ res) / (2 * n)

    xstar = np.linalg.lstsq(A, Bv, rcond=None)[0]
    emit("w4", seconds, K, rss, {"finalF": jnum(F(hist[cur])), "Fstar": jnum(F(xstar))})


# --------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description="NumPy reference benchmarks (asgd-sdde)")
    ap.add_argument("workload", choices=["w1", "w2", "w3", "w4"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paths", type=int, default=None)
    ap.add_argument("--steps", "--iters", dest="steps", type=lambda s: int(float(s)), default=None)
    ap.add_argument("--variant", default=None, help="w1: paths (default) | block; w2: loop (default) | block")
    a = ap.parse_args()
    if a.seed < 0 or (a.paths is not None and a.paths < 1) or (a.steps is not None and a.steps < 1):
        ap.error("--seed must be >= 0, --paths and --steps >= 1")
    if a.workload == "w1":
        v = a.variant or "paths"
        if v not in ("paths", "block"):
            ap.error("w1 --variant: paths | block")
        w1(a.seed, a.paths or 1000, a.steps or 100000, v)
    elif a.workload == "w2":
        v = a.variant or "loop"
        if v not in ("loop", "block"):
            ap.error("w2 --variant: loop | block")
        w2(a.seed, a.steps or 10_000_000, v)
    elif a.workload == "w3":
        w3(a.seed, a.paths or 4, a.steps or 100000)
    else:
        w4(a.seed, a.steps or 20000)


if __name__ == "__main__":
    main()
