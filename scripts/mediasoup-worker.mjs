#!/usr/bin/env node
// Root postinstall: gets mediasoup's worker binary for @callmos/server without ever failing the install.
// mediasoup's own install script downloads its official prebuilt worker (from GitHub) and, failing that,
// builds it from source with downloaded dependencies. Approved as a dependency script, that failure would
// fail `npm install` on a machine without that access, although the CLI and the browser client never need
// the worker. So the script is denied in allowScripts (npm 11 runs the scripts it has no entry for); this
// runs it, bounded in time, and explains the offline build when it fails. MEDIASOUP_WORKER_BIN set (as CI does for its own offline build) skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const LIMIT_MS = 20 * 60 * 1000; // a source build takes ~10 min on 2 cores
const require = createRequire(import.meta.url);

// mediasoup's exports map hides its package.json: resolve its entry point and walk up to the folder that
// holds its install script.
function mediasoupDir() {
  let entry;
  try {
    entry = require.resolve('mediasoup');
  } catch {
    return undefined; // mediasoup not installed (e.g. --omit of the server package): nothing to do
  }
  for (let d = path.dirname(entry); d !== path.dirname(d); d = path.dirname(d)) {
    if (existsSync(path.join(d, 'npm-scripts.mjs'))) return d;
  }
  return undefined;
}
const dir = mediasoupDir();
if (!dir) process.exit(0);
const bin = path.join(dir, 'worker', 'out', 'Release', 'mediasoup-worker');
if (process.env.MEDIASOUP_WORKER_BIN) {
  console.log(`callmos: MEDIASOUP_WORKER_BIN is set (${process.env.MEDIASOUP_WORKER_BIN}); not fetching mediasoup's worker`);
  process.exit(0);
}
if (existsSync(bin) && spawnSync(bin, [], { stdio: 'ignore' }).status === 41) process.exit(0); // 41: a worker that answers

console.log("callmos: fetching mediasoup's worker (its own install script)...");
const r = spawnSync(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: dir, stdio: 'inherit', timeout: LIMIT_MS });
if (r.status === 0 && existsSync(bin)) {
  console.log('callmos: mediasoup worker installed');
} else {
  console.warn(
    "callmos: mediasoup's worker could not be fetched or built here; @callmos/server and its tests need it " +
      '(the CLI and the browser client do not). Without internet access, build it against Debian libraries:\n' +
      '  ../shared/tools/mediasoup-offline/ensure-worker.sh .',
  );
}
process.exit(0);
