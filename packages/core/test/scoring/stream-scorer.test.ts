import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { StreamScorer } from '../../src/scoring/stream-scorer.js';
import { MosModel } from '../../src/model/mos-model.js';
import { countingSession, fixtureCard, fixtureModel, fixtureSession, quiet, speechLike } from '../model/fixtures.js';

async function countingModel() {
  const session = countingSession(await fixtureSession('tiny-ok'));
  return { session, model: await MosModel.load(fixtureCard(), session, ort.Tensor) };
}

/** A session whose runs finish only when the test says so. */
async function gatedModel() {
  const inner = await fixtureSession('tiny-ok');
  const gates: Array<() => void> = [];
  const session = Object.create(inner) as InferenceSession;
  session.run = (async (feeds: InferenceSession.FeedsType) => {
    await new Promise<void>((r) => gates.push(r));
    return inner.run(feeds);
  }) as InferenceSession['run'];
  return { gates, model: await MosModel.load(fixtureCard(), session, ort.Tensor, { maxBatch: 1 }) };
}

describe('StreamScorer', () => {
  it('scores speech windows into versioned, JSON-serialisable events', async () => {
    let clock = 1_700_000_000_000;
    const scorer = new StreamScorer({ model: await fixtureModel(), streamId: 'alice', inputRate: 48000, now: () => clock });
    const x = speechLike(2, 48000);
    const first = await scorer.push(x.subarray(0, 60000)); // 1.25 s: window 0
    clock += 250;
    const rest = await scorer.push(x.subarray(60000));
    const last = await scorer.end();
    const events = [...first, ...rest, ...last];
    expect(events.map((e) => [e.start, e.end])).toEqual([
      [0, 1],
      [0.5, 1.5],
      [1, 2],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ v: 1, streamId: 'alice', model: 'test-tiny@0.0.1', scored: true, latencyMs: 0, timestamp: e.timestamp });
      expect(e.reason).toBeUndefined();
      expect(e.mos).toBeGreaterThanOrEqual(1);
      expect(e.mos).toBeLessThanOrEqual(5);
      expect(Object.keys(e.dims)).toHaveLength(6);
      expect(e.speechRatio).toBeGreaterThan(0.2);
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    }
    expect(first[0]!.timestamp).toBe(1_700_000_000_000);
    expect(rest[0]!.timestamp).toBe(1_700_000_000_250);
  });

  it('measures latency from the arrival of the window to the event', async () => {
    let clock = 0;
    const { gates, model } = await gatedModel();
    const scorer = new StreamScorer({ model, streamId: 's', inputRate: 16000, now: () => clock });
    const pending = scorer.push(speechLike(1.1, 16000));
    clock = 40;
    await new Promise((r) => setTimeout(r, 0));
    gates.shift()!();
    const [event] = await pending;
    expect(event).toMatchObject({ latencyMs: 40, timestamp: 40 });
  });

  it('does not send silent windows to the model', async () => {
    const { session, model } = await countingModel();
    const scorer = new StreamScorer({ model, streamId: 'muted', inputRate: 16000 });
    const events = [...(await scorer.push(quiet(3, 16000, -70))), ...(await scorer.end())];
    expect(events).toHaveLength(5);
    for (const e of events) {
      expect(e).toMatchObject({ scored: false, reason: 'no-speech', mos: null, dims: {}, speechRatio: 0, model: 'test-tiny@0.0.1' });
    }
    expect(session.runs).toBe(0);
  });

  it('scores only the windows with speech in a mixed stream', async () => {
    const { session, model } = await countingModel();
    const x = new Float32Array(4 * 16000);
    x.set(speechLike(1.5, 16000), 2.5 * 16000); // silence, then speech from 2.5 s
    const scorer = new StreamScorer({ model, streamId: 'mixed', inputRate: 16000 });
    const events = [...(await scorer.push(x)), ...(await scorer.end())];
    expect(events.map((e) => e.scored)).toEqual([false, false, false, false, true, true, true]);
    expect(session.windows).toBe(3);
  });

  it('drops the oldest waiting windows when inference falls behind', async () => {
    const { gates, model } = await gatedModel();
    const scorer = new StreamScorer({ model, streamId: 'slow', inputRate: 16000, maxPendingWindows: 2 });
    const x = speechLike(4, 16000);
    const a = scorer.push(x.subarray(0, 16080)); // window 0: runs at once
    const b = scorer.push(x.subarray(16080, 48080)); // windows 1..4 wait; 1 and 2 are dropped
    expect(scorer.skippedWindows).toBe(2);
    const release = setInterval(() => gates.shift()?.(), 1);
    try {
      const events = [...(await a), ...(await b)];
      expect(events.map((e) => e.reason ?? 'scored')).toEqual(['scored', 'skipped-backlog', 'skipped-backlog', 'scored', 'scored']);
      expect(events[1]).toMatchObject({ scored: false, mos: null, skippedWindows: 1 });
      expect(events[4]).toMatchObject({ scored: true, skippedWindows: 2 });
    } finally {
      clearInterval(release);
    }
  });

  it('turns a model failure into error events and keeps going', async () => {
    const inner = await fixtureSession('tiny-ok');
    let fail = true;
    const session = Object.create(inner) as InferenceSession;
    session.run = ((feeds: InferenceSession.FeedsType, ...rest: unknown[]) =>
      fail ? Promise.reject(new Error('device lost')) : (inner.run as (...a: unknown[]) => Promise<unknown>).call(inner, feeds, ...rest)) as InferenceSession['run'];
    const model = await MosModel.load(fixtureCard(), session, ort.Tensor);
    const scorer = new StreamScorer({ model, streamId: 'flaky', inputRate: 16000 });
    const x = speechLike(2, 16000);
    const [bad] = await scorer.push(x.subarray(0, 16080));
    expect(bad).toMatchObject({ scored: false, reason: 'error', mos: null, error: 'model test-tiny@0.0.1: inference failed: device lost' });
    expect(scorer.lastError).toBeInstanceOf(Error);
    fail = false;
    const good = [...(await scorer.push(x.subarray(16080))), ...(await scorer.end())];
    expect(good.every((e) => e.scored)).toBe(true);
  });

  it('rejects audio after end()', async () => {
    const scorer = new StreamScorer({ model: await fixtureModel(), streamId: 'x', inputRate: 16000 });
    await scorer.end();
    await expect(scorer.push(new Float32Array(16))).rejects.toThrow('push() after end()');
  });
});
