/** diagnoseCause (the cause model) and signalEvidence (what it reads beside the dims). */
import { describe, expect, it } from 'vitest';
import type { NetworkQuality, SignalEvidence } from '../../src/events.js';
import { CAUSE_CALIBRATION, causeFeatures, diagnoseCause, type CauseCalibration } from '../../src/scoring/cause.js';
import { signalEvidence } from '../../src/scoring/signal-evidence.js';
import { arrayRows } from '../../src/dsp/window-frames.js';

const DIMS = { noisiness: 3.6, coloration: 3.8, discontinuity: 4.2, loudness: 4.0, plc: 4.0 };
const SIGNAL: SignalEvidence = { levelDbfs: -26, floorDbfs: -75, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 };
const NET = (lossPct: number, jitterMs = 5): NetworkQuality => ({ mos: 4, r: 80, lossPct, jitterMs, rttMs: 40, codec: 'opus' });

/** One feature per cause, weight 1 each: the cause whose feature is highest wins. */
const toy: CauseCalibration = {
  features: ['dims.a', 'dims.b', 'dims.c', 'signal.quietDb'],
  mean: [0, 0, 0, 0],
  scale: [1, 1, 1, 1],
  weights: [
    [1, 0, 0, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 1, 0],
  ],
  minProbability: 0.5,
  networkLossPct: 2,
  networkJitterMs: 60,
};

