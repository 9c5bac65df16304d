// Development only: the worker entry of the worker pool when the library runs from its TypeScript
// sources (vitest, tsx). Registers the TypeScript loader, then runs pool-worker.ts. The built
// package never loads this file (its worker is dist/stats/pool-worker.js) and needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker.ts');
