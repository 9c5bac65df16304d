// Development only: the worker entry when the library runs from its TypeScript sources (vitest,
// tsx). Registers the TypeScript loader, then runs ensemble-worker.ts. The built package never
// loads this file (its worker is dist/stats/ensemble-worker.js) and needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('./ensemble-worker.ts');
