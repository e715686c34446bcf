/**
 * The test page's origin: a localhost HTTP server over a few folders (the built dist, the page bundle,
 * model folders), so the monitor loads its worker, worklet, onnxruntime-web wasm and models the way an
 * app serves them: same origin, no CDN. `/isolated/...` pages get COOP (and, like every response,
 * COEP), making the page crossOriginIsolated (SharedArrayBuffer ring transport); other pages are plain.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /** paths requested, in order (to check nothing came from elsewhere and what 404'd) */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** `routes`: URL prefix (e.g. '/client/') -> folder, or exact path -> file. */
export async function startStaticServer(routes: Record<string, string>, pages: Record<string, string>): Promise<StaticServer> {
  const requests: { path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const isolated = path.startsWith('/isolated/');
    const local = isolated ? path.slice('/isolated'.length) : path;
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    // COEP on everything (an isolated page's worker must carry it too); COOP only on isolated pages,
    // so that plain pages stay not crossOriginIsolated.
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    if (isolated) res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    const send = (status: number) => requests.push({ path, status });
    if (pages[local] !== undefined) {
      send(200);
      res.writeHead(200, { 'Content-Type': TYPES['.html']! }).end(pages[local]);
      return;
    }
    const file = resolveFile(routes, local);
    if (file === null) {
      send(404);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    send(200);
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function resolveFile(routes: Record<string, string>, path: string): string | null {
  for (const [prefix, target] of Object.entries(routes)) {
    let file: string | null = null;
    if (prefix.endsWith('/') && path.startsWith(prefix)) {
      const rest = normalize(path.slice(prefix.length));
      if (rest.startsWith('..')) return null;
      file = join(target, rest);
    } else if (path === prefix) {
      file = target;
    }
    if (file !== null && existsSync(file) && statSync(file).isFile()) return file;
  }
  return null;
}
