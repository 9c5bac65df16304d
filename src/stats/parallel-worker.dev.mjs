// Development only: the worker entry of parallelMap when the library runs from its TypeScript
// sources (vitest, tsx). Registers the TypeScript loader, then runs parallel-worker.ts. The built
// package never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
