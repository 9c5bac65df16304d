/**
 * Every `@example` in the API reference runs: the fenced ts block of each `@example` tag in src/ is
 * extracted, its `'asgd-sdde'` import pointed at the built package (dist/index.js, rebuilt by the
 * global setup), and all of them are run one after the other in one child process (node with tsx,
 * as the examples may use TypeScript syntax). A block that throws fails the test and names its file
 * and line. What the examples print is not compared here (their comments say what to expect).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'assembly' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

interface Example {
  where: string;
  code: string;
}

/** The ts block of every `@example` tag of the doc comments of a file. */
function examplesOf(file: string): Example[] {
  const text = readFileSync(file, 'utf8');
  const out: Example[] = [];
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    const tag = body.indexOf('@example');
    if (tag < 0) continue;
    const block = /```ts\n([\s\S]*?)```/.exec(body.slice(tag));
    if (!block) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${relative(root, file)}:${line}`, code: block[1] });
  }
  return out;
}

const examples = sourceFiles(join(root, 'src')).flatMap(examplesOf);
const work = mkdtempSync(join(tmpdir(), 'asgd-sdde-api-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('API reference examples', () => {
  it('the main entry points have examples', () => {
    const names = examples.map((e) => e.code).join('\n');
    for (const fn of ['solve(', 'defineSdde(', 'runAsgd(', 'runEnsemble(', 'runSweep(', 'convergenceOrder(', 'asgdConfig(', 'runPair(', 'delayModel(', 'runParameterServer(', 'runThreadedServer(', 'loadMnist(', 'CHECKS']) {
      expect(names, fn).toContain(fn);
    }
    for (const e of examples) expect(e.code, e.where).toMatch(/from 'asgd-sdde'/);
  });

  it('every example runs against the built package', async () => {
    const dist = pathToFileURL(join(root, 'dist', 'index.js')).href;
    const files = examples.map((e, i) => {
      const file = join(work, `example-${i}.mts`);
      writeFileSync(file, e.code.replaceAll("from 'asgd-sdde'", `from '${dist}'`));
      return { file, where: e.where };
    });
    // one process runs them in turn and reports the first failure with its place
    const driver = join(work, 'driver.mts');
    writeFileSync(
      driver,
      `const files = ${JSON.stringify(files)};\nfor (const f of files) {\n  try {\n    await import(${'new URL(`file://${f.file}`).href'});\n  } catch (e) {\n    console.error('EXAMPLE FAILED: ' + f.where + '\\n' + (e instanceof Error ? e.stack : String(e)));\n    process.exit(1);\n  }\n}\n`,
    );
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', driver], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` });
      });
    });
    expect(result.code, result.out.slice(-4000)).toBe(0);
  }, 600_000);
});
