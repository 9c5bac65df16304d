/**
 * Objectives from JSON: {"kind": "toy"} | {"kind": "least-squares", …} | {"kind": "logistic", …}
 * | {"kind": "softmax", …} | {"kind": "mlp", …} | {"kind": "expression", …}. Generated data sets take
 * n, d, noise, seed; given data take A, B (least squares) or A, y (logistic). The classifiers
 * (softmax regression, a tanh MLP) take generated data only: n, d, classes (and hidden for the
 * MLP), optional noise, separation, l2, seed (and initScale for the MLP). {"kind": "mnist", "model":
 * "softmax" | "logistic" | "least-squares" | "mlp" | "cnn", digits?, perDigit?, dim?, scaling?, l2?,
 * hidden?, …} is real data (src/data/mnist.ts; needs the optional `mnist` package). {"kind": "cnn",
 * n, size, classes, kernel?, channels?, hidden?, …} is the small CNN on generated square images.
 */
import type { FiniteSumObjective } from '../objective.ts';
import { expressionObjective } from './expression.ts';
import { generatedLeastSquares, leastSquaresObjective } from './least-squares.ts';
import { generatedLogistic, logisticObjective } from './logistic.ts';
import { generatedCnn } from './cnn.ts';
import { generatedMlp } from './mlp.ts';
import { type MnistObjectiveSpec, mnistObjective } from './mnist.ts';
import { generatedSoftmax } from './softmax.ts';
import { toyObjective } from './toy.ts';
import { knownFields, oneOf, plainObject } from '../../core/validate.ts';

/**
 * An objective as JSON (config files, sweeps, worker threads): `toy`, `least-squares` and `logistic`
 * (generated from n, d, noise, seed, or given A with B or y), `softmax` and `mlp` (generated
 * classification data), `cnn` (the small CNN of {@link generatedCnn} on generated images),
 * `expression` (see {@link ExpressionObjectiveSpec}) or `mnist` (see {@link MnistObjectiveSpec}).
 */
export type ObjectiveSpec =
  | { kind: 'toy' }
  | { kind: 'least-squares'; n?: number; d?: number; noise?: number; seed?: number; A?: number[][]; B?: number[] }
  | { kind: 'logistic'; n?: number; d?: number; noise?: number; l2?: number; seed?: number; A?: number[][]; y?: number[] }
  | { kind: 'softmax'; n: number; d: number; classes: number; noise?: number; separation?: number; l2?: number; seed?: number }
  | { kind: 'mlp'; n: number; d: number; hidden: number; classes: number; noise?: number; separation?: number; l2?: number; seed?: number; initScale?: number }
  | { kind: 'cnn'; n: number; size: number; classes: number; kernel?: number; channels?: [number, number]; hidden?: number; noise?: number; separation?: number; l2?: number; seed?: number; initScale?: number }
  | { kind: 'expression'; variables: string[]; components?: string[]; expression?: string; data?: Record<string, number[]> }
  | ({ kind: 'mnist' } & MnistObjectiveSpec);

/**
 * Objectives built from the same spec are shared (an objective is immutable: data, x*, L): a sweep
 * validates every point, and each thread builds its points, so a logistic regression's Newton
 * solve or an MNIST projection is done once per process instead of once per point. At most 8 kept.
 */
const built = new Map<string, FiniteSumObjective>();

export function objectiveFromSpec(input: unknown, field: string, probe?: ArrayLike<number>): FiniteSumObjective {
  let key: string | undefined;
  try {
    key = JSON.stringify([input, probe ? Array.from(probe) : null]);
  } catch {
    key = undefined; // not JSON (e.g. a cycle): validation below refuses it or builds it uncached
  }
  const hit = key === undefined ? undefined : built.get(key);
  if (hit) return hit;
  const obj = buildObjective(input, field, probe);
  if (key !== undefined) {
    built.set(key, obj);
    if (built.size > 8) built.delete(built.keys().next().value!);
  }
  return obj;
}

function buildObjective(input: unknown, field: string, probe?: ArrayLike<number>): FiniteSumObjective {
  const s = plainObject(input, field);
  const kind = oneOf(s.kind, `${field}.kind`, ['toy', 'least-squares', 'logistic', 'softmax', 'mlp', 'cnn', 'expression', 'mnist'] as const);
  switch (kind) {
    case 'toy':
      knownFields(s, field, ['kind']);
      return toyObjective();
    case 'least-squares':
      if (s.A !== undefined || s.B !== undefined) {
        knownFields(s, field, ['kind', 'A', 'B']);
        return leastSquaresObjective(s as never, field);
      }
      knownFields(s, field, ['kind', 'n', 'd', 'noise', 'seed']);
      return generatedLeastSquares(s as never, field);
    case 'logistic':
      if (s.A !== undefined || s.y !== undefined) {
        knownFields(s, field, ['kind', 'A', 'y', 'l2']);
        return logisticObjective(s as never, field);
      }
      knownFields(s, field, ['kind', 'n', 'd', 'noise', 'l2', 'seed']);
      return generatedLogistic(s as never, field);
    case 'softmax':
      knownFields(s, field, ['kind', 'n', 'd', 'classes', 'noise', 'separation', 'l2', 'seed']);
      return generatedSoftmax(s as never, field);
    case 'mlp':
      knownFields(s, field, ['kind', 'n', 'd', 'hidden', 'classes', 'noise', 'separation', 'l2', 'seed', 'initScale']);
      return generatedMlp(s as never, field);
    case 'cnn':
      knownFields(s, field, ['kind', 'n', 'size', 'classes', 'kernel', 'channels', 'hidden', 'noise', 'separation', 'l2', 'seed', 'initScale']);
      return generatedCnn(s as never, field);
    case 'mnist':
      return mnistObjective(s as never, field);
    case 'expression': {
      knownFields(s, field, ['kind', 'variables', 'components', 'expression', 'data']);
      const { kind: _k, ...rest } = s;
      return expressionObjective(rest as never, field, probe);
    }
  }
}
