#!/usr/bin/env python3
"""bench/numpy/pair.py — NumPy reference for the pair-step benchmarks W5 and W6.

Run:  OPENBLAS_NUM_THREADS=1 python3 bench/numpy/pair.py <w5|w6> [--seed S] [--paths N] [--steps K]

The problem, the coupling and the statistics are those of bench/c/pair.c (read its header): ASGD
beside its SDDE under the axis-quantile coupling, least squares (w5) or logistic regression (w6,
the SDDE drift the full gradient), n = 10^4, d = 20, b = 16, lag uniform on {0..3} clipped to k,
M = 65 536 law samples. The NumPy idiom: a Python loop over the K steps, every step vectorized
over all paths — the minibatches as one (paths, b, d) gather and batched matmuls, the rank PIT as
one np.searchsorted per axis over the paths, Φ⁻¹ by AS 241 on arrays, and the SDDE drift of all
paths at once: w5 X Ã − B̃, w6 the full gradients of all paths as one matrix product
(paths × d)·(d × n) and back (BLAS, one thread: OPENBLAS_NUM_THREADS=1 is set before NumPy loads).

Random numbers: numpy.random.default_rng (PCG64): one stream for the law, one for the
calibration, one for the paths (lags, batches, the PIT's uniforms).
Prints one JSON line as bench/numpy/em.py; "seconds" times the K steps only (data, x*, the law and
its calibration before: stats.setupSeconds).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

N_DATA, DIM, BATCH, SLOTS, LAW_M, TIE_TOL, ETA, L2 = 10_000, 20, 16, 4, 65_536, 1e-9, 0.01, 0.01

# Wichura's AS 241 (PPND16) coefficients, lowest degree first
PA = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727]
PB = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925]
PC = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4]
PD = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9]
PE = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7]
PF = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15]


def poly(c, x):
    r = np.zeros_like(x)
    for a in reversed(c):
        r = r * x + a
    return r


def ndtri(p):
    """Φ⁻¹(p) elementwise, AS 241 (the algorithm of src/random/normal-quantile.ts and bench/c/pair.c)."""
    q = p - 0.5
    central = np.abs(q) <= 0.425
    r = 0.180625 - q * q
    out = q * poly(PA, r) / poly(PB, r)
    tail = ~central
    if tail.any():
        qt = q[tail]
        rt = np.sqrt(-np.log(np.where(qt < 0, p[tail], 1 - p[tail])))
        xt = np.where(rt <= 5, poly(PC, rt - 1.6) / poly(PD, rt - 1.6), poly(PE, rt - 5) / poly(PF, rt - 5))
        out[tail] = np.where(qt < 0, -xt, xt)
    return out


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for any z


def make_problem(logistic):
    i = np.arange(1, N_DATA + 1)[:, None]
    j = np.arange(1, DIM + 1)[None, :]
    h = np.sin(12.9898 * i + 78.233 * j) * 43758.5453
    A = h - np.floor(h) - 0.5
    r = A @ np.cos(np.arange(1, DIM + 1)) + 0.5 * np.sin(3.7 * np.arange(1, N_DATA + 1))
    y = np.where(r >= 0, 1.0, -1.0)
    gram = A.T @ A / N_DATA
    gramB = A.T @ r / N_DATA
    if not logistic:
        return A, r, y, gram, gramB, np.linalg.solve(gram, gramB)
    x = np.zeros(DIM)
    for _ in range(100):
        g = full_grad_one(A, y, x)
        if np.linalg.norm(g) < 1e-12:
            break
        s = sigmoid(A @ x)
        H = (A * (s * (1 - s))[:, None]).T @ A / N_DATA + L2 * np.eye(DIM)
        x = x - np.linalg.solve(H, g)
    return A, r, y, gram, gramB, x


def full_grad_one(A, y, x):
    c = -y * sigmoid(-y * (A @ x))
    return c @ A / N_DATA + L2 * x


def batch_grads(A, r, y, idx, X, logistic):
    """g_b(X_p) for each path p: idx (P, b), X (P, d) -> (P, d)."""
    Ab = A[idx]  # (P, b, d)
    m = np.matmul(Ab, X[:, :, None])[:, :, 0]  # (P, b)
    if logistic:
        yb = y[idx]
        c = -yb * sigmoid(-yb * m)
        return np.matmul(c[:, None, :], Ab)[:, 0, :] / BATCH + L2 * X
    return np.matmul((m - r[idx])[:, None, :], Ab)[:, 0, :] / BATCH


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["w5", "w6"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--paths", type=int)
    ap.add_argument("--steps", type=int)
    a = ap.parse_args()
    logistic = a.workload == "w6"
    P = a.paths or (256 if logistic else 1000)
    K = a.steps or (10 if logistic else 500)

    t0 = time.perf_counter()
    A, r, y, gram, gramB, xs = make_problem(logistic)
    gF = full_grad_one(A, y, xs) if logistic else gram @ xs - gramB
    # the law at x*: C = Σ(x*)/b, whitened minibatch noises sorted per axis
    m = A @ xs
    G1 = (-y * sigmoid(-y * m))[:, None] * A + L2 * xs if logistic else (m - r)[:, None] * A  # ∇f_i(x*), (n, d)
    res_star = m - r  # w5: a_i·x* − r_i
    dev = G1 - gF
    lam, V = np.linalg.eigh(dev.T @ dev / N_DATA / BATCH)
    Pw = (V / np.sqrt(lam)).T  # P[j, i] = V[i, j]/√λ_j

    def whitened(rng, count):
        out = np.empty((count, DIM))
        for s in range(0, count, 4096):
            idx = rng.integers(0, N_DATA, (min(4096, count - s), BATCH))
            out[s:s + len(idx)] = (gF - batch_grads(A, r, y, idx, np.tile(xs, (len(idx), 1)), logistic)) @ Pw.T
        return out

    S = np.ascontiguousarray(np.sort(whitened(np.random.default_rng([a.seed, 1]), LAW_M), axis=0).T)  # (d, M)

    def pit_normals(W, v):
        U = np.empty_like(W)
        for j in range(DIM):
            below = np.searchsorted(S[j], W[:, j] - TIE_TOL, "left")
            upto = np.searchsorted(S[j], W[:, j] + TIE_TOL, "right")
            U[:, j] = (below + v[:, j] * (upto - below + 1)) / (LAW_M + 1)
        return ndtri(U)

    cal_rng = np.random.default_rng([a.seed, 2])
    Wc = whitened(cal_rng, LAW_M)
    Zc = pit_normals(Wc, cal_rng.random((LAW_M, DIM)))
    beta = (Zc - Wc).mean(axis=0)
    lz, Vz = np.linalg.eigh(np.cov(Zc, rowvar=False))
    T = (Vz / np.sqrt(np.maximum(lz, 1e-12))) @ Vz.T
    Rmix = (V * np.sqrt(lam)) @ T
    setup = time.perf_counter() - t0

    rng = np.random.default_rng([a.seed, 3])
    xr = np.tile(xs, (SLOTS, P, 1))  # ASGD ring (slot, path, d)
    Xr = xr.copy()  # SDDE ring
    rows = np.arange(P)
    t1 = time.perf_counter()
    for k in range(K):
        lag = np.minimum(rng.integers(0, SLOTS, P), k)
        idx = rng.integers(0, N_DATA, (P, BATCH))
        read = (k - lag) % SLOTS
        cur, nxt = k % SLOTS, (k + 1) % SLOTS
        xr[nxt] = xr[cur] - ETA * batch_grads(A, r, y, idx, xr[read, rows], logistic)
        if logistic:
            W = (gF - batch_grads(A, r, y, idx, np.broadcast_to(xs, (P, DIM)), logistic)) @ Pw.T
        else:  # w5: the residuals at x* are computed once (as asgd-sdde's kernel and bench/c/pair.c)
            W = (gF - np.matmul(res_star[idx][:, None, :], A[idx])[:, 0, :] / BATCH) @ Pw.T
        Z = pit_normals(W, rng.random((P, DIM))) - beta
        Xread = Xr[read, rows]
        if logistic:
            C = -y * sigmoid(-y * (Xread @ A.T))  # (P, n): every path's margins in one product
            gX = C @ A / N_DATA + L2 * Xread
        else:
            gX = Xread @ gram - gramB
        Xr[nxt] = Xr[cur] - ETA * gX + ETA * (Z @ Rmix.T)
    seconds = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    x, X = xr[K % SLOTS], Xr[K % SLOTS]
    dist = np.linalg.norm(x - X, axis=1)
    err = ((x - xs) ** 2).sum(axis=1)
    stats = {"meanDist": dist.mean(), "seDist": dist.std(ddof=1) / math.sqrt(P), "meanErr": err.mean(), "seErr": err.std(ddof=1) / math.sqrt(P), "setupSeconds": setup}
    print(json.dumps({"program": "numpy", "workload": a.workload, "seconds": seconds, "units": P * K, "throughput": P * K / seconds, "peakRssMB": rss, "stats": {k: float(v) for k, v in stats.items()}}))


if __name__ == "__main__":
    main()
