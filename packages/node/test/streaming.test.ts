/**
 * Streamed inference (issue 17) on the shipped students that have a streaming pair: whatever order, mix of
 * streams, gaps or short clips the windows come in, every score is the window model's (model.onnx), and
 * consecutive windows of a stream cost one hop run of the front end, not a whole window.
 */
import { join } from 'node:path';
import { scoreClip, StreamScorer, type MosModel, type ScoreEvent, type WindowRequest } from '@callmos/core';
import { modelsDir, shippedModels } from '@callmos/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudioFile } from '../src/audio-file.js';
import { loadModel, readCard } from '../src/models.js';

/** fp32 kernels on different batch shapes and input lengths: rounding, nothing more */
const EXACT = 1e-4;

const streamed = (
  await Promise.all(shippedModels.map(async (name) => ((await readCard(join(modelsDir, name, 'card.json'))).streaming ? name : null)))
).filter((n): n is string => n !== null);

it('the browser default (tiny) ships a streaming pair', () => {
  expect(streamed).toContain('tiny');
});

describe.each(streamed)('streamed %s', (name) => {
  let windowModel: MosModel;
  let model: MosModel;
  beforeAll(async () => {
    windowModel = await loadModel(name, { provider: 'cpu', streaming: false });
    model = await loadModel(name, { provider: 'cpu', maxStreams: 3 });
  });
  afterAll(async () => {
    await Promise.all([windowModel.release(), model.release()]);
  });

  it('loads the pair beside card.json (and only when asked)', () => {
    expect(model.streaming).toBe(true);
    expect(windowModel.streaming).toBe(false);
  });

  it('scores every golden clip as the window model does, window by window', async () => {
    for (const golden of model.card.golden ?? []) {
      const clip = await readAudioFile(join(modelsDir, golden.file));
      const [a, b] = [await scoreClip(windowModel, clip.samples, clip.sampleRate), await scoreClip(model, clip.samples, clip.sampleRate)];
      expect(b.windows.length, golden.file).toBe(a.windows.length);
      a.windows.forEach((w, i) => expectSameScore(b.windows[i]!, w, `${golden.file} window ${i}`));
    }
  });

  it('takes interleaved streams, gaps, repeats, short clips and evictions in any batch, and stays exact', async () => {
    const windows = await realWindows(model, 9);
    // stream a: 0..5 in order (split over batches), b: 0, 1, then 3 (a gap), c: a short clip, d/e/f: past maxStreams
    const batches: WindowRequest[][] = [
      [req('a', 0, windows), req('b', 0, windows), req('a', 1, windows)],
      [req('a', 2, windows), req('a', 3, windows), req('b', 1, windows), req('c', 0, windows, true)],
      [req('b', 3, windows), req('a', 3, windows), req('a', 4, windows)], // a 3 again: the kept index is 4's predecessor only once
      [req('d', 0, windows), req('e', 0, windows), req('f', 0, windows)], // evicts a and b (maxStreams 3)
      [req('a', 5, windows), req('b', 4, windows), req('d', 1, windows)],
    ];
    const before = { ...model.streamingStats! };
    for (const batch of batches) {
      const [want, got] = [await windowModel.scoreWindows(batch), await model.scoreWindows(batch)];
      got.forEach((s, i) => {
        expect(Math.abs(s.mos - want[i]!.mos), `${batch[i]!.streamId} ${batch[i]!.index}`).toBeLessThan(EXACT);
        for (const [dim, v] of Object.entries(want[i]!.dims)) expect(Math.abs(s.dims[dim]! - v)).toBeLessThan(EXACT);
      });
    }
    const stats = model.streamingStats!;
    // hop runs: a1, a2, a3, b1, a4 (after a3 again), d1; whole: a0, b0, c, b3, a3 again, d0, e0, f0, a5 (evicted), b4
    expect(stats.hopRuns - before.hopRuns).toBe(6);
    expect(stats.fullRuns - before.fullRuns).toBe(10);
    expect(stats.streams).toBeLessThanOrEqual(3);
  });

  it('forgets a stream when its scorer ends, and scores chunked pushes like one push', async () => {
    const clip = await readAudioFile(join(modelsDir, 'fixtures', 'noisy-tts.wav'));
    const whole = await scoreClip(windowModel, clip.samples, clip.sampleRate);
    const scorer = new StreamScorer({ model, streamId: 'chunked', inputRate: clip.sampleRate, maxPendingWindows: Infinity });
    const events: ScoreEvent[] = [];
    const chunk = Math.round(clip.sampleRate * 0.01);
    for (let at = 0; at < clip.samples.length; at += chunk) events.push(...(await scorer.push(clip.samples.subarray(at, at + chunk))));
    events.push(...(await scorer.end()));
    expect(events.length).toBe(whole.windows.length);
    events.forEach((e, i) => expectSameScore(e, whole.windows[i]!, `window ${i}`));
    expect(model.forget('chunked'), 'kept after its scorer ended').toBe(false);
    expect(model.forget('d'), 'd (kept by the test before) is forgotten once').toBe(true);
    expect(model.forget('d')).toBe(false);
  });
});

function expectSameScore(got: ScoreEvent, want: ScoreEvent, where: string): void {
  expect(got.scored, where).toBe(want.scored);
  if (!want.scored) return;
  expect(Math.abs(got.mos! - want.mos!), where).toBeLessThan(EXACT);
}

/** Windows of a real clip, as the producer cuts them (speech and not: the model scores any window). */
async function realWindows(model: MosModel, n: number): Promise<Float32Array[]> {
  const clip = await readAudioFile(join(modelsDir, 'fixtures', 'opus6k-loss20-tts.wav'));
  const tiled = new Float32Array(clip.samples.length * 3);
  for (let i = 0; i < 3; i++) tiled.set(clip.samples, i * clip.samples.length);
  const windows: Float32Array[] = [];
  const { WindowProducer } = await import('@callmos/core/pipeline');
  const producer = new WindowProducer({ card: model.card, inputRate: clip.sampleRate });
  for (const w of [...producer.push(tiled), ...producer.end()]) windows.push(w.data);
  expect(windows.length).toBeGreaterThanOrEqual(n);
  return windows;
}

function req(streamId: string, index: number, windows: Float32Array[], shortClip = false): WindowRequest {
  // each stream its own audio (offset by a few windows), consecutive indices consecutive windows of it
  const offset = streamId.charCodeAt(0) - 97;
  return { streamId, index, data: windows[(index + offset) % windows.length]!, shortClip };
}
