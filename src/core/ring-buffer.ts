/**
 * History of a d-dimensional state for delayed reads: the last `capacity` states, one row per
 * step, in a single Float64Array. Memory is O(capacity·d), independent of the number of steps,
 * so a 10^8-step path with lag 1000 needs 1001·d doubles of history.
 *
 * Row for step j lives at slot j mod capacity; a read of step j is valid while
 * newest − capacity < j ≤ newest.
 */
export class StateRing {
  readonly dim: number;
  readonly capacity: number;
  readonly data: Float64Array;
  private newestStep = -1;

  constructor(capacity: number, dim: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.dim = dim;
    this.capacity = capacity;
    this.data = new Float64Array(capacity * dim);
  }

  get newest(): number {
    return this.newestStep;
  }

  /** Append the state of step `newest + 1`. */
  push(state: ArrayLike<number>): void {
    const step = this.newestStep + 1;
    const off = (step % this.capacity) * this.dim;
    for (let i = 0; i < this.dim; i++) this.data[off + i] = state[i];
    this.newestStep = step;
  }

  /** Offset into `data` of the row of step j (caller guarantees j is held). */
  offsetOf(step: number): number {
    return (step % this.capacity) * this.dim;
  }

  holds(step: number): boolean {
    return step >= 0 && step <= this.newestStep && step > this.newestStep - this.capacity;
  }

  /** Copy the state of step j into `out`. */
  read(step: number, out: Float64Array): void {
    if (!this.holds(step)) throw new RangeError(`step ${step} is not in the history window (newest ${this.newestStep}, capacity ${this.capacity})`);
    const off = this.offsetOf(step);
    for (let i = 0; i < this.dim; i++) out[i] = this.data[off + i];
  }
}
