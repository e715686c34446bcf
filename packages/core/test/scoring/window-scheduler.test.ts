import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { MosModel } from '../../src/model/mos-model.js';
import { StreamScorer } from '../../src/scoring/stream-scorer.js';
import { WindowScheduler, type BatchRun } from '../../src/scoring/window-scheduler.js';
import { WindowProducer, type ReadyWindow } from '../../src/scoring/window-producer.js';
import { countingSession, fixtureCard, fixtureSession, speechLike } from '../model/fixtures.js';

async function countingModel(maxBatch = 16) {
  const session = countingSession(await fixtureSession('tiny-ok'));
  return { session, model: await MosModel.load(fixtureCard(), session, ort.Tensor, { maxBatch }) };
}

function windowsOf(model: MosModel, seconds: number, seed: number): ReadyWindow[] {
  const p = new WindowProducer({ card: model.card, inputRate: 16000 });
  return [...p.push(speechLike(seconds, 16000, seed)), ...p.end()];
}

describe('WindowScheduler (the one scheduler: StreamScorer, the browser worker, the server pool)', () => {
  it('streams sharing a scheduler share model runs, with the scores they get alone', async () => {
    const { session, model } = await countingModel();
    const scheduler = new WindowScheduler(model, { maxWaitMs: 20 });
    const runs: BatchRun[] = [];
    scheduler.runs$.subscribe((r) => runs.push(r));
    const a = new StreamScorer({ model, streamId: 'a', inputRate: 16000, scheduler });
    const b = new StreamScorer({ model, streamId: 'b', inputRate: 16000, scheduler });
    const [ea, eb] = await Promise.all([a.push(speechLike(3, 16000, 1)), b.push(speechLike(3, 16000, 2))]);
    const windows = ea.length + eb.length;
    expect(windows).toBeGreaterThanOrEqual(8);
    expect(session.windows).toBe(windows);
    expect(session.runs).toBe(1); // both streams' windows in one execution
    expect(runs).toEqual([expect.objectContaining({ size: windows, streams: 2 })]);
    const alone = new StreamScorer({ model, streamId: 'a', inputRate: 16000 });
    const solo = await alone.push(speechLike(3, 16000, 1));
    solo.forEach((e, i) => expect(ea[i]!.mos).toBeCloseTo(e.mos!, 5));
    scheduler.close();
  });

  it("a push's windows share one run when the model is free; a later single window runs at once", async () => {
    const { session, model } = await countingModel();
    const scheduler = new WindowScheduler(model);
    const windows = windowsOf(model, 3, 3);
    const outcomes = await Promise.all(scheduler.submitAll('s', windows));
    expect(outcomes.every((o) => o.scored)).toBe(true);
    expect(session.runs).toBe(1);
    await scheduler.submit('s', windows[0]!);
    expect(session.runs).toBe(2);
  });

  it('bounds each stream on its own: a flood skips its oldest windows, synchronously counted', async () => {
    const { model } = await countingModel(2);
    const scheduler = new WindowScheduler(model, { maxPendingPerStream: 2 });
    const windows = windowsOf(model, 4, 4);
    let skippedNow = 0;
    const flood = scheduler.submitAll('flood', [...windows, ...windows], () => skippedNow++);
    expect(skippedNow).toBe(scheduler.stats.skipped);
    expect(skippedNow).toBeGreaterThan(0);
    const calm = scheduler.submit('calm', windows[0]!);
    const results = await Promise.all(flood);
    expect(results.filter((o) => o.reason === 'skipped-backlog')).toHaveLength(skippedNow);
    expect(results.at(-1)!.scored).toBe(true);
    expect((await calm).scored).toBe(true);
  });

  it('refuses a shared scheduler of another model, and options that make no sense', async () => {
    const { model } = await countingModel();
    const other = await countingModel();
    expect(() => new StreamScorer({ model, streamId: 'x', inputRate: 16000, scheduler: new WindowScheduler(other.model) })).toThrow(/another model/);
    expect(() => new WindowScheduler(model, { maxPendingPerStream: 0 })).toThrow(/maxPendingPerStream/);
    expect(new WindowScheduler(model, { maxPendingPerStream: Infinity }).maxPendingPerStream).toBe(Infinity);
  });
});
