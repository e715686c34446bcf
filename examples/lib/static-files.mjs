/**
 * Serving an app's files from its own origin (no CDN): a request handler over URL prefixes mapped to
 * folders or exact paths mapped to files, plus in-memory pages. Paths never escape their folder.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The file a path maps to, or null. `routes`: URL prefix ending in '/' -> folder, or exact path -> file.
 * @param {Record<string, string>} routes @param {string} path @returns {string | null}
 */
export function resolveFile(routes, path) {
  for (const [prefix, target] of Object.entries(routes)) {
    let file = null;
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

/**
 * @typedef {object} StaticHandlerOptions
 * @property {Record<string, string>} [pages] exact path -> HTML text
 * @property {(path: string, res: import('node:http').ServerResponse) => void} [headers] sets extra headers per response
 * @property {(path: string, status: number) => void} [onRequest] sees every request's path and status
 */

/**
 * A node:http request handler serving `routes` (see resolveFile) and `pages`; anything else is a 404.
 * @param {Record<string, string>} routes @param {StaticHandlerOptions} [options]
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function staticFiles(routes, { pages = {}, headers, onRequest } = {}) {
  return (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    res.setHeader('Cache-Control', 'no-store');
    headers?.(path, res);
    if (pages[path] !== undefined) {
      onRequest?.(path, 200);
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.html'] }).end(pages[path]);
      return;
    }
    const file = resolveFile(routes, path);
    if (file === null) {
      onRequest?.(path, 404);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    onRequest?.(path, 200);
    const type = CONTENT_TYPES[/** @type {keyof typeof CONTENT_TYPES} */ (extname(file))] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  };
}
