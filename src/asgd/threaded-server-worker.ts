/**
 * Worker-thread entry of `runThreadedServer` (threaded-server.ts): one worker of the real-thread
 * parameter server. It builds its own copy of the objective (MNIST data arrive from the main
 * thread in shared memory), then loops: pull (x, version), compute a minibatch gradient at the
 * pulled x, push. The server is not a thread but the shared memory itself: the pushing worker
 * applies its gradient (or adds it to the server's buffer) while holding the server's lock, so the
 * server's order of events on a push is the simulated server's: receive, apply if the buffer is
 * full, answer the pull.
 *
 * Consistent mode (the default; async, global accumulation, sync): pull = copy x and read the
 * version under the lock; push = under the lock, τ = version − pulled version, α(τ) from the
 * table, buffer the gradient, and if the buffer is full apply the α-weighted sum with the server's
 * optimizer (its state in shared memory), log each gradient, count the update.
 *
 * Inconsistent mode (Hogwild, async SGD): no lock. The pull reads the version, then the
 * coordinates one by one (it may see some coordinates of updates in progress); the push reserves
 * the next update number t′ by a compare-and-swap on the version (τ = t′ − pulled version, exact),
 * then subtracts lr·α(τ)·g_i from each coordinate by a compare-and-swap on its 64 bits, so no
 * coordinate write is lost (Niu et al.'s atomic component-wise update), only reads are inconsistent.
 *
 * A worker serves one run per task message (a pool keeps its threads across runs): it answers
 * 'ready' once its objective is built (cached across tasks), waits for the start signal in shared
 * memory, runs, and answers 'done'.
 */
import { parentPort } from 'node:worker_threads';
import { rememberMnist, type MnistData, type MnistSpec } from '../data/mnist.ts';
import { type ObjectiveSpec, objectiveFromSpec } from './objectives/spec.ts';
import { deriveEngine } from '../random/streams.ts';
import { MinibatchSampler, type Sampling } from './minibatch.ts';
import type { FiniteSumObjective } from './objective.ts';
import { optimizer, type OptimizerSpec } from './optimizers.ts';
import { C, STATUS_DIVERGED, type ThreadedLayout, threadedViews, W, WT } from './threaded-server-memory.ts';
import { everyNthIndex } from '../sdde/save-at.ts';

export interface ThreadedWorkerTask {
  sab: SharedArrayBuffer;
  layout: ThreadedLayout;
  worker: number;
  seed: number;
  objective: ObjectiveSpec;
  mnist?: { spec: MnistSpec; data: MnistData };
  batchSize: number;
  sampling: Sampling;
  mode: 'async' | 'sync';
  read: 'consistent' | 'inconsistent';
  optimizer: OptimizerSpec;
  dropAbove: number;
  updates: number;
  saveEvery: number;
}

const objectives = new Map<string, FiniteSumObjective>();

function objectiveOf(task: ThreadedWorkerTask): FiniteSumObjective {
  const key = JSON.stringify(task.objective);
  let obj = objectives.get(key);
  if (!obj) {
    if (task.mnist) rememberMnist(task.mnist.spec, task.mnist.data);
    obj = objectiveFromSpec(task.objective, 'server.objective');
    objectives.set(key, obj);
  }
  return obj;
}

