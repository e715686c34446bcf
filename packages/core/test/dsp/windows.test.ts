import { describe, expect, it } from 'vitest';
import { N_BINS, peakGain } from '../../src/dsp/constants.js';
import { StreamingStft, compressedStft } from '../../src/dsp/stft.js';
import { FrameWindower, type FrameWindow, type WindowerFrame } from '../../src/dsp/windows.js';
import { loadFixture, noise, randomChunks } from './support.js';

interface PeakNormFixture {
  input: number[];
  windowFrames: number;
  peak: number;
  gain: number;
  data: number[];
}

/** Streams x (in the given chunks) through StreamingStft into a FrameWindower; returns every window. */
function windowsOf(chunks: Float32Array[], windower: FrameWindower): FrameWindow[] {
  const windows: FrameWindow[] = [];
  const stft = new StreamingStft((f) => {
    const w = windower.push(f);
    if (w) windows.push(w);
  });
  for (const c of chunks) stft.push(c);
  stft.end();
  return windows;
}

/** A synthetic frame whose values encode (frame, value index), to check the layout. */
function syntheticFrame(index: number): WindowerFrame {
  const data = Float32Array.from({ length: 2 * N_BINS }, (_, v) => index * 1000 + v);
  return { index, data, peak: index / 100, energyDb: -index };
}

