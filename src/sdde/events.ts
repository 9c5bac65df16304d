/**
 * Events: where a condition c(t, X(t)) crosses zero — e.g. ‖X − x*‖² − ε — the solve stops or
 * records the crossing. The crossing is located within the step, not at a grid point: with the
 * state interpolated linearly between (t_k, X_k) and (t_{k+1}, X_{k+1}) (the path EM's
 * increments describe), the root of σ ↦ c(t_k + σh, X_k + σ(X_{k+1} − X_k)) on [0, 1] is found
 * by the Illinois variant of regula falsi (Dowell & Jarratt 1971) to |Δσ| ≤ 10⁻¹³, from the
 * values at both ends (a sign change brackets it). Like DifferentialEquations.jl's
 * ContinuousCallback, but on a fixed grid: an event whose condition crosses zero twice within
 * one step is not seen.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';

/**
 * An event of {@link solve}: where `condition(t, X(t))` crosses zero within a step (located by regula
 * falsi on the linearly interpolated step), the solve stops (`action: 'stop'`, the default) or records
 * the crossing.
 */
export interface EventSpec {
  /** The event happens where condition(t, X(t)) crosses zero. */
  condition: (t: number, x: Float64Array) => number;
  /** 'down' (from > 0 to ≤ 0), 'up' (from < 0 to ≥ 0) or 'both' (default). */
  direction?: 'up' | 'down' | 'both';
  /** 'stop' ends the solve at the first such crossing (status 'terminated'); 'record' keeps going. Default 'stop'. */
  action?: 'stop' | 'record';
  /** Most crossings a 'record' event keeps (default 10 000); later ones are counted, not kept. */
  maxRecords?: number;
  /** A label for the results; default `event i`. */
  name?: string;
}

/** The crossings of one event: times, interpolated states (row-major) and the step they fell in. */
export interface EventRecord {
  name: string;
  /** Located crossing times (t_k < t ≤ t_{k+1}). */
  t: Float64Array;
  /** The state at each crossing (linear interpolation within the step), row-major. */
  x: Float64Array;
  /** Index k of the step [t_k, t_{k+1}] each crossing fell in. */
  step: Int32Array;
  /** Crossings seen, including those beyond maxRecords. */
  count: number;
}

interface CompiledEvent {
  name: string;
  condition: (t: number, x: Float64Array) => number;
  down: boolean;
  up: boolean;
  stop: boolean;
  max: number;
  t: Float64Array;
  x: Float64Array;
  step: Int32Array;
  count: number;
  previous: number;
}

/** Tracks the events of one solve; everything is allocated before the first step. */
export class EventTracker {
  private readonly events: CompiledEvent[];
  private readonly z: Float64Array;
  /** Index of the event that stopped the solve, or −1. */
  stoppedBy = -1;

  constructor(specs: unknown, private readonly d: number, field = 'options.events') {
    if (!Array.isArray(specs) || specs.length === 0) throw new ConfigError(field, `must be a non-empty array of events, got ${describe(specs)}`);
    this.events = specs.map((raw, i) => {
      const f = `${field}[${i}]`;
      const s = plainObject(raw, f);
      knownFields(s, f, ['condition', 'direction', 'action', 'maxRecords', 'name']);
      if (typeof s.condition !== 'function') throw new ConfigError(`${f}.condition`, `must be a function (t, x) => number, got ${describe(s.condition)}`);
      const direction = s.direction === undefined ? 'both' : oneOf(s.direction, `${f}.direction`, ['up', 'down', 'both'] as const);
      const action = s.action === undefined ? 'stop' : oneOf(s.action, `${f}.action`, ['stop', 'record'] as const);
      const max = action === 'stop' ? 1 : s.maxRecords === undefined ? 10_000 : integer(s.maxRecords, `${f}.maxRecords`, { min: 1, max: 10_000_000 });
      if (s.name !== undefined && typeof s.name !== 'string') throw new ConfigError(`${f}.name`, `must be a string, got ${describe(s.name)}`);
      return {
        name: (s.name as string | undefined) ?? `event ${i}`,
        condition: s.condition as (t: number, x: Float64Array) => number,
        down: direction !== 'up',
        up: direction !== 'down',
        stop: action === 'stop',
        max,
        t: new Float64Array(max),
        x: new Float64Array(max * d),
        step: new Int32Array(max),
        count: 0,
        previous: NaN,
      };
    });
    this.z = new Float64Array(d);
  }