function run(task: ThreadedWorkerTask): void {
  const obj = objectiveOf(task);
  const L = task.layout;
  const d = L.dim;
  const V = threadedViews(task.sab, L);
  const { ctrl } = V;
  const w = task.worker;
  const b = task.batchSize;
  const { updates, saveEvery, dropAbove } = task;
  const opt = optimizer(task.optimizer, d, 'server.optimizer', L.stateLength ? V.state : undefined);
  const sampler = new MinibatchSampler(obj.n, b, task.sampling, deriveEngine(task.seed, 'minibatch', w));
  const batch = new Int32Array(b);
  const xw = new Float64Array(d); // the pulled copy
  const g = new Float64Array(d);
  const gi = new Float64Array(d);
  const step = new Float64Array(d); // the server's α-weighted sum
  const counters = V.perWorker.subarray(w * W.LENGTH, (w + 1) * W.LENGTH);
  const times = V.perWorkerTime.subarray(w * WT.LENGTH, (w + 1) * WT.LENGTH);
  const nowMs = () => performance.timeOrigin + performance.now();
  const since = (ms: number) => (ms - V.origin[0]) / 1000;

  /** α(τ)/α: 0 drops the gradient (τ above dropAbove, or α(τ) = 0). */
  const scaleAt = (tau: number): number => (tau > dropAbove ? 0 : V.table.length === 0 ? 1 : tau < V.table.length ? V.table[tau] : 0);

  /** The minibatch mean gradient at the pulled x (the fused sum where the objective has one). */
  function gradient(): void {
    sampler.draw(batch);
    if (obj.minibatchGradientSum) {
      obj.minibatchGradientSum(batch, b, xw, g);
      for (let i = 0; i < d; i++) g[i] /= b;
      return;
    }
    g.fill(0);
    for (let j = 0; j < b; j++) {
      obj.componentGradient(batch[j], xw, gi);
      for (let i = 0; i < d; i++) g[i] += gi[i] / b;
    }
  }

  // ---- the server's lock: Drepper's futex mutex ("Futexes are tricky", mutex 2) ----
  function lock(): void {
    let c = Atomics.compareExchange(ctrl, C.LOCK, 0, 1);
    if (c === 0) return;
    const t0 = nowMs();
    do {
      if (c === 2 || Atomics.compareExchange(ctrl, C.LOCK, 1, 2) !== 0) Atomics.wait(ctrl, C.LOCK, 2);
    } while ((c = Atomics.compareExchange(ctrl, C.LOCK, 0, 2)) !== 0);
    times[WT.LOCK_WAIT] += (nowMs() - t0) / 1000;
  }
  function unlock(): void {
    if (Atomics.sub(ctrl, C.LOCK, 1) !== 1) {
      Atomics.store(ctrl, C.LOCK, 0);
      Atomics.notify(ctrl, C.LOCK, 1);
    }
  }

  function stop(): void {
    Atomics.store(ctrl, C.STOP, 1);
    Atomics.notify(ctrl, C.VERSION); // wake synchronous workers waiting for a round
  }

  function save(u: number, source: Float64Array): void {
    const k = everyNthIndex(u, updates, saveEvery);
    if (k < 0) return;
    V.saveX.set(source, k * d);
    V.saveTime[k] = since(nowMs());
    Atomics.store(V.saveUpdate, k, u); // last and atomic: a reader that sees it sees the whole snapshot (stopAtLoss's watch)
  }

  function log(slot: number, tau: number, worker: number, pulled: number, seq: number, compute: number, finish: number, grad: Float64Array): void {
    V.logTau[slot] = tau;
    V.logWorker[slot] = worker;
    V.logPull[slot] = pulled;
    V.logSeq[slot] = seq;
    V.logCompute[slot] = compute;
    V.logFinish[slot] = finish;
    if (L.recordGradients) V.logGrad.set(grad, slot * d);
  }

  /** Under the lock: apply the buffered gradients as one update (those with α(τ) = 0 are dropped). */
  function flush(): void {
    const version = ctrl[C.VERSION];
    const n = ctrl[C.PENDING];
    step.fill(0);
    let applied = 0;
    for (let j = 0; j < n; j++) {
      const tau = version - V.pendingVersion[j];
      const scale = scaleAt(tau);
      const from = V.pendingWorker[j];
      const gj = V.pendingGrad.subarray(j * d, (j + 1) * d);
      if (scale === 0) {
        V.perWorker[from * W.LENGTH + W.DROPPED]++;
        continue;
      }
      log(ctrl[C.APPLIED]++, tau, from, V.pendingVersion[j], V.pendingSeq[j], V.pendingCompute[j], V.pendingFinish[j], gj);
      V.perWorker[from * W.LENGTH + W.APPLIED]++;
      for (let i = 0; i < d; i++) step[i] += scale * gj[i];
      applied++;
    }
    ctrl[C.PENDING] = 0;
    if (applied === 0) return; // a buffer of dropped gradients makes no update
    opt.step(V.x, step);
    const u = version + 1;
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(V.x[i])) {
        Atomics.store(ctrl, C.STATUS, STATUS_DIVERGED);
        Atomics.store(ctrl, C.DIVERGED_AT, u);
        break;
      }
    }
    save(u, V.x);
    Atomics.store(ctrl, C.VERSION, u);
    if (u >= updates || ctrl[C.STATUS] === STATUS_DIVERGED) stop();
    Atomics.notify(ctrl, C.VERSION);
  }

  function runConsistent(): void {
    const buffer = L.buffer;
    for (let seq = 0; ; seq++) {
      if (Atomics.load(ctrl, C.STOP)) return;
      lock();
      xw.set(V.x);
      const pulled = ctrl[C.VERSION];
      unlock();
      if (pulled >= updates) return;
      const t0 = nowMs();
      gradient();
      const t1 = nowMs();
      counters[W.COMPUTED]++;
      times[WT.COMPUTE] += (t1 - t0) / 1000;
      lock();
      if (ctrl[C.STOP] || ctrl[C.VERSION] >= updates) {
        counters[W.UNAPPLIED]++;
        unlock();
        return;
      }
      const j = ctrl[C.PENDING]++;
      V.pendingGrad.set(g, j * d);
      V.pendingVersion[j] = pulled;
      V.pendingWorker[j] = w;
      V.pendingSeq[j] = seq;
      V.pendingCompute[j] = (t1 - t0) / 1000;
      V.pendingFinish[j] = since(t1);
      if (j + 1 === buffer) flush();
      unlock();
      if (task.mode === 'sync') {
        // the barrier: wait until the round this gradient belongs to is applied (or the run stops)
        while (Atomics.load(ctrl, C.VERSION) === pulled && !Atomics.load(ctrl, C.STOP)) Atomics.wait(ctrl, C.VERSION, pulled, 100);
      }
    }
  }

  // scratch for reinterpreting a coordinate's 64 bits (Hogwild compare-and-swap)
  const bitsF = new Float64Array(1);
  const bitsI = new BigInt64Array(bitsF.buffer);

  /** x_i ← x_i − delta, atomically for this coordinate; returns the new value. */
  function subtractAtomic(i: number, delta: number): number {
    let old = Atomics.load(V.xBits, i);
    for (;;) {
      bitsI[0] = old;
      bitsF[0] -= delta;
      const seen = Atomics.compareExchange(V.xBits, i, old, bitsI[0]);
      if (seen === old) return bitsF[0];
      old = seen;
    }
  }

  function runHogwild(): void {
    const lr = (task.optimizer as { lr: number }).lr;
    for (let seq = 0; ; seq++) {
      if (Atomics.load(ctrl, C.STOP)) return;
      const pulled = Atomics.load(ctrl, C.VERSION);
      if (pulled >= updates) return;
      for (let i = 0; i < d; i++) xw[i] = V.x[i]; // plain loads, coordinate by coordinate: an inconsistent read
      const t0 = nowMs();
      gradient();
      const t1 = nowMs();
      counters[W.COMPUTED]++;
      times[WT.COMPUTE] += (t1 - t0) / 1000;
      // reserve the update number t′ (τ = t′ − pulled is then exact) unless the gradient is dropped
      let slot = -1;
      let scale = 0;
      for (;;) {
        const cur = Atomics.load(ctrl, C.VERSION);
        if (cur >= updates || Atomics.load(ctrl, C.STOP)) break;
        scale = scaleAt(cur - pulled);
        if (scale === 0) {
          slot = -2;
          break;
        }
        if (Atomics.compareExchange(ctrl, C.VERSION, cur, cur + 1) === cur) {
          slot = cur;
          break;
        }
      }
      if (slot === -1) {
        counters[W.UNAPPLIED]++;
        return;
      }
      if (slot === -2) {
        counters[W.DROPPED]++;
        continue;
      }
      log(slot, slot - pulled, w, pulled, seq, (t1 - t0) / 1000, since(t1), g);
      Atomics.add(ctrl, C.APPLIED, 1);
      counters[W.APPLIED]++;
      let finite = true;
      for (let i = 0; i < d; i++) if (!Number.isFinite(subtractAtomic(i, lr * (scale * g[i])))) finite = false;
      const u = slot + 1;
      if (!finite) {
        Atomics.compareExchange(ctrl, C.STATUS, 0, STATUS_DIVERGED);
        Atomics.compareExchange(ctrl, C.DIVERGED_AT, 0, u);
      }
      save(u, V.x); // a plain copy: as inconsistent as a pull
      Atomics.add(ctrl, C.COMPLETED, 1);
      if (u >= updates || !finite) stop();
    }
  }

  parentPort!.postMessage('ready');
  while (Atomics.load(ctrl, C.GO) === 0) Atomics.wait(ctrl, C.GO, 0);
  if (task.read === 'inconsistent') runHogwild();
  else runConsistent();
}

parentPort!.on('message', (task: ThreadedWorkerTask) => {
  run(task);
  parentPort!.postMessage('done');
});
