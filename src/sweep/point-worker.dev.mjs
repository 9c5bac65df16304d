// Development only: the sweep's point worker when the library runs from its TypeScript sources
// (vitest, tsx). Registers the TypeScript loader, then runs point-worker.ts. The built package
// never loads this file (its worker is dist/sweep/point-worker.js) and needs no tsx.
import { register } from 'tsx/esm/api';

register();
await import('./point-worker.ts');
