// Development only: the worker entry when the library runs from its TypeScript sources (vitest,
// tsx). Registers the TypeScript loader, then runs threaded-server-worker.ts. The built package
// never loads this file (its worker is dist/asgd/threaded-server-worker.js) and needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('./threaded-server-worker.ts');
