#!/usr/bin/env node
// `npm version` hook: write package.json's version into src/version.ts (a literal, so bundles
// need no file access at run time).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const file = join(root, 'src', 'version.ts');
const text = readFileSync(file, 'utf8').replace(/export const VERSION = '[^']*';/, `export const VERSION = '${version}';`);
writeFileSync(file, text);
console.log(`src/version.ts: ${version}`);
