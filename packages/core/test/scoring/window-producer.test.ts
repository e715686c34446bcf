import { describe, expect, it } from 'vitest';
import { WindowProducer, type ReadyWindow } from '../../src/scoring/window-producer.js';
import { compressedStft } from '../../src/dsp/stft.js';
import { peakGain } from '../../src/dsp/constants.js';
import { fixtureCard, quiet, speechLike } from '../model/fixtures.js';
import { maxAbsDiff } from '../dsp/support.js';

const SHAPE = { windowFrames: 100, hopFrames: 50, peakNormalize: false };

/** Window k of an offline STFT: frames [k * hop, k * hop + W) in [2, 161, W] layout. */
function offlineWindow(x: Float32Array, k: number, shape = SHAPE): Float32Array {
  const { data, frames } = compressedStft(x);
  const W = shape.windowFrames;
  const out = new Float32Array(2 * 161 * W);
  for (let v = 0; v < 2 * 161; v++) out.set(data.subarray(v * frames + k * shape.hopFrames, v * frames + k * shape.hopFrames + W), v * W);
  return out;
}

function pushAll(p: WindowProducer, x: Float32Array): ReadyWindow[] {
  return [...p.push(x), ...p.end()];
}

describe('WindowProducer', () => {
  it('cuts windows every hop frames with times in seconds of stream time', () => {
    const windows = pushAll(new WindowProducer({ ...SHAPE, inputRate: 16000 }), speechLike(3, 16000));
    expect(windows.map((w) => [w.index, w.start, w.end])).toEqual([
      [0, 0, 1],
      [1, 0.5, 1.5],
      [2, 1, 2],
      [3, 1.5, 2.5],
      [4, 2, 3],
    ]);
    expect(windows.every((w) => !w.shortClip && w.speech && w.frames.toArray().length === 2 * 161 * 100)).toBe(true);
  });

  it('emits a window as soon as its last frame is complete (sample 160 W + 79)', () => {
    const x = speechLike(1.2, 16000);
    const p = new WindowProducer({ card: fixtureCard(), inputRate: 16000 });
    expect(p.push(x.subarray(0, 16079))).toEqual([]);
    expect(p.push(x.subarray(16079, 16080))).toHaveLength(1);
  });

  it('takes the last window from the right padding at end()', () => {
    // 16000 samples = exactly 100 frames, the last one reaching 80 samples past the end
    const p = new WindowProducer({ ...SHAPE, inputRate: 16000 });
    const x = speechLike(1, 16000);
    expect(p.push(x)).toEqual([]);
    const [w] = p.end();
    expect(w).toMatchObject({ index: 0, start: 0, end: 1, shortClip: false });
    expect(maxAbsDiff(w!.frames.toArray(), offlineWindow(x, 0))).toBe(0);
  });

  it('gives the offline STFT frames, peak-normalised when the card asks', () => {
    const x = speechLike(2, 16000, 5);
    const plain = pushAll(new WindowProducer({ ...SHAPE, inputRate: 16000 }), x);
    const normed = pushAll(new WindowProducer({ ...SHAPE, peakNormalize: true, inputRate: 16000 }), x);
    expect(plain).toHaveLength(3);
    const { peaks } = compressedStft(x);
    plain.forEach((w, k) => {
      expect(maxAbsDiff(w.frames.toArray(), offlineWindow(x, k))).toBe(0);
      const peak = Math.max(...peaks.subarray(k * 50, k * 50 + 100));
      const gain = peakGain(peak);
      expect(gain).toBeGreaterThan(1);
      expect(maxAbsDiff(normed[k]!.frames.toArray(), w.frames.toArray().map((v) => v * gain))).toBeLessThan(1e-5);
    });
  });

  it('resamples other rates to the same window grid', () => {
    const windows = pushAll(new WindowProducer({ ...SHAPE, inputRate: 48000 }), speechLike(3, 48000));
    expect(windows.map((w) => [w.start, w.end])).toEqual([
      [0, 1],
      [0.5, 1.5],
      [1, 2],
      [1.5, 2.5],
      [2, 3],
    ]);
  });

  it('gates windows on speech activity', () => {
    const x = new Float32Array(48000);
    x.set(speechLike(1, 16000)); // 1 s speech, 2 s silence
    const windows = pushAll(new WindowProducer({ ...SHAPE, inputRate: 16000 }), x);
    expect(windows.map((w) => w.speech)).toEqual([true, true, false, false, false]);
    expect(windows[2]!.speechRatio).toBeLessThanOrEqual(0.01); // frame 100 reaches 80 samples back into the speech
    expect(windows[1]!.speechRatio).toBeGreaterThan(0.2);
    expect(windows[1]!.speechRatio).toBeLessThanOrEqual(0.5 + 0.02); // half the window, + frames reaching into it
    const lenient = pushAll(new WindowProducer({ ...SHAPE, inputRate: 16000, vad: { minSpeechRatio: 0 } }), x);
    expect(lenient.every((w) => w.speech)).toBe(true);
  });

  it('stamps windows with the arrival time of the push that completed them', () => {
    let clock = 1000;
    const p = new WindowProducer({ ...SHAPE, inputRate: 16000, now: () => clock });
    const x = speechLike(1.5, 16000);
    expect(p.push(x.subarray(0, 10000))).toEqual([]);
    clock = 2000;
    expect(p.push(x.subarray(10000, 20000)).map((w) => w.arrivedAt)).toEqual([2000]);
    clock = 3000;
    expect(p.push(x.subarray(20000)).map((w) => w.arrivedAt)).toEqual([]);
    clock = 4000;
    expect(p.end().map((w) => w.arrivedAt)).toEqual([4000]); // window 1 needed the right padding
  });

  describe('short clips', () => {
    it('emits nothing until end(), then one window of the audio repeated', () => {
      const x = speechLike(0.3, 16000, 9);
      const p = new WindowProducer({ ...SHAPE, inputRate: 16000 });
      expect(p.push(x)).toEqual([]);
      const windows = p.end();
      expect(windows).toHaveLength(1);
      expect(windows[0]).toMatchObject({ index: 0, start: 0, end: 0.3, shortClip: true, speech: true });
      const tiled = new Float32Array(100 * 160 + 160);
      for (let at = 0; at < tiled.length; at += x.length) tiled.set(x.subarray(0, Math.min(x.length, tiled.length - at)), at);
      expect(maxAbsDiff(windows[0]!.frames.toArray(), offlineWindow(tiled, 0))).toBe(0);
    });

    it('handles a stream shorter than a frame and a resampled short clip', () => {
      const tiny = new WindowProducer({ ...SHAPE, inputRate: 16000 });
      tiny.push(Float32Array.from({ length: 50 }, (_, i) => Math.sin(i / 3) * 0.3));
      expect(tiny.end()).toHaveLength(1);
      const resampled = new WindowProducer({ ...SHAPE, inputRate: 48000 });
      expect(resampled.push(speechLike(0.5, 48000))).toEqual([]);
      expect(resampled.end()).toMatchObject([{ start: 0, end: 0.5, shortClip: true }]);
    });

    it('reports a silent short clip as no speech, and an empty stream as nothing', () => {
      const silent = new WindowProducer({ ...SHAPE, inputRate: 16000 });
      silent.push(quiet(0.4, 16000));
      expect(silent.end()).toMatchObject([{ speech: false, speechRatio: 0, shortClip: true }]);
      expect(new WindowProducer({ ...SHAPE, inputRate: 16000 }).end()).toEqual([]);
    });

    it('keeps at most W * 160 + 160 samples, and none once a window filled', () => {
      const p = new WindowProducer({ ...SHAPE, inputRate: 16000 });
      const buffered = () => (p as unknown as { shortClip: { length: number } | null }).shortClip;
      const x = speechLike(3, 16000);
      p.push(x.subarray(0, 16000));
      expect(buffered()!.length).toBe(16000);
      p.push(x.subarray(16000, 16100));
      expect(buffered()).toBeNull();
      p.push(x.subarray(16100));
      expect(p.end().every((w) => !w.shortClip)).toBe(true);
    });
  });

  it('refuses audio after end()', () => {
    const p = new WindowProducer({ ...SHAPE, inputRate: 16000 });
    p.end();
    expect(() => p.push(new Float32Array(10))).toThrow('push() after end()');
    expect(p.end()).toEqual([]);
  });
});
