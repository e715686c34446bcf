/** QualityAggregator: EMA in stream time, bands with hysteresis, not-scored windows, purity, config errors. */
import { describe, expect, it } from 'vitest';
import type { ScoreEvent } from '../../src/events.js';
import { DEFAULT_QUALITY_CONFIG, QualityAggregator, resolveQualityConfig } from '../../src/scoring/aggregator.js';

/** A window of stream "s" ending at `end` s: scored with `mos`, or not scored ('no-speech') when mos is null. */
function window(end: number, mos: number | null, streamId = 's'): ScoreEvent {
  return {
    v: 1,
    streamId,
    model: 'tiny@1.0.0',
    start: Math.max(0, end - 7.68),
    end,
    scored: mos !== null,
    ...(mos === null ? { reason: 'no-speech' as const } : {}),
    mos,
    dims: { noisiness: 4 },
    speechRatio: mos === null ? 0 : 0.9,
    latencyMs: 12,
    timestamp: 1_700_000_000_000 + end * 1000,
  };
}

/** Feeds scored windows with these MOS values, 1 s apart, and returns the bands after each. */
function bandsFor(aggregator: QualityAggregator, mosValues: number[]): string[] {
  return mosValues.map((mos, i) => aggregator.update(window(10 + i, mos)).band ?? 'none');
}

describe('QualityAggregator EMA', () => {
  it('starts at the first scored MOS', () => {
    const out = new QualityAggregator().update(window(8, 3.9));
    expect(out.emaMos).toBe(3.9);
    expect(out.band).toBe('good');
  });

  it('moves 1 - exp(-dt / tau) of the way to each new score (tau = 5 s by default)', () => {
    const agg = new QualityAggregator();
    agg.update(window(8, 4));
    expect(agg.update(window(9, 2)).emaMos).toBeCloseTo(4 - 2 * (1 - Math.exp(-1 / 5)), 12);
    expect(agg.update(window(11, 2)).emaMos).toBeCloseTo(2 + 2 * Math.exp(-3 / 5), 12);
  });

  it('is independent of the window hop: a step reaches the same value at the same stream time', () => {
    const emaAt20s = (hop: number) => {
      const agg = new QualityAggregator({ timeConstantSec: 4 });
      agg.update(window(10, 4.2));
      let out: ScoreEvent | undefined;
      for (let t = 10 + hop; t <= 20 + 1e-9; t += hop) out = agg.update(window(t, 2.2));
      return out?.emaMos;
    };
    const exact = 2.2 + 2 * Math.exp(-10 / 4);
    for (const hop of [0.25, 0.5, 1, 2, 5]) expect(emaAt20s(hop)).toBeCloseTo(exact, 9);
  });

  it('follows a shorter time constant faster; 0 disables smoothing', () => {
    const after = (timeConstantSec: number) => {
      const agg = new QualityAggregator({ timeConstantSec });
      agg.update(window(8, 4));
      return agg.update(window(9, 2)).emaMos as number;
    };
    expect(after(1)).toBeLessThan(after(5));
    expect(after(0)).toBe(2);
  });

  it('ignores a repeated window (no stream time elapsed)', () => {
    const agg = new QualityAggregator();
    agg.update(window(8, 4));
    expect(agg.update(window(8, 1)).emaMos).toBe(4);
  });

  it('starts afresh when stream time goes backwards (stream restarted under the same id)', () => {
    const agg = new QualityAggregator();
    agg.update(window(30, 4.4));
    const out = agg.update(window(8, 2.1));
    expect(out.emaMos).toBe(2.1);
    expect(out.band).toBe('poor');
  });
});

