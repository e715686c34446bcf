#!/usr/bin/env node
/**
 * The in-call badge example's web server: bundles the page's script (esbuild, as an app's bundler would)
 * and serves it with @callmos/client's files (inference worker, audio worklet, onnxruntime-web wasm)
 * and the shipped models, all from this origin (no CDN).
 *
 *   node examples/in-call-badge/server.mjs [--port 8081] [--host 127.0.0.1]
 *
 * Open the printed URL in a browser (http://localhost or 127.0.0.1: getUserMedia needs a secure context,
 * which localhost is) and press "Start microphone".
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shippedModels } from '@callmos/models';
import { staticFiles } from '../lib/static-files.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const MODELS = join(HERE, '../../models');
const require = createRequire(import.meta.url);

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`callmos badge example: ${message}`);
  process.exit(1);
}

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8081' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${args.port}`);

let clientDist;
let appJs;
try {
  clientDist = join(dirname(require.resolve('@callmos/client/package.json')), 'dist');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(HERE, 'public/app.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  appJs = result.outputFiles[0].text;
} catch (err) {
  fail(`cannot bundle the page (${/** @type {Error} */ (err).message.split('\n')[0]}); run \`npm install && npm run build\` first`);
}

const files = staticFiles({
  '/': join(HERE, 'public/'), // index.html
  '/callmos/': clientDist,
  // only the model files (each shipped model's card, graph and streaming pair), not the training code beside them
  ...Object.fromEntries(shippedModels.flatMap((name) => modelFiles(name).map((file) => [`/models/${name}/${file}`, join(MODELS, name, file)]))),
});

/**
 * card.json, model.onnx and the streaming pair the card names, when present.
 * @param {string} name
 * @returns {string[]}
 */
function modelFiles(name) {
  const card = JSON.parse(readFileSync(join(MODELS, name, 'card.json'), 'utf8'));
  return ['card.json', 'model.onnx', card.streaming?.front.file, card.streaming?.back.file].filter((f) => f && existsSync(join(MODELS, name, f)));
}
const http = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/app.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(appJs);
    return;
  }
  if (path === '/') req.url = '/index.html';
  files(req, res);
});
http.once('error', (/** @type {NodeJS.ErrnoException} */ err) =>
  fail(err.code === 'EADDRINUSE' ? `port ${port} on ${args.host} is in use: pass --port N (0: any free port)` : `cannot listen on ${args.host}:${port}: ${err.message}`),
);
http.listen(port, args.host, () => {
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (http.address());
  console.log(`callmos badge example at http://${args.host}:${actual}/  (Ctrl-C stops)`);
});
const stop = () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