describe('FrameWindower peak normalisation = features.compressed_stft of the peak-normalised waveform', () => {
  it.each(['quiet', 'floor'])('%s', (name) => {
    const fx = loadFixture<PeakNormFixture>(`peaknorm-${name}.json`);
    const W = fx.windowFrames;
    const [first] = windowsOf([Float32Array.from(fx.input)], new FrameWindower({ windowFrames: W, hopFrames: 5, peakNormalize: true }));
    expect(first.startFrame).toBe(0);
    expect(first.peak).toBe(fx.peak);
    expect(first.gain).toBeCloseTo(fx.gain, 10);
    expect(first.frames.toArray().length).toBe(fx.data.length);
    let worst = 0; // relative error; the exact zeros (imaginary DC and Nyquist bins) must stay zeros
    for (let i = 0; i < fx.data.length; i++) {
      const error = Math.abs(first.frames.toArray()[i] - fx.data[i]);
      worst = Math.max(worst, error === 0 ? 0 : error / Math.abs(fx.data[i]));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});

describe('FrameWindower', () => {
  it('window k covers frames [k hop, k hop + W), in the model layout [2, 161, W] with frames fastest', () => {
    const W = 5;
    const windower = new FrameWindower({ windowFrames: W, hopFrames: 3, peakNormalize: false });
    const windows = Array.from({ length: 20 }, (_, i) => windower.push(syntheticFrame(i))).filter((w) => w !== null);
    expect(windows.map((w) => [w.index, w.startFrame, w.endFrame])).toEqual([0, 1, 2, 3, 4, 5].map((k) => [k, 3 * k, 3 * k + W]));
    for (const w of windows) {
      expect(w.gain).toBe(1);
      expect(w.peak).toBe((w.endFrame - 1) / 100);
      expect(Array.from(w.energiesDb)).toEqual(Array.from({ length: W }, (_, f) => -(w.startFrame + f)));
      for (let c = 0; c < 2; c++) {
        for (let b = 0; b < N_BINS; b++) {
          for (let f = 0; f < W; f++) {
            expect(w.frames.toArray()[(c * N_BINS + b) * W + f]).toBe((w.startFrame + f) * 1000 + c * N_BINS + b);
          }
        }
      }
    }
  });

  it('handles hop > W (frames between windows are skipped) and hop = 1', () => {
    const sparse = new FrameWindower({ windowFrames: 2, hopFrames: 4, peakNormalize: false });
    const starts = Array.from({ length: 12 }, (_, i) => sparse.push(syntheticFrame(i))?.startFrame).filter((s) => s !== undefined);
    expect(starts).toEqual([0, 4, 8]);
    const dense = new FrameWindower({ windowFrames: 3, hopFrames: 1, peakNormalize: false });
    const count = Array.from({ length: 10 }, (_, i) => dense.push(syntheticFrame(i))).filter((w) => w !== null).length;
    expect(count).toBe(8);
  });

  it('streamed windows equal slices of the offline compressedStft, for any chunking; gain = max(peak, 1e-4)^-0.3', () => {
    const x = noise(16000, 21, 0.2);
    const offline = compressedStft(x);
    const W = 40;
    const windows = windowsOf(randomChunks(x, 5, 500), new FrameWindower({ windowFrames: W, hopFrames: 25, peakNormalize: true }));
    expect(windows.length).toBe(Math.floor((offline.frames - W) / 25) + 1);
    for (const w of windows) {
      const peak = Math.max(...offline.peaks.subarray(w.startFrame, w.endFrame));
      expect(w.peak).toBe(peak);
      expect(w.gain).toBe(peakGain(peak));
      expect(Array.from(w.energiesDb)).toEqual(Array.from(offline.energiesDb.subarray(w.startFrame, w.endFrame)));
      for (let row = 0; row < 2 * N_BINS; row++) {
        for (let f = 0; f < W; f++) {
          expect(w.frames.toArray()[row * W + f]).toBe(Math.fround(offline.data[row * offline.frames + w.startFrame + f] * w.gain));
        }
      }
    }
  });

  it("sums each window's active frames' power per bin as frames arrive (activePower), for whole-hop windows only", () => {
    const x = noise(16000 * 7, 11);
    for (let i = 16000; i < 32000; i++) x[i] = 0; // a silent second: frames below the threshold
    for (const [W, hop, peakNormalize] of [[400, 100, false], [8, 4, true], [6, 1, false]] as const) {
      const activeAboveDb = -50;
      const windows = windowsOf(randomChunks(x, 5, 700), new FrameWindower({ windowFrames: W, hopFrames: hop, peakNormalize, activeAboveDb }));
      expect(windows.length).toBeGreaterThan(3);
      for (const w of windows) {
        const data = w.frames.toArray();
        const expected = new Float64Array(N_BINS);
        for (let t = 0; t < W; t++) {
          if (!(w.energiesDb[t]! > activeAboveDb)) continue;
          for (let b = 0; b < N_BINS; b++) {
            // toArray() carries the window's gain; activePower is before it
            const re = data[b * W + t]! / w.gain;
            const im = data[(N_BINS + b) * W + t]! / w.gain;
            expected[b] += re * re + im * im;
          }
        }
        const got = w.activePower!;
        expect(got).toBeDefined();
        for (let b = 0; b < N_BINS; b++) expect(Math.abs(got[b]! - expected[b]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, expected[b]!));
      }
      // the silent second's windows hold fewer active frames than the noise's
      expect(Math.min(...windows.map((w) => w.activePower![0]!))).toBeLessThan(Math.max(...windows.map((w) => w.activePower![0]!)));
    }
    // a window that is not whole hops (W 5, hop 2) gets none: the block sums would cover frames outside it
    const odd = windowsOf([noise(16000, 3)], new FrameWindower({ windowFrames: 5, hopFrames: 2, peakNormalize: false, activeAboveDb: -50 }));
    expect(odd.length).toBeGreaterThan(0);
    expect(odd.every((w) => w.activePower === undefined)).toBe(true);
    // nor does a windower not given the threshold
    expect(windowsOf([noise(16000, 3)], new FrameWindower({ windowFrames: 8, hopFrames: 4, peakNormalize: false }))[0]!.activePower).toBeUndefined();
  });

  it('hands out windows the caller owns: later frames do not change them', () => {
    // windows share the windower's frame blocks: none is written again once a window reads it, for any
    // window/hop geometry (hop dividing W, not dividing it, larger than it)
    for (const [W, hop] of [[2, 1], [4, 2], [5, 2], [3, 4], [400, 100]] as const) {
      const windower = new FrameWindower({ windowFrames: W, hopFrames: hop, peakNormalize: false });
      const held: { w: FrameWindow; copy: Float32Array }[] = [];
      for (let i = 0; i < W + 6 * hop; i++) {
        const w = windower.push(syntheticFrame(i));
        if (w === null) continue;
        const copy = new Float32Array(2 * N_BINS * W);
        w.frames.copyRows(0, 2 * N_BINS, 0, W, copy, 0); // read before any later frame, not cached
        held.push({ w, copy });
      }
      expect(held.length).toBeGreaterThanOrEqual(6);
      for (const { w, copy } of held) {
        const again = new Float32Array(copy.length);
        w.frames.copyRows(0, 2 * N_BINS, 0, W, again, 0);
        expect(again).toEqual(copy);
        expect(w.frames.toArray()).toEqual(copy);
        // each frame's values are the synthetic frame's: (frame index) * 1000 + value number
        expect(again[0]).toBe(w.startFrame * 1000);
        expect(again[W - 1]).toBe((w.startFrame + W - 1) * 1000);
      }
    }
  });

  it('copies any range of rows and frames, and refuses one outside the window', () => {
    const windower = new FrameWindower({ windowFrames: 5, hopFrames: 2, peakNormalize: false });
    let w: FrameWindow | null = null;
    for (let i = 0; w === null; i++) w = windower.push(syntheticFrame(i));
    const whole = w.frames.toArray();
    const part = new Float32Array(3 * 4 + 1);
    w.frames.copyRows(7, 3, 1, 4, part, 1); // rows 7..9, frames 1..4, from offset 1
    for (let r = 0; r < 3; r++) for (let f = 0; f < 4; f++) expect(part[1 + r * 4 + f]).toBe(whole[(7 + r) * 5 + 1 + f]);
    expect(() => w.frames.copyRows(0, 1, 3, 3, part, 0)).toThrow(RangeError); // frames 3..5 of 5
    expect(() => w.frames.copyRows(2 * N_BINS - 1, 2, 0, 1, part, 0)).toThrow(RangeError);
    expect(() => w.frames.copyRows(0, 3, 0, 5, part, 0)).toThrow(RangeError); // 15 values into 13
  });

  it('rejects frames out of order or of the wrong size, and bad options; reset() starts over', () => {
    const windower = new FrameWindower({ windowFrames: 3, hopFrames: 1, peakNormalize: false });
    windower.push(syntheticFrame(0));
    expect(() => windower.push(syntheticFrame(2))).toThrow(/expected frame 1/);
    expect(() => windower.push({ ...syntheticFrame(1), data: new Float32Array(10) })).toThrow(RangeError);
    windower.reset();
    expect(windower.framesSeen).toBe(0);
    expect(() => windower.push(syntheticFrame(0))).not.toThrow();
    expect(() => new FrameWindower({ windowFrames: 0, hopFrames: 1, peakNormalize: false })).toThrow(RangeError);
    expect(() => new FrameWindower({ windowFrames: 4, hopFrames: 1.5, peakNormalize: false })).toThrow(RangeError);
  });
});
