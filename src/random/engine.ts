/**
 * A source of uniform 32-bit words: random-js's `Engine` interface, restated here so that the
 * package's types need no dependency on random-js. Any random-js engine (e.g.
 * `MersenneTwister19937.seed(1)`) is one, as is the library's own `deriveEngine(seed, purpose, path)`.
 */
export interface Engine {
  /** The next 32-bit word, as an integer in [−2^31, 2^31) (random-js returns int32 values). */
  next(): number;
}
