import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MosModel } from '@callmos/core';
import { WindowProducer, type ReadyWindow, type WindowOutcome } from '@callmos/core/pipeline';
import { arrayRows } from '@callmos/core/dsp';
import { loadModel } from '@callmos/node';
import { TeacherPool, type BatchRun } from '../src/pool/teacher-pool.js';
import { fixtureModelDir } from './helpers/models.js';
import { mixAtSnr, speech16k } from './helpers/media.js';

let model: MosModel;
let clean: ReadyWindow[];
let noisy: ReadyWindow[];

function windowsOf(x: Float32Array): ReadyWindow[] {
  const p = new WindowProducer({ card: model.card, inputRate: 16000 });
  return [...p.push(x), ...p.end()];
}

beforeAll(async () => {
  model = await loadModel(fixtureModelDir(), { provider: 'cpu', intraOpThreads: 1, maxBatch: 4 });
  const speech = await speech16k(4);
  clean = windowsOf(speech); // W = 1 s, hop 0.5 s: 7 windows
  noisy = windowsOf(mixAtSnr(speech, 0));
});
afterAll(() => model.release());

describe('TeacherPool', () => {
  it('batches windows of many streams into shared runs, with the same scores as one by one', async () => {
    const pool = new TeacherPool(model, { batchSize: 4, maxWaitMs: 20 });
    const runs: BatchRun[] = [];
    pool.runs$.subscribe((r) => runs.push(r));
    const outcomes = await Promise.all([
      ...clean.map((w) => pool.submit('a', w)),
      ...noisy.map((w) => pool.submit('b', w)),
    ]);
    expect(outcomes.every((o) => o.scored)).toBe(true);
    expect(runs.reduce((n, r) => n + r.size, 0)).toBe(clean.length + noisy.length);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil((clean.length + noisy.length) / 4) + 1);
    expect(runs.some((r) => r.streams === 2)).toBe(true);
    const alone = await model.run(clean.map((w) => w.frames.toArray()));
    outcomes.slice(0, clean.length).forEach((o, i) => expect(o.mos).toBeCloseTo(alone[i]!.mos, 4));
    pool.close();
  });

  it('runs a lone window after maxWaitMs instead of waiting for a full batch', async () => {
    const pool = new TeacherPool(model, { batchSize: 16, maxWaitMs: 30 });
    const t0 = performance.now();
    const o = await pool.submit('solo', clean[0]!);
    expect(o.scored).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    pool.close();
  });

  it('bounds each stream: the oldest waiting windows are skipped, other streams untouched', async () => {
    const pool = new TeacherPool(model, { batchSize: 2, maxWaitMs: 0, maxPendingPerStream: 2 });
    const flood = [...clean, ...clean].map((w) => pool.submit('flood', w));
    const calm = pool.submit('calm', noisy[0]!);
    const results: WindowOutcome[] = await Promise.all(flood);
    const skipped = results.filter((o) => o.reason === 'skipped-backlog').length;
    expect(skipped).toBeGreaterThan(0);
    expect(pool.stats.skipped).toBe(skipped);
    expect(results.at(-1)!.scored).toBe(true); // the newest window is kept
    expect((await calm).scored).toBe(true);
    pool.close();
  });

  it('isolates a failing window: the rest of its batch is still scored', async () => {
    const pool = new TeacherPool(model, { batchSize: 3, maxWaitMs: 50 });
    const bad: ReadyWindow = { ...clean[0]!, frames: arrayRows(new Float32Array(10), 5) };
    const [a, b, c] = await Promise.all([pool.submit('a', clean[1]!), pool.submit('bad', bad), pool.submit('c', noisy[1]!)]);
    expect(a!.scored && c!.scored).toBe(true);
    expect(b).toMatchObject({ scored: false, reason: 'error' });
    expect(b!.error).toMatch(/a window has 10 floats/);
    expect(pool.stats.errors).toBe(1);
    pool.close();
  });

  it('answers every waiting window when closed, and refuses options that make no sense', async () => {
    const pool = new TeacherPool(model, { batchSize: 8, maxWaitMs: 10_000 });
    const waiting = pool.submit('a', clean[0]!);
    pool.close();
    expect(await waiting).toMatchObject({ scored: false, reason: 'error', error: 'window scheduler closed' });
    expect(() => new TeacherPool(model, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new TeacherPool(model, { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
    expect(() => new TeacherPool(model, { maxPendingPerStream: 0.5 })).toThrow(/maxPendingPerStream/);
  });
});
