/**
 * The explorer's server under hostile requests (issue 14, item 1), run as a user runs it
 * (`asgd-sdde explore`, a child process): a request that cannot be decoded (`/%`, `/%zz`, `/%ff`)
 * gets 400 and the server keeps serving; methods other than GET/HEAD get 405; a Host header
 * other than 127.0.0.1/localhost with the port gets 421 (DNS rebinding); `--port=` and a port in
 * use are refused with exit 2 naming --port; serving leaves no temporary directory behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli-process.ts';

function get(port: number, path: string, { method = 'GET', host = `127.0.0.1:${port}` }: { method?: string; host?: string | null } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (host !== null) headers.host = host;
    const req = request({ host: '127.0.0.1', port, path, method, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (b) => void (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const explorerTemps = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('asgd-sdde-explorer-')));

describe('explore: hostile requests', () => {
  let child: ChildProcess;
  let port = 0;
  let exited: number | null | undefined;
  let tempsBefore: Set<string>;
  beforeAll(async () => {
    tempsBefore = explorerTemps();
    child = spawn(process.execPath, [BIN, 'explore', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('exit', (code) => void (exited = code));
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b) => {
        out += b;
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`explore exited with ${code} before serving`)));
    });
  });
  afterAll(() => {
    if (exited === undefined) child.kill();
  });

  it('GET / serves the page', async () => {
    const r = await get(port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<html');
  });
  it('undecodable paths get 400, and the server keeps serving after each', async () => {
    for (const path of ['/%', '/%zz', '/%ff', '/%E0%A4%A', '/explorer.js%']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(400);
      expect((await get(port, '/explorer.js')).status, `after ${path}`).toBe(200);
    }
    expect(exited).toBeUndefined();
  });
  it('paths outside the fixed list get 404 (traversal, encoded traversal, other files)', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/dist/web/explorer.js', '/index.html/', '/explorer.js/..', '//etc/passwd', '/toString', '/__proto__']) {
      expect((await get(port, path)).status, path).toBe(404);
    }
  });
  it('POST, PUT, DELETE, PATCH get 405 with Allow: GET, HEAD; HEAD works', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get(port, '/', { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    // HEAD: the headers of the GET (the file's length), no body
    const head = await get(port, '/explorer-worker.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(statSync(new URL('../../dist/web/explorer-worker.js', import.meta.url)).size);
    expect(head.body).toBe('');
  });
  it('a Host other than 127.0.0.1 / localhost with this port gets 421 (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, `0.0.0.0:${port}`, '']) {
      expect((await get(port, '/', { host })).status, String(host)).toBe(421);
    }
    // no Host at all: Node's HTTP/1.1 parser answers 400 before the handler runs
    expect((await get(port, '/', { host: null })).status).toBe(400);
    expect((await get(port, '/', { host: `localhost:${port}` })).status).toBe(200);
  });
  it('is still alive and serving after all of it, and created no temporary directory', async () => {
    expect(exited).toBeUndefined();
    expect((await get(port, '/')).status).toBe(200);
    const created = [...explorerTemps()].filter((f) => !tempsBefore.has(f));
    expect(created).toEqual([]);
  });
});

describe('explore: bad ports are bad input (exit 2 naming --port)', () => {
  it('--port= (empty) and --port=abc are refused, not read as port 0', async () => {
    for (const arg of ['--port=', '--port=abc', '--port=-1', '--port=70000', '--port=1.5']) {
      const r = await runCli(['explore', arg], { timeoutMs: 20_000 });
      expect(r.code, `${arg}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('--port');
    }
  });
  it('a port in use is refused with exit 2 naming --port and the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['explore', '--port', String(busy)], { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--port');
      expect(r.stderr).toContain(String(busy));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
