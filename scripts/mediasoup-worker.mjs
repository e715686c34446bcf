#!/usr/bin/env node
// Root postinstall: gets mediasoup's worker binary for @callmos/server without ever failing the install.
// mediasoup's own install script downloads its official prebuilt worker (from GitHub) and, failing that,
// builds it from source with downloaded dependencies. Approved as a dependency script, that failure would
// fail `npm install` on a machine without that access, although the CLI and the browser client never need
// the worker. So the script is denied in allowScripts (npm 11 runs the scripts it has no entry for); this
// runs it, bounded in time, and explains the offline build when it fails. MEDIASOUP_WORKER_BIN set (as CI does for its own offline build) skips it.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Its output (pip and compiler logs, retries against unreachable hosts) goes to a file; the tail is shown
// only when it fails.
const logFile = path.join(tmpdir(), `callmos-mediasoup-worker-${process.pid}.log`);
console.log(`callmos: fetching mediasoup's worker (its own install script; log: ${logFile})...`);
const fd = openSync(logFile, 'w');
const r = spawnSync(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: dir, stdio: ['ignore', fd, fd], timeout: LIMIT_MS });
closeSync(fd);
if (r.status === 0 && existsSync(bin)) {
  console.log('callmos: mediasoup worker installed');
} else {
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-4).join('\n  ');
  console.warn(
    `callmos: mediasoup's worker could not be fetched or built here (${r.error ? r.error.message : `exit ${r.status}`}; ` +
      `last lines of ${logFile}:\n  ${tail})\n` +
      'callmos: the install goes on: only @callmos/server and its tests need the worker (the CLI and the browser ' +
      'client do not). Point MEDIASOUP_WORKER_BIN at a worker you have, run `node scripts/mediasoup-worker.mjs` again where GitHub (prebuilt ' +
      'worker) or PyPI (source build) can be reached, or, in this repo without internet access, build it against ' +
      'Debian libraries: ../shared/tools/mediasoup-offline/ensure-worker.sh .',
  );
}
process.exit(0);
