#!/usr/bin/env node
// Root postinstall: gets mediasoup's worker binary for @callmos/server without ever failing the install.
// mediasoup's own install script downloads its official prebuilt worker (from GitHub) and, failing that,
// builds it from source with downloaded dependencies. Approved as a dependency script, that failure would
// fail `npm install` on a machine without that access, although the CLI and the browser client never need
// the worker. So the script is not approved in allowScripts; this runs it, bounded in time, and explains
// the offline build when it fails. MEDIASOUP_WORKER_BIN set (as CI does for its own offline build) skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const LIMIT_MS = 10 * 60 * 1000;
const require = createRequire(import.meta.url);

let dir;
try {
  dir = path.dirname(require.resolve('mediasoup/package.json'));
} catch {
  process.exit(0); // mediasoup not installed (e.g. --omit of the server package): nothing to do
}
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