describe('QualityAggregator not-scored windows', () => {
  it('carry no emaMos/band before the first score', () => {
    const out = new QualityAggregator().update(window(8, null));
    expect('emaMos' in out).toBe(false);
    expect('band' in out).toBe(false);
  });

  it('leave EMA and band unchanged and carry them on', () => {
    const agg = new QualityAggregator();
    agg.update(window(8, 3.9));
    const silent = agg.update(window(9, null));
    expect(silent).toMatchObject({ scored: false, mos: null, emaMos: 3.9, band: 'good' });
    expect(agg.emaMos).toBe(3.9);
    expect(agg.band).toBe('good');
  });

  it('let stream time run: the first score after a long silence weighs in by the elapsed time', () => {
    const agg = new QualityAggregator();
    agg.update(window(8, 4));
    for (let t = 9; t < 40; t++) agg.update(window(t, null));
    expect(agg.update(window(40, 2)).emaMos).toBeCloseTo(2 + 2 * Math.exp(-32 / 5), 12);
  });
});

describe('QualityAggregator bands with hysteresis (good >= 3.4, poor < 2.5, margin 0.1)', () => {
  const direct = () => new QualityAggregator({ timeConstantSec: 0 }); // EMA = latest MOS, to place it exactly

  it('uses the plain thresholds for the first band', () => {
    expect(bandsFor(direct(), [3.4])).toEqual(['good']);
    expect(bandsFor(direct(), [3.39])).toEqual(['fair']);
    expect(bandsFor(direct(), [2.5])).toEqual(['fair']);
    expect(bandsFor(direct(), [2.49])).toEqual(['poor']);
  });

  it('leaves good only below 3.3 and re-enters it only at 3.5', () => {
    expect(bandsFor(direct(), [3.6, 3.4, 3.3, 3.29, 3.4, 3.49, 3.5])).toEqual([
      'good', 'good', 'good', 'fair', 'fair', 'fair', 'good',
    ]);
  });

  it('enters poor only below 2.4 and leaves it only at 2.6', () => {
    expect(bandsFor(direct(), [3.0, 2.5, 2.4, 2.39, 2.5, 2.59, 2.6])).toEqual([
      'fair', 'fair', 'fair', 'poor', 'poor', 'poor', 'fair',
    ]);
  });

  it('jumps across fair only when both thresholds are crossed by the margin', () => {
    expect(bandsFor(direct(), [2.0, 3.49])).toEqual(['poor', 'fair']);
    expect(bandsFor(direct(), [2.0, 3.5])).toEqual(['poor', 'good']);
    expect(bandsFor(direct(), [4.0, 2.4])).toEqual(['good', 'fair']);
    expect(bandsFor(direct(), [4.0, 2.39])).toEqual(['good', 'poor']);
  });

  it('does not flicker when a smoothed MOS hovers around a threshold', () => {
    const agg = new QualityAggregator({ timeConstantSec: 2 });
    const hovering = Array.from({ length: 40 }, (_, i) => 3.4 + (i % 2 === 0 ? 0.3 : -0.3));
    const out = hovering.map((mos, i) => agg.update(window(10 + i, mos)));
    expect(Math.min(...out.map((e) => e.emaMos as number))).toBeLessThan(3.4); // it does cross the threshold
    expect(new Set(out.map((e) => e.band))).toEqual(new Set(['good']));
  });

  it('honours custom thresholds', () => {
    const agg = new QualityAggregator({ timeConstantSec: 0, goodAtLeast: 4, poorBelow: 3, hysteresis: 0 });
    expect(bandsFor(agg, [4, 3.99, 3, 2.99])).toEqual(['good', 'fair', 'fair', 'poor']);
  });
});

