/** networkQuality: delay composition, codec table, monotonicity, clamping and input errors. */
import { describe, expect, it } from 'vitest';
import {
  CODEC_IMPAIRMENTS,
  networkQuality,
  oneWayDelayMs,
  rFactorBreakdown,
  resolveCodec,
  type CodecImpairment,
  type NetworkQualityInput,
} from '../../src/network/index.js';

const base: NetworkQualityInput = { lossPct: 0, jitterMs: 0, rttMs: 0, codec: 'pcmu' };

describe('oneWayDelayMs', () => {
  it('is RTT/2 + 2 x jitter + codec delay', () => {
    expect(oneWayDelayMs({ rttMs: 100, jitterMs: 10, codecDelayMs: 20 })).toBe(50 + 20 + 20);
  });

  it('uses a measured jitter-buffer delay instead of 2 x jitter when given', () => {
    expect(oneWayDelayMs({ rttMs: 100, jitterMs: 10, jitterBufferMs: 45, codecDelayMs: 20 })).toBe(50 + 45 + 20);
  });
});

describe('networkQuality', () => {
  it('G.711 (PCMU, PLC) with 1 % loss, 10 ms jitter, 100 ms RTT: Ta = 90 ms, R 87.23, MOS 4.27', () => {
    const q = networkQuality({ lossPct: 1, jitterMs: 10, rttMs: 100, codec: 'PCMU' });
    expect(q.r).toBeCloseTo(87.230315, 4);
    expect(q.mos).toBeCloseTo(4.265385, 5);
    expect(q).toEqual({ mos: q.mos, r: q.r, lossPct: 1, jitterMs: 10, rttMs: 100, codec: 'g711' });
  });

  it('Opus on the wideband scale: R reported as R_WB / 1.29 and MOS from it', () => {
    // Ta = 100 + 2 x 30 + 26.5 = 186.5 ms; Ie,eff = 20 + 75 x 2 / 21.5; R_WB = 129 - 1.29 Id - Ie,eff.
    const q = networkQuality({ lossPct: 2, jitterMs: 30, rttMs: 200, codec: 'audio/opus' });
    expect(q.codec).toBe('opus');
    expect(q.r).toBeCloseTo(72.979193, 4);
    expect(q.mos).toBeCloseTo(3.733433, 5);
  });

  it('a clean Opus call rates its codec impairment only (Ie,WB 20 -> MOS ~4.15 at Ta = 26.5 ms)', () => {
    const q = networkQuality({ ...base, codec: 'opus' });
    expect(q.r).toBeCloseTo(107.701073 / 1.29, 4);
    expect(q.mos).toBeCloseTo(4.148777, 5);
  });

  it.each(Object.keys(CODEC_IMPAIRMENTS))('%s: MOS falls as loss rises', (codec) => {
    const mos = [0, 0.5, 1, 2, 5, 10, 20, 50].map((lossPct) => networkQuality({ ...base, codec, lossPct }).mos);
    for (let i = 1; i < mos.length; i++) expect(mos[i]).toBeLessThan(mos[i - 1]);
  });

  it.each(Object.keys(CODEC_IMPAIRMENTS))('%s: MOS falls as RTT and jitter rise (past the echo-free region)', (codec) => {
    const byRtt = [0, 50, 100, 200, 300, 500, 800].map((rttMs) => networkQuality({ ...base, codec, rttMs }).mos);
    const byJitter = [0, 10, 20, 50, 100, 200].map((jitterMs) => networkQuality({ ...base, codec, jitterMs }).mos);
    for (const series of [byRtt, byJitter]) {
      for (let i = 1; i < series.length; i++) expect(series[i]).toBeLessThan(series[i - 1]);
    }
  });

  it('bursty loss rates lower than random loss at the same loss', () => {
    const random = networkQuality({ ...base, lossPct: 5 });
    const bursty = networkQuality({ ...base, lossPct: 5, burstRatio: 3 });
    expect(bursty.mos).toBeLessThan(random.mos);
  });

  it('clamps r to 0..100 and mos to 1..4.5 under extreme conditions', () => {
    const worst = networkQuality({ lossPct: 100, jitterMs: 1000, rttMs: 5000, codec: 'g711-noplc' });
    expect(worst.r).toBe(0);
    expect(worst.mos).toBe(1);
    for (const codec of Object.keys(CODEC_IMPAIRMENTS)) {
      const best = networkQuality({ ...base, codec });
      expect(best.r).toBeLessThanOrEqual(100);
      expect(best.mos).toBeLessThanOrEqual(4.5);
      expect(best.mos).toBeGreaterThan(4);
    }
  });

  it.each([
    [{ lossPct: -1 }, /lossPct must be >= 0 and <= 100, got -1/],
    [{ lossPct: 100.5 }, /lossPct/],
    [{ lossPct: Number.NaN }, /lossPct must be a finite number, got NaN/],
    [{ jitterMs: -5 }, /jitterMs must be >= 0, got -5/],
    [{ jitterMs: Number.NaN }, /jitterMs must be a finite number/],
    [{ rttMs: -1 }, /rttMs must be >= 0/],
    [{ rttMs: Infinity }, /rttMs must be a finite number/],
    [{ burstRatio: 0.5 }, /burstRatio must be >= 1/],
    [{ burstRatio: Number.NaN }, /burstRatio must be a finite number/],
    [{ jitterBufferMs: -1 }, /jitterBufferMs must be >= 0/],
    [{ codec: 'speex' }, /unknown codec "speex".*known: g711, g711-noplc, g722, g729, g729a, opus, pcma, pcmu/],
  ] as const)('rejects %o with a RangeError', (override, message) => {
    const run = () => networkQuality({ ...base, ...override } as NetworkQualityInput);
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  });
});