describe('diagnoseCause', () => {
  it('is a softmax over the standardised features: the likeliest cause, with every probability as evidence', () => {
    const c = diagnoseCause({ a: 0, b: 4, c: 0 }, undefined, { levelDbfs: -26, floorDbfs: -80, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 }, toy);
    expect(c.kind).toBe('coloration');
    expect(c.likelihood.coloration).toBeGreaterThan(0.9);
    expect(Object.values(c.likelihood).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    // quietDb = max(0, -35 - level): 15 dB too quiet
    expect(diagnoseCause({ a: 0, b: 0, c: 0 }, undefined, { levelDbfs: -50, floorDbfs: -90, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 }, toy).kind).toBe('loudness');
  });

  it("says 'unknown' when no cause is likely enough, or when a dim it needs is missing", () => {
    expect(diagnoseCause({ a: 1, b: 1, c: 1 }, undefined, SIGNAL, toy).kind).toBe('unknown');
    const missing = diagnoseCause({ a: 5, b: 0 }, undefined, SIGNAL, toy);
    expect(missing).toEqual({ kind: 'unknown', dims: { a: 5, b: 0 }, likelihood: {}, signal: SIGNAL });
  });

  it('without signal evidence, or with a window of no active frame, reads the signal features at their means', () => {
    expect(diagnoseCause({ a: 0, b: 0, c: 3 }, undefined, undefined, toy).kind).toBe('discontinuity');
    // level -120 (the "no active frame" mark) would read as 85 dB too quiet: it is not evidence
    expect(diagnoseCause({ a: 0, b: 0, c: 3 }, undefined, { levelDbfs: -120, floorDbfs: -120, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0 }, toy).kind).toBe('discontinuity');
  });

  it('refuses a calibration whose shapes do not match its features', () => {
    expect(() => diagnoseCause({ a: 1, b: 1, c: 1 }, undefined, SIGNAL, { ...toy, weights: toy.weights.slice(1) })).toThrow(RangeError);
    expect(() => diagnoseCause({ a: 1, b: 1, c: 1 }, undefined, SIGNAL, { ...toy, scale: [1, 0, 1, 1] })).toThrow(/scales > 0/);
  });

  it('with a hidden layer: ReLU units over the standardised features, the softmax over them', () => {
    // unit 0 fires on a - b (noise when a dominates), unit 1 on b - a; the output rows read the units
    const layered: CauseCalibration = {
      ...toy,
      hidden: [
        [1, -1, 0, 0, 0],
        [-1, 1, 0, 0, 0],
      ],
      weights: [
        [4, 0, 0],
        [0, 4, 0],
        [0, 0, -5],
        [0, 0, -5],
      ],
    };
    expect(diagnoseCause({ a: 2, b: 0, c: 0 }, undefined, SIGNAL, layered).kind).toBe('noise');
    expect(diagnoseCause({ a: 0, b: 2, c: 9 }, undefined, SIGNAL, layered).kind).toBe('coloration');
    // a and b equal: both units are at 0, nothing is likely enough
    expect(diagnoseCause({ a: 1, b: 1, c: 0 }, undefined, SIGNAL, layered).kind).toBe('unknown');
    expect(() => diagnoseCause({ a: 1, b: 1, c: 1 }, undefined, SIGNAL, { ...layered, weights: toy.weights })).toThrow(/weight rows of 3/);
    expect(() => diagnoseCause({ a: 1, b: 1, c: 1 }, undefined, SIGNAL, { ...layered, hidden: [[1, 2]] })).toThrow(/hidden rows of 5/);
  });

  it("turns dropouts, coloration (concealment) and an unknown into 'network' when loss or jitter explain them, never noise or loudness", () => {
    expect(diagnoseCause({ a: 0, b: 0, c: 3 }, NET(5), SIGNAL, toy)).toMatchObject({ kind: 'network', network: { lossPct: 5, jitterMs: 5 } });
    expect(diagnoseCause({ a: 0, b: 0, c: 3 }, NET(0, 80), SIGNAL, toy).kind).toBe('network');
    expect(diagnoseCause({ a: 1, b: 1, c: 1 }, NET(10), SIGNAL, toy).kind).toBe('network');
    expect(diagnoseCause({ a: 0, b: 0, c: 3 }, NET(0.5), SIGNAL, toy).kind).toBe('discontinuity');
    expect(diagnoseCause({ a: 4, b: 0, c: 0 }, NET(10), SIGNAL, toy).kind).toBe('noise');
    expect(diagnoseCause({ a: 0, b: 0, c: 0 }, NET(10), { ...SIGNAL, levelDbfs: -60 }, toy).kind).toBe('loudness');
    expect(diagnoseCause({ a: 0, b: 4, c: 0 }, NET(10), SIGNAL, toy).kind).toBe('network');
    expect(diagnoseCause({ a: 0, b: 4, c: 0 }, NET(0.5), SIGNAL, toy).kind).toBe('coloration');
  });

  it('the shipped calibration: clear cases of each cause come out as that cause', () => {
    expect(CAUSE_CALIBRATION.weights).toHaveLength(4);
    const inputs = CAUSE_CALIBRATION.hidden?.length ?? CAUSE_CALIBRATION.features.length;
    for (const row of CAUSE_CALIBRATION.weights) expect(row).toHaveLength(inputs + 1);
    for (const row of CAUSE_CALIBRATION.hidden ?? []) expect(row).toHaveLength(CAUSE_CALIBRATION.features.length + 1);
    const noisy = diagnoseCause({ ...DIMS, noisiness: 1.5, coloration: 3.0 }, undefined, { levelDbfs: -26, floorDbfs: -31, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 });
    expect(noisy.kind).toBe('noise');
    const quiet = diagnoseCause({ ...DIMS, loudness: 2.5 }, undefined, { levelDbfs: -52, floorDbfs: -100, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 });
    expect(quiet.kind).toBe('loudness');
    const muffled = diagnoseCause({ ...DIMS, coloration: 1.8, noisiness: 3.4 }, undefined, { levelDbfs: -26, floorDbfs: -90, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 });
    expect(muffled.kind).toBe('coloration');
    const choppy = diagnoseCause({ ...DIMS, discontinuity: 1.8, plc: 2.0 }, undefined, { levelDbfs: -26, floorDbfs: -100, dropoutsPerSec: 3, bandwidthHz: 7500, clippedPct: 0 });
    expect(choppy.kind).toBe('discontinuity');
    expect(diagnoseCause({ ...DIMS, discontinuity: 1.8, plc: 2.0 }, NET(8), { levelDbfs: -26, floorDbfs: -100, dropoutsPerSec: 3, bandwidthHz: 7500, clippedPct: 0 }).kind).toBe('network');
  });
});

describe('signalEvidence', () => {
  const frames = (n: number, db: number) => new Array<number>(n).fill(db);

  it('measures the active level (power mean over the frames above the gate) and the 10th-percentile floor', () => {
    const e = [...frames(300, -20), ...frames(100, -60)];
    expect(signalEvidence(e, -50)).toEqual({ levelDbfs: -20, floorDbfs: -60, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0, fallDb: 0 });
    // power mean, not dB mean: -20 and -30 dB frames average to -22.6 dB
    expect(signalEvidence([...frames(200, -20), ...frames(200, -30)], -50).levelDbfs).toBeCloseTo(-22.6, 1);
    expect(signalEvidence(frames(400, -70), -50)).toEqual({ levelDbfs: -120, floorDbfs: -70, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0, fallDb: 0 });
    expect(signalEvidence([], -50)).toEqual({ levelDbfs: -120, floorDbfs: -120, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0, fallDb: 0 });
    // NaN samples make NaN energies: measured as nothing, and the dropout scan still ends (it looped forever)
    expect(signalEvidence([NaN, NaN, -20], -50).dropoutsPerSec).toBe(0);
  });

  it("measures how fast the speech falls: at once to the floor when dry or noisy, slowly in a room's tail", () => {
    // words of 300 ms at -20 dBFS, pauses of 200 ms, in 10 ms frames
    const speech = (pause: (k: number) => number) => Array.from({ length: 400 }, (_, t) => (t % 50 < 30 ? -20 : pause((t % 50) - 30)));
    const dry = signalEvidence(speech(() => -80), -50);
    const noisy = signalEvidence(speech(() => -30), -50);
    // RT60 0.5 s: the tail falls 60 dB in 0.5 s, 1.2 dB a frame, 6 dB in the 50 ms measured
    const room = signalEvidence(speech((k) => Math.max(-80, -20 - 1.2 * (k + 1))), -50);
    expect(dry.fallDb).toBe(60);
    expect(noisy.fallDb).toBe(10);
    expect(room.fallDb).toBeCloseTo(6, 5);
    // as the cause model reads it, the fall over the room the floor leaves: ~1 or more with noise (whose pauses
    // over the gate pull the level down, here to -21.9 dBFS over a -30 floor), well under 1 with a tail
    const calibration = { ...CAUSE_CALIBRATION, features: ['signal.fallRatio'], mean: [0.7], scale: [1] };
    const ratio = (s: SignalEvidence) => causeFeatures({}, s, calibration)![0]!;
    expect(ratio(noisy)).toBeGreaterThan(0.9);
    expect(ratio(room)).toBeLessThan(0.4);
    // an event of a producer before the measure reads as typical (the feature's mean), not as no cause at all
    const { fallDb: _, ...older } = noisy;
    expect(ratio(older)).toBe(0.7);
    // NaN frames are no fall
    expect(signalEvidence([...speech(() => -80).slice(0, 40), NaN, NaN, NaN, NaN, NaN, NaN], -50).fallDb).toBe(60);
  });

  it('reads the bandwidth the speech still carries from the spectrum of its active frames', () => {
    // 161 bins of 50 Hz, 10 frames: power falls 1 dB a bin up to 4 kHz (bin 80), then 90 dB lower
    const bins = 161;
    const framesN = 10;
    const data = new Float32Array(2 * bins * framesN);
    for (let b = 0; b < bins; b++) {
      const powerDb = b <= 80 ? -b : -90 - b;
      const magnitude = (10 ** (powerDb / 20)) ** 0.3; // the compressed STFT's |X|^0.3
      for (let t = 0; t < framesN; t++) data[b * framesN + t] = magnitude;
    }
    const spectrum = { rows: arrayRows(data, framesN), bins, power: 0.3, binHz: 50 };
    // within 55 dB of the strongest bin: bins 0..55 -> 2750 Hz; a narrowband codec shows as the cliff at 4 kHz
    expect(signalEvidence(frames(10, -20), -50, spectrum).bandwidthHz).toBe(2750);
    // silence (no active frame) carries nothing
    expect(signalEvidence(frames(10, -80), -50, spectrum).bandwidthHz).toBe(0);
  });

  it('reads clipping as the share of active frames whose peak sits at the window\'s largest, at any level', () => {
    const e = [...frames(300, -20), ...frames(100, -70)];
    // natural speech: peaks spread, the largest reached once
    const spread = e.map((_, t) => 0.2 + 0.5 * ((t * 37) % 100) / 100);
    spread[123] = 0.9;
    expect(signalEvidence(e, -50, undefined, spread).clippedPct).toBeCloseTo(100 / 300, 1);
    // clipped at 0.3 (not full scale): every other loud frame hits the limit; the quiet frames do not count
    const limited = e.map((_, t) => (t < 300 && t % 2 === 0 ? 0.3 : 0.1));
    expect(signalEvidence(e, -50, undefined, limited).clippedPct).toBe(50);
    // without peaks, or peaks of another window's length: nothing measured
    expect(signalEvidence(e, -50).clippedPct).toBe(0);
    expect(signalEvidence(e, -50, undefined, limited.slice(1)).clippedPct).toBe(0);
  });

  it('counts short runs of digital silence between active frames (lost packets filled with zeros), not pauses', () => {
    const speech = frames(40, -25);
    const gap = (n: number) => frames(n, -120);
    // 4 s: two 20 ms dropouts and one 40 ms one inside speech, one 300 ms pause, silence at the end
    const e = [...speech, ...gap(2), ...speech, ...gap(1), ...speech, ...gap(4), ...speech, ...gap(30), ...speech, ...frames(400 - 40 * 5 - 37, -120)];
    expect(e).toHaveLength(400);
    expect(signalEvidence(e, -50).dropoutsPerSec).toBe(0.8); // 3 in 4 s; the pause and the tail are no dropouts
  });
});