describe('QualityAggregator.update purity and contract', () => {
  it('returns a new event and leaves its input untouched', () => {
    const agg = new QualityAggregator();
    const input = Object.freeze(window(8, 3.2));
    const out = agg.update(input);
    expect(out).not.toBe(input);
    expect(input).not.toHaveProperty('emaMos');
    // under 'good', with dims: the cause read from them (the smoothed dims: the first window's here)
    expect(out).toEqual({ ...input, emaMos: 3.2, band: 'fair', cause: expect.objectContaining({ dims: input.dims }) });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('names a cause from the smoothed dims and the window\'s signal while the band is not good, none while good', () => {
    const agg = new QualityAggregator({ timeConstantSec: 0 });
    const clean = { noisiness: 3.6, coloration: 3.8, discontinuity: 4.2, loudness: 4.0, plc: 4.0 };
    const good = agg.update({ ...window(8, 4.0), dims: clean, signal: { levelDbfs: -26, floorDbfs: -80, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 } });
    expect(good.band).toBe('good');
    expect(good).not.toHaveProperty('cause');
    const noisy = agg.update({ ...window(9, 1.9), dims: { ...clean, noisiness: 1.4, coloration: 3.0 }, signal: { levelDbfs: -26, floorDbfs: -30, dropoutsPerSec: 0, bandwidthHz: 7500, clippedPct: 0 } });
    expect(noisy.band).toBe('poor');
    expect(noisy.cause).toMatchObject({ kind: 'noise', dims: { noisiness: 1.4 }, signal: { floorDbfs: -30 } });
    // a pause (not scored, no active frame) carries the last cause on, as it carries the band: it is not 'loudness'
    const pause = agg.update({ ...window(10, null), signal: { levelDbfs: -120, floorDbfs: -120, dropoutsPerSec: 0, bandwidthHz: 0, clippedPct: 0 } });
    expect(pause.cause).toBe(noisy.cause);
    // a stale cause on the input is never passed on
    expect(new QualityAggregator().update({ ...window(8, null), cause: noisy.cause })).not.toHaveProperty('cause');
  });

  it('replaces emaMos/band that came in with the event', () => {
    const stale = { ...window(8, null), emaMos: 1.1, band: 'poor' as const };
    const out = new QualityAggregator().update(stale);
    expect(out).not.toHaveProperty('emaMos');
    expect(out).not.toHaveProperty('band');
  });

  it('follows one stream and says so when given another', () => {
    const agg = new QualityAggregator();
    agg.update(window(8, 3, 'alice'));
    expect(() => agg.update(window(9, 3, 'bob'))).toThrow(/per stream: it follows "alice" and got an event of "bob"/);
  });

  it('rejects a scored window without a finite mos', () => {
    const broken = { ...window(8, 3), mos: null };
    expect(() => new QualityAggregator().update(broken)).toThrow(RangeError);
    expect(() => new QualityAggregator().update({ ...window(8, 3), mos: Number.NaN })).toThrow(/needs a finite mos/);
  });
});

describe('QualityAggregator config', () => {
  it('defaults to tau 5 s, good >= 3.4, poor < 2.5, margin 0.1', () => {
    expect(DEFAULT_QUALITY_CONFIG).toEqual({ timeConstantSec: 5, goodAtLeast: 3.4, poorBelow: 2.5, hysteresis: 0.1 });
    expect(resolveQualityConfig({ timeConstantSec: undefined })).toEqual(DEFAULT_QUALITY_CONFIG);
  });

  it.each([
    [{ timeConstantSec: -1 }, /timeConstantSec must be >= 0, got -1/],
    [{ timeConstantSec: Number.NaN }, /timeConstantSec must be a finite number, got NaN/],
    [{ hysteresis: -0.1 }, /hysteresis must be >= 0/],
    [{ goodAtLeast: 2.5 }, /goodAtLeast \(2.5\) must be above poorBelow \(2.5\)/],
    [{ hysteresis: 0.5 }, /hysteresis 0.5 is too wide/],
    [{ timeConstant: 3 }, /unknown option "timeConstant"/],
  ])('rejects %o', (config, message) => {
    expect(() => new QualityAggregator(config as never)).toThrow(RangeError);
    expect(() => new QualityAggregator(config as never)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => resolveQualityConfig({ timeConstantSec: -1, hysteresis: -1 })).toThrow(
      'invalid quality aggregator config: timeConstantSec must be >= 0, got -1; hysteresis must be >= 0, got -1',
    );
  });
});