describe('codec table', () => {
  it('resolves RTP names, mimeTypes and rtpmap strings case-insensitively', () => {
    expect(resolveCodec('PCMA').name).toBe('g711');
    expect(resolveCodec('audio/PCMU').name).toBe('g711');
    expect(resolveCodec('opus/48000/2').name).toBe('opus');
    expect(resolveCodec(' G722 ').name).toBe('g722');
    expect(resolveCodec('G729A').name).toBe('g729');
  });

  it('carries the G.113 Appendix I values for the narrowband codecs', () => {
    expect(resolveCodec('g711')).toMatchObject({ band: 'narrowband', ie: 0, bpl: 25.1 });
    expect(resolveCodec('g711-noplc')).toMatchObject({ band: 'narrowband', ie: 0, bpl: 4.3 });
    expect(resolveCodec('g729')).toMatchObject({ band: 'narrowband', ie: 11, bpl: 19 });
  });

  it('rates G.722 and Opus on the wideband scale', () => {
    expect(resolveCodec('g722')).toMatchObject({ band: 'wideband', ie: 13 });
    expect(resolveCodec('opus')).toMatchObject({ band: 'wideband', ie: 20, bpl: 19.5, codecDelayMs: 26.5 });
  });

  it('accepts a custom codec and validates it', () => {
    const custom: CodecImpairment = { name: 'evs-wb', band: 'wideband', ie: 5, bpl: 10, codecDelayMs: 32 };
    const q = networkQuality({ ...base, codec: custom });
    expect(q.codec).toBe('evs-wb');
    const expected = rFactorBreakdown({ ie: 5, bpl: 10, lossPct: 0, oneWayDelayMs: 32, band: 'wideband' });
    expect(q.mos).toBeCloseTo(expected.mos, 12);
    expect(() => resolveCodec({ ...custom, ie: -1 })).toThrow(/codec evs-wb: ie must be >= 0/);
    expect(() => resolveCodec({ ...custom, bpl: 0 })).toThrow(/codec evs-wb: bpl must be > 0/);
    expect(() => resolveCodec({ ...custom, name: '' })).toThrow(/codec.name/);
    expect(() => resolveCodec({ ...custom, band: 'fullband' as 'wideband' })).toThrow(/codec.band/);
  });
});
