/**
 * The G.107 formulas against reference points. Expected values were computed independently (a separate
 * Python evaluation of G.107 (06/2015) eqs. 7-2..7-29 and B-4 at the Table 3 defaults) and agree with the
 * component values a third-party G.107 implementation publishes for the same points.
 */
import { describe, expect, it } from 'vitest';
import {
  BASIC_SIGNAL_TO_NOISE,
  absoluteDelayImpairment,
  delayImpairment,
  effectiveEquipmentImpairment,
  mosFromR,
  mosFromWidebandR,
  rFactor,
  rFactorBreakdown,
  simultaneousImpairment,
} from '../../src/network/index.js';

describe('G.107 default parameters (Table 3)', () => {
  it('give Ro ~ 94.77, Is ~ 1.41, Id ~ 0.15 and R = 93.2 (clause 7.7)', () => {
    const b = rFactorBreakdown({ ie: 0, bpl: 25.1, lossPct: 0, oneWayDelayMs: 0 });
    expect(BASIC_SIGNAL_TO_NOISE).toBeCloseTo(94.768822, 5);
    expect(simultaneousImpairment(0)).toBeCloseTo(1.413568, 5);
    expect(b.idle).toBeCloseTo(0.149046, 5); // residual listener echo at WEPL = 110 dB
    expect(b.idte).toBe(0); // no echo path delay, no talker echo
    expect(b.idd).toBe(0);
    expect(b.r).toBeCloseTo(93.206208, 5);
    expect(b.r).toBeCloseTo(93.2, 1);
  });

  it('map R = 93.2 to MOS 4.41 (Annex B)', () => {
    expect(mosFromR(93.2)).toBeCloseTo(4.409286, 6);
    expect(rFactorBreakdown({ ie: 0, bpl: 25.1, lossPct: 0, oneWayDelayMs: 0 }).mos).toBeCloseTo(4.41, 2);
  });
});

describe('mosFromR (G.107 Annex B, eq. B-4)', () => {
  // 1 + 0.035R + R(R-60)(100-R)7e-6; Table B.1 lists these rounded to 2 decimals (4.34, 4.03*, 3.60, 3.10, 2.58).
  it.each([
    [50, 2.575],
    [60, 3.1],
    [70, 3.597],
    [80, 4.024],
    [90, 4.339],
  ])('R = %d gives MOS %d', (r, mos) => {
    expect(mosFromR(r)).toBeCloseTo(mos, 9);
  });

  it('clamps to 1 at and below R = 0 and to 4.5 at and above R = 100', () => {
    expect(mosFromR(-20)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(129)).toBe(4.5);
  });

  it('rejects NaN and infinities', () => {
    expect(() => mosFromR(Number.NaN)).toThrow(RangeError);
    expect(() => mosFromR(Infinity)).toThrow(/R must be a finite number/);
  });
});

describe('absolute delay impairment Idd (eqs. 7-26, 7-27)', () => {
  it('is 0 up to Ta = 100 ms', () => {
    expect(absoluteDelayImpairment(0)).toBe(0);
    expect(absoluteDelayImpairment(100)).toBe(0);
  });

  it.each([
    [150, 0.163531], // X = log2(1.5) = 0.585
    [200, 3.044414], // X = 1
    [250, 8.91671],
    [300, 14.760695], // X = log2(3) = 1.585
    [400, 24.070089], // X = 2
  ])('Ta = %d ms gives Idd = %d', (ta, idd) => {
    expect(absoluteDelayImpairment(ta)).toBeCloseTo(idd, 5);
  });

  it('rejects negative and NaN delays', () => {
    expect(() => absoluteDelayImpairment(-1)).toThrow(RangeError);
    expect(() => absoluteDelayImpairment(Number.NaN)).toThrow(RangeError);
  });
});

describe('delay impairment Id with T = Ta, Tr = 2 Ta at default echo losses', () => {
  it('matches the formula terms at Ta = 150 ms and 300 ms', () => {
    const at150 = delayImpairment(150);
    expect(at150.idte).toBeCloseTo(2.811844, 5); // TERV = 65 - 40 log10(16/2) = 28.88
    expect(at150.idle).toBeCloseTo(0.840747, 5); // Rle = 1228.5 / 301^0.25
    expect(at150.id).toBeCloseTo(2.811844 + 0.840747 + 0.163531, 5);
    expect(rFactor({ ie: 0, bpl: 25.1, lossPct: 0, oneWayDelayMs: 150 })).toBeCloseTo(89.539132, 4);

    const at300 = delayImpairment(300);
    expect(at300.idte).toBeCloseTo(4.83394, 5);
    expect(at300.idle).toBeCloseTo(1.094259, 5);
    expect(rFactor({ ie: 0, bpl: 25.1, lossPct: 0, oneWayDelayMs: 300 })).toBeCloseTo(72.66636, 4);
  });
});

