import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { scoreClip } from '../../src/scoring/score-clip.js';
import { StreamScorer } from '../../src/scoring/stream-scorer.js';
import { MosModel } from '../../src/model/mos-model.js';
import { ModelRunError } from '../../src/model/errors.js';
import { fixtureCard, fixtureModel, fixtureSession, quiet, speechLike } from '../model/fixtures.js';

describe('scoreClip', () => {
  it('is the mean of the scored windows, and the stream scorer fed the whole clip', async () => {
    const model = await fixtureModel();
    const x = new Float32Array(3 * 16000);
    x.set(speechLike(1, 16000, 3)); // the last two seconds are silent
    const clip = await scoreClip(model, x, 16000);
    expect(clip.duration).toBe(3);
    expect(clip.windows.map((w) => w.scored)).toEqual([true, true, false, false, false]);
    const scored = clip.windows.filter((w) => w.scored);
    const mean = (f: (w: (typeof scored)[0]) => number) => scored.reduce((s, w) => s + f(w), 0) / scored.length;
    expect(clip.mos).toBeCloseTo(mean((w) => w.mos!), 12);
    for (const name of Object.keys(clip.dims)) expect(clip.dims[name]).toBeCloseTo(mean((w) => w.dims[name]!), 12);
    expect(Object.keys(clip.dims)).toHaveLength(6);
    expect(clip.reason).toBeUndefined();

    const scorer = new StreamScorer({ model, streamId: 'clip', inputRate: 16000 });
    const streamed = [...(await scorer.push(x)), ...(await scorer.end())];
    expect(streamed.map((e) => e.mos)).toEqual(clip.windows.map((e) => e.mos));
  });

  it('gives the same numbers whatever the internal chunk size', async () => {
    const model = await fixtureModel();
    const x = speechLike(3, 48000, 4);
    const a = await scoreClip(model, x, 48000);
    const b = await scoreClip(model, x, 48000, { chunkSeconds: 0.013 });
    expect(b.windows.map((w) => w.mos)).toEqual(a.windows.map((w) => w.mos));
  });

  it('returns null with a reason for a silent clip and an empty one', async () => {
    const model = await fixtureModel();
    const silent = await scoreClip(model, quiet(2, 16000), 16000);
    expect(silent).toMatchObject({ mos: null, dims: {}, reason: 'no-speech', duration: 2 });
    expect(silent.windows.length).toBe(3);
    const empty = await scoreClip(model, [], 16000);
    expect(empty).toMatchObject({ mos: null, dims: {}, reason: 'empty', windows: [], duration: 0 });
  });

  it('scores a clip shorter than a window once, repeated', async () => {
    const clip = await scoreClip(await fixtureModel(), speechLike(0.4, 16000, 6), 16000);
    expect(clip.windows).toHaveLength(1);
    expect(clip.windows[0]).toMatchObject({ start: 0, end: 0.4, scored: true });
    expect(clip.mos).toBe(clip.windows[0]!.mos);
  });

  it('hands each window to onWindow, in order, before the clip is done', async () => {
    const model = await fixtureModel();
    const x = speechLike(6, 16000, 8);
    const seen: Array<{ start: number; pushedSoFar: number }> = [];
    let resolved = false;
    const done = scoreClip(model, x, 16000, {
      chunkSeconds: 1,
      onWindow: (event) => seen.push({ start: event.start, pushedSoFar: resolved ? -1 : event.end }),
    }).then((clip) => {
      resolved = true;
      return clip;
    });
    const clip = await done;
    expect(seen.map((s) => s.start)).toEqual(clip.windows.map((w) => w.start));
    expect(seen.every((s) => s.pushedSoFar >= 0)).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
  });

  it('takes plain arrays too', async () => {
    const model = await fixtureModel();
    const x = speechLike(1.2, 16000, 7);
    const typed = await scoreClip(model, x, 16000, { chunkSeconds: 0.5 });
    const plain = await scoreClip(model, Array.from(x), 16000, { chunkSeconds: 0.5 });
    expect(plain.mos).toBe(typed.mos);
  });

  it('rejects when the model fails on a window', async () => {
    const session = Object.create(await fixtureSession('tiny-ok')) as InferenceSession;
    session.run = (() => Promise.reject(new Error('boom'))) as InferenceSession['run'];
    const model = await MosModel.load(fixtureCard(), session, ort.Tensor);
    const run = scoreClip(model, speechLike(1.5, 16000), 16000);
    await expect(run).rejects.toBeInstanceOf(ModelRunError);
    await expect(run).rejects.toThrow('model test-tiny@0.0.1: inference failed: boom');
  });
});
