/**
 * Inference on a worker thread (InferenceThread): the same scores as in-process sessions (window model,
 * streaming pair, Silero), the caller's event loop free while a run works, and a thread that dies or is
 * closed fails its requests with InferenceThreadError and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceThread, InferenceThreadError } from '../src/inference-thread.js';
import { loadModel } from '../src/models.js';
import { loadSpeechDetector } from '../src/speech-detector.js';
import { SILERO_CONTEXT, SILERO_FRAME } from '@callmos/core/pipeline';
import { CallmosError, SileroVad } from '@callmos/core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const threads: InferenceThread[] = [];
const newThread = () => {
  const t = new InferenceThread();
  threads.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

/** deterministic values in [0, 1) */
const unit = (i: number, seed: number) => {
  const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return x - Math.floor(x);
};

/** log-power-like windows */
function windows(size: number, n: number, seed: number): Float32Array {
  return Float32Array.from({ length: size * n }, (_, i) => -6 + 4 * unit(i, seed));
}

describe('InferenceThread', () => {
  it('scores what an in-process session scores: window model, streaming pair, and a view of a larger buffer', async () => {
    const thread = newThread();
    for (const streaming of [false, true]) {
      const local = await loadModel('tiny', { provider: 'cpu', streaming });
      const remote = await loadModel('tiny', { provider: 'cpu', streaming, thread });
      expect(remote.streaming).toBe(streaming);
      const batch = windows(local.windowSize, 3, 7);
      const want = await local.run(batch);
      // a subarray: only its bytes cross the thread
      const big = new Float32Array(batch.length + local.windowSize);
      big.set(batch, local.windowSize);
      expect(await remote.run(big.subarray(local.windowSize), 3)).toEqual(want);
      await Promise.all([local.release(), remote.release()]);
    }
    expect(thread.stats).toMatchObject({ failedRuns: 0, pending: 0 });
    expect(thread.stats.runs).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('runs Silero with its int64 rate and state feeds', async () => {
    const thread = newThread();
    const local = await loadSpeechDetector();
    const remote = await loadSpeechDetector(undefined, { thread });
    const frames = Array.from({ length: 6 }, (_, k) => Float32Array.from({ length: SILERO_CONTEXT + SILERO_FRAME }, (_, i) => (unit(i, k) - 0.5) * 0.2));
    const a = await Promise.all(frames.map((f) => local.run(f, SileroVad.initialState())));
    const b = await Promise.all(frames.map((f) => remote.run(f, SileroVad.initialState())));
    expect(b).toEqual(a);
    await Promise.all([local.release(), remote.release()]);
  }, 60_000);

  it('leaves the event loop free while a run works', async () => {
    const thread = newThread();
    const model = await loadModel('small', { provider: 'cpu', streaming: false, thread, intraOpThreads: 1 });
    const batch = windows(model.windowSize, 16, 1);
    await model.run(batch); // warm
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await model.run(batch);
    const ms = performance.now() - t0;
    clearInterval(timer);
    // a blocking run of ~100 ms would allow 0-1 ticks; off the loop, timers keep firing through it
    expect(ms).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(Math.min(10, ms / 4));
    await model.release();
  }, 60_000);

  it('fails pending and later requests when the thread is closed, and a released session refuses runs', async () => {
    const thread = newThread();
    const model = await loadModel('tiny', { provider: 'cpu', streaming: false, thread });
    const batch = windows(model.windowSize, 16, 2);
    const inFlight = model.run(batch).catch((e: unknown) => e);
    await thread.close();
    expect(String(await inFlight)).toMatch(/inference failed: the inference thread was closed/);
    await expect(model.run(batch)).rejects.toThrow(/the inference thread was closed/);
    await expect(model.release()).resolves.toBeUndefined();
    expect(thread.closed).toBe(true);

    const other = newThread();
    const m2 = await loadModel('tiny', { provider: 'cpu', streaming: false, thread: other });
    await m2.release();
    await expect(m2.run(batch)).rejects.toThrow(/the session was released/);
  }, 60_000);

  it('a thread that dies fails its requests with InferenceThreadError and the process goes on', async () => {
    const thread = newThread();
    const model = await loadModel('tiny', { provider: 'cpu', streaming: false, thread });
    const batch = windows(model.windowSize, 1, 4);
    await model.run(batch);
    // a fault inside the thread (here: a message no request looks like) kills it, as any bug in it would;
    // the run asked for after it never gets an answer from the thread, and fails instead of hanging
    const worker = (thread as unknown as { worker: { postMessage(m: unknown): void } }).worker;
    worker.postMessage(null);
    const err = await model.run(batch).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/the inference thread (failed|exited)/);
    expect((err as Error).cause).toBeInstanceOf(InferenceThreadError);
    expect((err as Error).cause).toBeInstanceOf(CallmosError);
    expect((err as { code?: string }).code).toBe('MODEL_RUN_FAILED');
    expect(((err as Error).cause as { code?: string }).code).toBe('MODEL_RUN_FAILED');
    await expect(model.run(batch)).rejects.toThrow(/the inference thread (failed|exited)/);
    expect(thread.closed).toBe(true);
    await expect(thread.failed).resolves.toMatch(/the inference thread (failed|exited)/);
    await model.release();
  }, 60_000);

  it('closes gracefully with a run in flight: the run fails, the thread finishes it, releases and exits', async () => {
    const thread = newThread();
    const model = await loadModel('small', { provider: 'cpu', streaming: false, thread, intraOpThreads: 1 });
    const batch = windows(model.windowSize, 16, 5);
    await model.run(batch);
    const inFlight = model.run(batch).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 5)); // posted: the thread is in native code now
    await thread.close(); // terminating it here would abort this whole process
    expect(String(await inFlight)).toMatch(/the inference thread was closed/);
    expect(thread.stats.pending).toBe(0);
  }, 60_000);

  it('fails a request that cannot be posted, and leaves nothing waiting (the process can exit)', async () => {
    const thread = newThread();
    const options = { logId: 'x', extra: { f: () => 1 } } as unknown as Parameters<InferenceThread['open']>[1];
    await expect(thread.open(new Uint8Array([1]), options)).rejects.toThrow(/could not be cloned/);
    expect(thread.stats.pending).toBe(0);
    expect(thread.closed).toBe(false);
    // closing twice at once: both wait for the same exit
    const [a, b] = [thread.close(), thread.close()];
    expect(a).toBe(b);
    await a;
  }, 60_000);

  it('lets the process exit mid-run with its own exit code (no abort in the thread\'s native teardown)', () => {
    // A Worker torn down inside onnxruntime's native run aborts the process (SIGABRT, 134): exiting waits
    // for the run in flight (and starts no other) before the thread is torn down.
    const script = `
      const { InferenceThread, loadModel } = require('@callmos/node');
      (async () => {
        const thread = new InferenceThread();
        const model = await loadModel('small', { provider: 'cpu', streaming: false, thread, intraOpThreads: 1 });
        const batch = new Float32Array(model.windowSize * 16).fill(-3);
        await model.run(batch, 16);
        model.run(batch, 16).catch(() => undefined);
        model.run(batch, 16).catch(() => undefined);
        setTimeout(() => EXIT, 20); // inside the first of those runs
      })();
    `;
    const run = (exit: string) => spawnSync(process.execPath, ['-e', script.replace('EXIT', exit)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    for (const r of [0, 1].map(() => run('process.exit(3)'))) {
      expect(r.stderr).not.toMatch(/terminate called/);
      expect({ status: r.status, signal: r.signal }).toEqual({ status: 3, signal: null });
    }
    // an uncaught exception mid-run: Node's own report and exit code 1
    const crashed = run("{ throw new Error('boom mid-run'); }");
    expect(crashed.stderr).not.toMatch(/terminate called/);
    expect(crashed.stderr).toMatch(/Error: boom mid-run/);
    expect({ status: crashed.status, signal: crashed.signal }).toEqual({ status: 1, signal: null });
  }, 120_000);

  it('reports a bad graph as a load error, not a thread failure', async () => {
    const thread = newThread();
    await expect(thread.open(new Uint8Array([1, 2, 3, 4]), {})).rejects.toThrow(/./);
    expect(thread.closed).toBe(false);
    const model = await loadModel('tiny', { provider: 'cpu', thread });
    await model.release();
  }, 60_000);
});