describe('effective equipment impairment Ie,eff (eq. 7-29)', () => {
  it('is Ie without loss', () => {
    expect(effectiveEquipmentImpairment(11, 19, 0)).toBe(11);
  });

  // G.711 without PLC, Bpl = 4.3 (G.113 App. I): 95 Ppl / (Ppl + 4.3).
  it('G.711 without PLC: 1 % random loss -> Ie,eff 17.92, R 75.28, MOS 3.83', () => {
    expect(effectiveEquipmentImpairment(0, 4.3, 1)).toBeCloseTo(95 / 5.3, 9);
    const b = rFactorBreakdown({ ie: 0, bpl: 4.3, lossPct: 1, oneWayDelayMs: 0 });
    expect(b.r).toBeCloseTo(75.281679, 5);
    expect(b.mos).toBeCloseTo(3.833916, 5);
  });

  it('G.711 without PLC: 5 % random loss -> Ie,eff 51.08, R 42.13, MOS 2.17', () => {
    expect(effectiveEquipmentImpairment(0, 4.3, 5)).toBeCloseTo(475 / 9.3, 9);
    const b = rFactorBreakdown({ ie: 0, bpl: 4.3, lossPct: 5, oneWayDelayMs: 0 });
    expect(b.r).toBeCloseTo(42.130939, 5);
    expect(b.mos).toBeCloseTo(2.16962, 5);
  });

  it('G.711 with PLC (Bpl 25.1): 1 % -> 3.64, 5 % -> 15.78', () => {
    expect(effectiveEquipmentImpairment(0, 25.1, 1)).toBeCloseTo(3.639847, 6);
    expect(effectiveEquipmentImpairment(0, 25.1, 5)).toBeCloseTo(15.780731, 6);
    expect(rFactorBreakdown({ ie: 0, bpl: 25.1, lossPct: 5, oneWayDelayMs: 0 }).mos).toBeCloseTo(3.923091, 5);
  });

  it('G.729A + VAD (Ie 11, Bpl 19) at 2 % is exactly 19', () => {
    expect(effectiveEquipmentImpairment(11, 19, 2)).toBeCloseTo(19, 12); // 11 + 84 * 2 / 21
  });

  it('charges bursty loss more than random loss (BurstR = 2)', () => {
    expect(effectiveEquipmentImpairment(0, 25.1, 5, 2)).toBeCloseTo(17.210145, 6); // 475 / (2.5 + 25.1)
    expect(effectiveEquipmentImpairment(0, 25.1, 5, 2)).toBeGreaterThan(effectiveEquipmentImpairment(0, 25.1, 5, 1));
  });

  it('rejects out-of-range inputs with RangeErrors naming them', () => {
    expect(() => effectiveEquipmentImpairment(0, 25.1, -1)).toThrow(/lossPct must be >= 0 and <= 100, got -1/);
    expect(() => effectiveEquipmentImpairment(0, 25.1, 101)).toThrow(RangeError);
    expect(() => effectiveEquipmentImpairment(0, 0, 1)).toThrow(/Bpl must be > 0/);
    expect(() => effectiveEquipmentImpairment(0, 25.1, 1, 0.5)).toThrow(/burstRatio must be >= 1/);
    expect(() => effectiveEquipmentImpairment(Number.NaN, 25.1, 1)).toThrow(/Ie must be a finite number/);
  });
});

describe('wideband E-model (G.107.1)', () => {
  it('maps R_WB to MOS through R_WB / 1.29 (Annex A)', () => {
    expect(mosFromWidebandR(129)).toBe(4.5);
    expect(mosFromWidebandR(116.1)).toBeCloseTo(4.339, 9); // = MOS(R = 90)
    expect(mosFromWidebandR(64.5)).toBeCloseTo(2.575, 9); // = MOS(R = 50)
    expect(mosFromWidebandR(-3)).toBe(1);
  });

  it('rates a clean wideband channel on the 129 scale with Is,WB = 0 and Id scaled by 1.29', () => {
    const b = rFactorBreakdown({ ie: 0, bpl: 20, lossPct: 0, oneWayDelayMs: 200, band: 'wideband' });
    expect(b.ro).toBe(129);
    expect(b.is).toBe(0);
    expect(b.idd).toBeCloseTo(1.29 * 3.044414, 5); // Idd,WB = 1.29 Idd
    expect(b.r).toBeCloseTo(129 - 1.29 * delayImpairment(200).id, 9);
    expect(b.rNarrowbandScale).toBeCloseTo(b.r / 1.29, 12);
    expect(b.mos).toBeCloseTo(mosFromR(b.r / 1.29), 12);
  });

  it('rejects an unknown band', () => {
    // @ts-expect-error: testing the runtime check
    expect(() => rFactor({ ie: 0, bpl: 4.3, lossPct: 0, oneWayDelayMs: 0, band: 'fullband' })).toThrow(/band must be/);
  });
});