  /** Evaluate every condition at the initial state; a condition that is not a number there is refused. */
  start(t0: number, x0: Float64Array, field = 'options.events'): void {
    this.events.forEach((e, i) => {
      const c = e.condition(t0, x0);
      if (typeof c !== 'number' || Number.isNaN(c)) throw new ConfigError(`${field}[${i}].condition`, `must return a number; at t0 = ${t0} it returned ${describe(c)}`);
      e.previous = c;
    });
  }

  /**
   * After step k (x = X_k at t, xNext = X_{k+1} at t + h): locate and keep the crossings.
   * Returns true when a 'stop' event fired (its crossing is the first one of the step among the
   * stopping events).
   */
  afterStep(k: number, t: number, h: number, x: Float64Array, xNext: Float64Array): boolean {
    const events = this.events;
    let stopAt = Infinity;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const c0 = e.previous;
      const c1 = e.condition(t + h, xNext);
      e.previous = c1;
      const crossed = (e.down && c0 > 0 && c1 <= 0) || (e.up && c0 < 0 && c1 >= 0);
      if (!crossed) continue;
      const sigma = this.locate(e, t, h, x, xNext, c0, c1);
      if (e.count < e.max) {
        const j = e.count;
        e.t[j] = t + sigma * h;
        e.step[j] = k;
        const off = j * this.d;
        for (let q = 0; q < this.d; q++) e.x[off + q] = x[q] + sigma * (xNext[q] - x[q]);
      }
      e.count++;
      if (e.stop && e.t[0] < stopAt) {
        stopAt = e.t[0];
        this.stoppedBy = i;
      }
    }
    return this.stoppedBy >= 0;
  }

  /** σ ∈ (0, 1] with c(t + σh, x + σ(xNext − x)) = 0, by the Illinois method. */
  private locate(e: CompiledEvent, t: number, h: number, x: Float64Array, xNext: Float64Array, c0: number, c1: number): number {
    const z = this.z;
    const d = this.d;
    let a = 0;
    let b = 1;
    let fa = c0;
    let fb = c1;
    if (fb === 0) return 1;
    let side = 0;
    let s = b;
    for (let it = 0; it < 100 && b - a > 1e-13; it++) {
      s = (a * fb - b * fa) / (fb - fa);
      for (let q = 0; q < d; q++) z[q] = x[q] + s * (xNext[q] - x[q]);
      const fs = e.condition(t + s * h, z);
      if (!(typeof fs === 'number' && Number.isFinite(fs))) return b; // the condition broke inside the step: keep its end
      if (fs === 0) return s;
      if (fs > 0 === fb > 0) {
        b = s;
        fb = fs;
        if (side === -1) fa /= 2;
        side = -1;
      } else {
        a = s;
        fa = fs;
        if (side === 1) fb /= 2;
        side = 1;
      }
    }
    return s;
  }

  records(): EventRecord[] {
    return this.events.map((e) => {
      const n = Math.min(e.count, e.max);
      return { name: e.name, t: e.t.slice(0, n), x: e.x.slice(0, n * this.d), step: e.step.slice(0, n), count: e.count };
    });
  }

  /** The stopping crossing: event index, time and state. */
  stop(): { event: number; name: string; t: number; x: Float64Array; step: number } | undefined {
    if (this.stoppedBy < 0) return undefined;
    const e = this.events[this.stoppedBy];
    return { event: this.stoppedBy, name: e.name, t: e.t[0], x: e.x.slice(0, this.d), step: e.step[0] };
  }
}
