/**
 * The test page's origin: a localhost HTTP server over a few folders (the built dist, the page bundle,
 * model folders), so the monitor loads its worker, worklet, onnxruntime-web wasm and models the way an
 * app serves them: same origin, no CDN. `/isolated/...` pages get COOP (and, like every response,
 * COEP), making the page crossOriginIsolated (SharedArrayBuffer ring transport); other pages are plain.
 * The file serving itself is the examples' (examples/lib/static-files.mjs).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticFiles } from '../../../../examples/lib/static-files.mjs';

export interface StaticServer {
  url: string;
  /** paths requested, in order (to check nothing came from elsewhere and what 404'd) */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** `routes`: URL prefix (e.g. '/client/') -> folder, or exact path -> file. */
export async function startStaticServer(routes: Record<string, string>, pages: Record<string, string>): Promise<StaticServer> {
  const requests: { path: string; status: number }[] = [];
  const serve = staticFiles(routes, {
    pages,
    headers: (_path, res) => {
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      // COEP on everything (an isolated page's worker must carry it too)
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    // COOP only on isolated pages, so that plain pages stay not crossOriginIsolated
    if (path.startsWith('/isolated/')) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      req.url = url.pathname.slice('/isolated'.length) + url.search;
    }
    res.once('finish', () => requests.push({ path, status: res.statusCode }));
    serve(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
