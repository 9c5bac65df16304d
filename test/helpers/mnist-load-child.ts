/**
 * A child process for the MNIST cache tests (test/data/mnist-cache.test.ts): loads the spec given
 * as JSON in argv[2] with the cache directory argv[3] and prints the SHA-256 of the features and
 * labels it got. Several run at once to race on one cache file.
 */
import { createHash } from 'node:crypto';
import { loadMnist } from '../../src/data/mnist.ts';

const m = loadMnist(JSON.parse(process.argv[2]), { cache: { dir: process.argv[3] } });
const digest = createHash('sha256').update(new Uint8Array(m.A.buffer, m.A.byteOffset, m.A.byteLength)).update(new Uint8Array(m.labels.buffer, m.labels.byteOffset, m.labels.byteLength)).digest('hex');
console.log(JSON.stringify({ digest, n: m.n, d: m.d, explainedVariance: m.explainedVariance }));
