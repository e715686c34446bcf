/**
 * The browser test's capture alignment (helpers/align.ts) on a signal whose every sample is known: a clip at
 * 44.1 kHz and a "capture" of it at 16 kHz, read from the same analytic function, with and without a dropped
 * buffer. The browser test leaves out the windows this calls unfaithful, so it must call a glitch one and
 * nothing else.
 */
import { describe, expect, it } from 'vitest';
import { FAITHFUL_CAPTURE_SNR_DB, loopOffset, windowAlignment } from '../helpers/align.js';

const CLIP_RATE = 44100;
const partials = Array.from({ length: 12 }, (_, k) => ({ f: 110 + 301.3 * k, phase: k * 1.7, gain: 1 / (1 + k / 4) }));
/** Speech-like: partials under 4 kHz in syllable-rate bursts, so energy envelopes have something to lock on. */
function signal(t: number): number {
  const envelope = 0.2 + Math.abs(Math.sin(2 * Math.PI * 2.3 * t) * Math.sin(2 * Math.PI * 0.37 * t + 1));
  let x = 0;
  for (const p of partials) x += p.gain * Math.sin(2 * Math.PI * p.f * t + p.phase);
  return 0.05 * envelope * x;
}
const clip = Float32Array.from({ length: 14 * CLIP_RATE }, (_, i) => signal(i / CLIP_RATE));
const clip16k = Float32Array.from({ length: 14 * 16000 }, (_, i) => signal(i / 16000));

/** A 16 kHz capture of the clip from `offsetS`, 10 s long; `dropAtS` drops `dropS` (10 ms) of it there. */
function capture(offsetS: number, dropAtS?: number, dropS = 0.01): Float32Array {
  const times: number[] = [];
  for (let i = 0; times.length < 10 * 16000; i++) {
    const t = offsetS + i / 16000;
    if (dropAtS !== undefined && t - offsetS >= dropAtS && t - offsetS < dropAtS + dropS) continue;
    times.push(t);
  }
  return Float32Array.from(times, signal);
}

const windows = Array.from({ length: 7 }, (_, w) => ({ start: w * 16000, length: 4 * 16000 }));

describe('capture alignment (browser test helper)', () => {
  it('locates an unbroken capture and finds every window faithful at its place in the loop', () => {
    const captured = capture(2.5);
    const offset = loopOffset(captured, clip16k, clip, CLIP_RATE);
    expect(Math.abs(offset - 2.5 * CLIP_RATE)).toBeLessThanOrEqual(1);
    for (const w of windows) {
      const a = windowAlignment(captured, clip16k, clip, CLIP_RATE, w.start, w.length);
      expect(Math.abs(a.offset - (2.5 + w.start / 16000) * CLIP_RATE)).toBeLessThanOrEqual(1);
      expect(a.snrDb).toBeGreaterThan(FAITHFUL_CAPTURE_SNR_DB + 10);
    }
  });

  it('a dropped buffer: the windows holding it read low, the ones after it are found 10 ms further on', () => {
    const captured = capture(2.5, 5.3);
    const found = windows.map((w) => ({ w, ...windowAlignment(captured, clip16k, clip, CLIP_RATE, w.start, w.length) }));
    for (const { w, snrDb, offset: at } of found) {
      const startS = w.start / 16000;
      const holdsDrop = startS <= 5.3 && startS + 4 > 5.3;
      if (holdsDrop) expect(snrDb).toBeLessThan(FAITHFUL_CAPTURE_SNR_DB);
      else {
        expect(snrDb).toBeGreaterThan(FAITHFUL_CAPTURE_SNR_DB + 10);
        const expected = (2.5 + startS + (startS > 5.3 ? 0.01 : 0)) * CLIP_RATE;
        expect(Math.abs(at - expected)).toBeLessThanOrEqual(1);
      }
    }
    expect(found.filter((f) => f.snrDb < FAITHFUL_CAPTURE_SNR_DB).length).toBe(4);
  });

  it('a long run of dropped buffers (a starved fake microphone keeps to the wall clock): later windows are still found', () => {
    const captured = capture(2.5, 1.5, 1.2);
    const found = windows.map((w) => ({ w, ...windowAlignment(captured, clip16k, clip, CLIP_RATE, w.start, w.length) }));
    for (const { w, snrDb, offset: at } of found) {
      const startS = w.start / 16000;
      if (startS <= 1.5 && startS + 4 > 1.5) expect(snrDb).toBeLessThan(FAITHFUL_CAPTURE_SNR_DB);
      else {
        expect(snrDb).toBeGreaterThan(FAITHFUL_CAPTURE_SNR_DB + 10);
        const expected = ((2.5 + startS + (startS > 1.5 ? 1.2 : 0)) * CLIP_RATE) % clip.length;
        expect(Math.abs(at - expected)).toBeLessThanOrEqual(1);
      }
    }
  });
});
