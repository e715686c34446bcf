/**
 * A demo that cannot start says why and exits non-zero, quickly, never hanging: the port taken, the
 * mediasoup worker missing (MEDIASOUP_WORKER_BIN=/nonexistent) and a model path that does not exist.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerMissing } from '../../../packages/server/test/helpers/mediasoup.js';
import { missingBuild, REPO } from '../../../test/helpers/example-process.js';

const skip = missingBuild() ?? workerMissing;
if (skip) console.warn(`startup-errors test skipped: ${skip}`);

/** Runs the demo to its end (killed after 30 s: a hang fails the test), with its output and how long it took. */
function runDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: string | null; output: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [join(REPO, 'examples/qoe-dashboard/server.mjs'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, output, ms: Date.now() - t0 });
    }),
  );
}

describe.skipIf(skip !== null)('qoe-dashboard start-up errors', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    port = (taken.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => taken.close(r)));

  it('port in use: says so, exits 1', async () => {
    const r = await runDemo(['--port', String(port)]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.output).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(r.output).not.toContain('dashboard at');
  }, 40_000);

  it('mediasoup worker missing: says which binary, exits 1', async () => {
    const r = await runDemo(['--port', '0'], { MEDIASOUP_WORKER_BIN: '/nonexistent' });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/the mediasoup worker did not start \(\/nonexistent\)/);
  }, 40_000);

  it('model path missing: names it, exits 1', async () => {
    const r = await runDemo(['--port', '0', '--model', '/nonexistent/model']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/\/nonexistent\/model.*no such model/);
    console.info(`startup errors: model-missing exit after ${r.ms} ms`);
  }, 40_000);
});
