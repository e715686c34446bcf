/**
 * Streamed inference (issue 17) on the shipped students that have a streaming pair: whatever order, mix of
 * streams, gaps or short clips the windows come in, every score is the window model's (model.onnx), and
 * consecutive windows of a stream cost one hop run of the front end, not a whole window.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadMosModel, scoreClip, setLogEventListeners, StreamScorer, type MosModel, type ScoreEvent, type WindowRequest } from '@callmos/core';
import * as ort from 'onnxruntime-node';
import { modelsDir, shippedModels } from '@callmos/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudioFile } from '../src/audio-file.js';
import { loadModel, readCard } from '../src/models.js';

/** fp32 kernels on different batch shapes and input lengths: rounding, nothing more */
const EXACT = 1e-4;

const streamed = (
  await Promise.all(shippedModels.map(async (name) => ((await readCard(join(modelsDir, name, 'card.json'))).streaming ? name : null)))
).filter((n): n is string => n !== null);

it('every shipped student has a streaming pair', () => {
  expect(streamed).toEqual([...shippedModels]);
});

it('leaves out a pair that is not its model\'s split (with a warning), and scores whole windows', async () => {
  const warnings: string[] = [];
  setLogEventListeners({ onwarn: (_ns, message) => warnings.push(message) });
  try {
    const dir = join(modelsDir, 'tiny');
    const otherDir = join(modelsDir, 'small'); // another network's pair: featureSize 192, not tiny's 64
    const read = async (p: string) => ({ source: p, data: new Uint8Array(await readFile(p)) });
    const model = await loadMosModel({
      card: await read(join(dir, 'card.json')),
      model: await read(join(dir, 'model.onnx')),
      createSession: (bytes) => ort.InferenceSession.create(bytes),
      Tensor: ort.Tensor,
      streaming: { front: await read(join(otherDir, 'front.onnx')), back: await read(join(otherDir, 'back.onnx')) },
    });
    expect(model.streaming).toBe(false);
    expect(warnings.join('\n')).toMatch(/small[\\/]front.onnx.*windows are scored whole/s);
    await model.release();
  } finally {
    setLogEventListeners();
  }
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
    const before = model.streamingStats!.hopRuns;
    for (const golden of model.card.golden ?? []) {
      const clip = await readAudioFile(join(modelsDir, golden.file));
      const [a, b] = [await scoreClip(windowModel, clip.samples, clip.sampleRate), await scoreClip(model, clip.samples, clip.sampleRate)];
      expect(b.windows.length, golden.file).toBe(a.windows.length);
      a.windows.forEach((w, i) => expectSameScore(b.windows[i]!, w, `${golden.file} window ${i}`));
    }
    expect(model.streamingStats!.hopRuns - before, 'windows after the first of a clip cost one hop').toBeGreaterThanOrEqual(12);
  });

  it('keeps scorers that share a streamId apart (concurrent clips, a stream restarted)', async () => {
    const clips = await Promise.all(['noisy-tts.wav', 'clean-tts.wav', 'opus6k-loss20-tts.wav'].map((f) => readAudioFile(join(modelsDir, 'fixtures', f))));
    const want = await Promise.all(clips.map((c) => scoreClip(windowModel, c.samples, c.sampleRate)));
    // three clips scored at once under one streamId, their windows interleaved in the model's batches
    const got = await Promise.all(clips.map((c) => scoreClip(model, c.samples, c.sampleRate, { streamId: 'same' })));
    got.forEach((g, k) => g.windows.forEach((w, i) => expectSameScore(w, want[k]!.windows[i]!, `clip ${k} window ${i}`)));
    // two live scorers under one streamId taking turns, a second of audio each: window k of one follows window
    // k - 1 of the other in the model's runs, and must not be built on it
    const [a, b] = clips.slice(0, 2).map((c) => new StreamScorer({ model, streamId: 'same', inputRate: c.sampleRate, maxPendingWindows: Infinity }));
    const events: ScoreEvent[][] = [[], []];
    const second = clips[0]!.sampleRate;
    for (let at = 0; at < Math.max(clips[0]!.samples.length, clips[1]!.samples.length); at += second) {
      for (const [k, scorer] of [a!, b!].entries()) events[k]!.push(...(await scorer.push(clips[k]!.samples.subarray(at, at + second))));
    }
    for (const [k, scorer] of [a!, b!].entries()) events[k]!.push(...(await scorer.end()));
    events.forEach((list, k) => list.forEach((e, i) => expectSameScore(e, want[k]!.windows[i]!, `turns: scorer ${k} window ${i}`)));
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
    // d0, e0 and f0 came in one batch: whole windows run two at a time (the arena keeps the largest run)
    expect(stats.largestWholeRun).toBe(2); // core's MAX_WHOLE_WINDOWS_PER_RUN
  });

  it('forgets a stream when its scorer ends, and scores chunked pushes like one push', async () => {
    const clip = await readAudioFile(join(modelsDir, 'fixtures', 'noisy-tts.wav'));
    const whole = await scoreClip(windowModel, clip.samples, clip.sampleRate);
    const own = await loadModel(name, { provider: 'cpu' }); // nothing kept by the tests before
    const scorer = new StreamScorer({ model: own, streamId: 'chunked', inputRate: clip.sampleRate, maxPendingWindows: Infinity });
    const events: ScoreEvent[] = [];
    const chunk = Math.round(clip.sampleRate * 0.01);
    for (let at = 0; at < clip.samples.length; at += chunk) events.push(...(await scorer.push(clip.samples.subarray(at, at + chunk))));
    events.push(...(await scorer.end()));
    expect(events.length).toBe(whole.windows.length);
    events.forEach((e, i) => expectSameScore(e, whole.windows[i]!, `window ${i}`));
    expect(own.streamingStats!.hopRuns, 'the chunked stream was streamed').toBeGreaterThan(0);
    expect(own.streamingStats!.streams, 'nothing kept once the scorer ended').toBe(0);
    await own.scoreWindows([req('z', 0, await realWindows(own, 1))]);
    expect(await own.forget('z'), 'a kept stream is forgotten once').toBe(true);
    expect(await own.forget('z')).toBe(false);
    await own.release();
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
  for (const w of [...producer.push(tiled), ...producer.end()]) windows.push(w.frames.toArray());
  expect(windows.length).toBeGreaterThanOrEqual(n);
  return windows;
}

function req(streamId: string, index: number, windows: Float32Array[], shortClip = false): WindowRequest {
  // each stream its own audio (offset by a few windows), consecutive indices consecutive windows of it
  const offset = streamId.charCodeAt(0) - 97;
  return { streamId, index, data: windows[(index + offset) % windows.length]!, shortClip };
}
