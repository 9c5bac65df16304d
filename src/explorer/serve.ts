/**
 * The explorer's web server, on 127.0.0.1 only. It serves a fixed list of files by exact name
 * (no path is ever built from the request, so there is nothing to traverse), answers GET and
 * HEAD only (405 otherwise), refuses Host headers other than localhost / 127.0.0.1 with the
 * server's port (421: a page on another origin cannot reach it through DNS rebinding), and answers
 * a malformed request path (`/%`, `/%zz`, `/%ff`: not decodable) with 400. No request can throw
 * out of the handler: one bad request never takes the server down (tested).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { ConfigError } from '../core/errors.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css', '.png': 'image/png', '.json': 'application/json' };

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Serve `files` (URL name → file; '' or '/' is index.html) on 127.0.0.1:`port` (0: any free port). */
export function serveFiles(files: Record<string, string>, port: number): Promise<{ server: Server; url: string }> {
  let actualPort = port;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    const hostPort = actualPort === 80 ? '' : `:${actualPort}`; // a browser omits the default port
    if (host !== `127.0.0.1${hostPort}` && host !== `localhost${hostPort}`) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end(`refused: Host ${JSON.stringify(host)} is not this server (127.0.0.1:${actualPort})\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split(/[?#]/)[0];
    if (!decodable(path)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed percent-encoding in the path\n');
      return;
    }
    const name = path.replace(/^\/+/, '') || 'index.html';
    const file = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      // a file of the list gone missing (the package reinstalled under a running server): this
      // request fails, the server keeps serving
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ConfigError('--port', `port ${port} on 127.0.0.1 is already in use; choose another (or 0 for any free port)`));
      else if (e.code === 'EACCES') reject(new ConfigError('--port', `port ${port} needs privileges this user does not have; choose one above 1023`));
      else reject(e);
    });
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      actualPort = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ server, url: `http://127.0.0.1:${actualPort}/` });
    });
  });
}
