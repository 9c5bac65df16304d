/**
 * The shape of the small CNN (src/asgd/objectives/cnn.ts) as the kernels see it: the offsets of
 * its parameter blocks in x and of its scratch arrays, in doubles. The AssemblyScript kernel
 * (assembly/cnn.ts) computes the same offsets in the same order; the TypeScript twin
 * (cnn-fallback.ts) and the host (cnn-kernel.ts) use this function.
 *
 * Architecture (H×W single-channel images, k×k kernels, c1 and c2 channels, h hidden units, C
 * classes): conv(k, c1) → 2×2 average pool → tanh → conv(k, c2) → 2×2 average pool → tanh →
 * dense(h) → tanh → dense(C) → softmax. A convolution followed by a 2×2 average pool is computed
 * as a stride-2 convolution over the stride-1 2×2 averages of its input (B0, B1 below): the same
 * function, four times fewer multiply-adds. Both pooled maps are ⌊(in − k + 1)/2⌋ wide; an odd
 * last row or column of a convolution's output is not pooled.
 */

/** Offsets (in doubles) of the parameter blocks and scratch arrays of a CNN, and its sizes. */
export interface CnnShape {
  /** Image height and width, kernel size, channels of the two convolutions, hidden units, classes. */
  H: number; W: number; k: number; c1: number; c2: number; h: number; C: number;
  /** Pooled map sizes after the first (P1h × P1w) and second (P2h × P2w) convolution. */
  P1h: number; P1w: number; P2h: number; P2w: number;
  /** Features into the first dense layer: c2·P2h·P2w. */
  F: number;
  /** Parameter offsets: K1 (c1·k·k), b1 (c1), K2 (c2·c1·k·k), b2 (c2), W3 (h·F), b3 (h), W4 (C·h), b4 (C). */
  oK1: number; oB1: number; oK2: number; oB2: number; oW3: number; oB3: number; oW4: number; oB4: number;
  /** Number of parameters. */
  dim: number;
  /** Scratch offsets: B0, y1, B1, y2, y3, s, g3, g2, gB1, gy1, gi; `scratch` doubles in all. */
  sB0: number; sY1: number; sB1: number; sY2: number; sY3: number; sS: number; sG3: number; sG2: number; sGB1: number; sGY1: number; sGi: number;
  scratch: number;
}

/** The shape of a CNN with these sizes (no validation: the objective validates its fields). */
export function cnnShape(H: number, W: number, k: number, c1: number, c2: number, h: number, C: number): CnnShape {
  const P1h = (H - k + 1) >> 1;
  const P1w = (W - k + 1) >> 1;
  const P2h = (P1h - k + 1) >> 1;
  const P2w = (P1w - k + 1) >> 1;
  const F = c2 * P2h * P2w;
  const oK1 = 0;
  const oB1 = oK1 + c1 * k * k;
  const oK2 = oB1 + c1;
  const oB2 = oK2 + c2 * c1 * k * k;
  const oW3 = oB2 + c2;
  const oB3 = oW3 + h * F;
  const oW4 = oB3 + h;
  const oB4 = oW4 + C * h;
  const dim = oB4 + C;
  const sB0 = 0;
  const sY1 = sB0 + (H - 1) * (W - 1);
  const sB1 = sY1 + c1 * P1h * P1w;
  const sY2 = sB1 + c1 * (P1h - 1) * (P1w - 1);
  const sY3 = sY2 + F;
  const sS = sY3 + h;
  const sG3 = sS + C;
  const sG2 = sG3 + h;
  const sGB1 = sG2 + F;
  const sGY1 = sGB1 + c1 * (P1h - 1) * (P1w - 1);
  const sGi = sGY1 + c1 * P1h * P1w;
  const scratch = sGi + dim;
  return { H, W, k, c1, c2, h, C, P1h, P1w, P2h, P2w, F, oK1, oB1, oK2, oB2, oW3, oB3, oW4, oB4, dim, sB0, sY1, sB1, sY2, sY3, sS, sG3, sG2, sGB1, sGY1, sGi, scratch };
}
